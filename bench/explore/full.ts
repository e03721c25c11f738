/**
 * Complete explorations too long for the test suite, as issue #5 asks for them:
 *
 *   bracha   Bracha's broadcast, n = 4, f = 1, sender p0 broadcasts 0, p3 Byzantine, values
 *            {0, 1}: twice with symmetry reduction (the count must be the same) and once
 *            without (the verdict must be the same).
 *   paxos    Paxos, 2 proposers (values 1 and 2), 3 acceptors, 1 learner, no crash, each
 *            proposer's retry timer expiring at most `timeouts` times (default 1).
 *
 *     npm run build && node dist/bench/explore/full.js bracha|paxos [timeouts] [minutes]
 *
 * Depth-first (the visited states are 64-bit fingerprints; the stack stays small), a line
 * of progress every 30 s, and a summary per run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrachaBroadcast } from '../../generated/bracha-broadcast.js';
import { Paxos } from '../../generated/paxos.js';
import { explore, type ExploreConfig, type ExploreResult } from '../../runtime/check/explore.js';

const which = process.argv[2] ?? 'bracha';
const timeouts = Number(process.argv[3] ?? '1');
const minutes = Number(process.argv[4] ?? '60');
const root = join(import.meta.dirname, '..', '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

const common = {
  crashes: 0, lossy: false, search: 'dfs', maxStates: 500_000_000, maxDepth: 10_000, timeLimitMs: minutes * 60_000, exact: false,
} as const;

function run(label: string, config: ExploreConfig): ExploreResult {
  let last = Date.now();
  const result = explore({
    ...config,
    onProgress: (p) => {
      if (Date.now() - last < 30_000) return;
      last = Date.now();
      console.log(`  ... ${p.states.toLocaleString('en-US')} states, ${p.transitions.toLocaleString('en-US')} transitions, ${Math.round(p.elapsedMs / 1000)} s, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`);
    },
  });
  const s = result.symmetry;
  console.log(`${label}: ${result.complete ? 'fully explored' : `NOT fully explored (cut by ${result.cutBy})`}${result.timeoutsBounded ? ' within the timeout bound' : ''}; verdict ${result.verdict}${result.violation === undefined ? '' : ` (${result.violation.property})`}`);
  console.log(`  ${result.states.toLocaleString('en-US')} distinct states, ${result.transitions.toLocaleString('en-US')} transitions, max depth ${result.maxDepthReached}, ${(result.elapsedMs / 1000).toFixed(0)} s, ${Math.round(result.states / (result.elapsedMs / 1000)).toLocaleString('en-US')} states/s`);
  if (s.applied) console.log(`  symmetry over ${s.classes.map((c) => `{${c.map((p) => `p${p}`).join(', ')}}`).join(' ')}, factor ${s.factor.toFixed(3)} (${Math.round(s.factor * result.states).toLocaleString('en-US')} states without it)`);
  else console.log(`  symmetry: ${s.reason}`);
  return result;
}

console.log(`rio ${version}, node ${process.version}`);
if (which === 'bracha') {
  const config: ExploreConfig = {
    ...common, module: BrachaBroadcast, params: { n: 4, f: 1, sender: 0 }, byzantine: [3],
    workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }], values: 2,
  };
  const first = run('Bracha n=4 f=1, p3 Byzantine, values {0,1}, symmetry', { ...config, symmetry: true });
  const second = run('the same again', { ...config, symmetry: true });
  const none = run('the same without symmetry reduction', { ...config, symmetry: false });
  console.log(`same count on both runs: ${first.states === second.states}; same verdict with and without symmetry: ${first.verdict === none.verdict}`);
} else if (which === 'paxos') {
  run(`Paxos, 2 proposers, 3 acceptors, 1 learner, no crash, at most ${timeouts} retries per proposer, symmetry`, {
    ...common, module: Paxos, params: { proposers: 2, acceptors: 3, learners: 1, f: 1 }, byzantine: [], values: 2, maxTimeouts: timeouts, symmetry: true,
    workload: [{ process: 0, request: { type: 'propose', v: 1 } }, { process: 1, request: { type: 'propose', v: 2 } }],
  });
} else {
  console.error(`usage: node dist/bench/explore/full.js bracha|paxos [timeouts] [minutes]`);
  process.exit(2);
}
