/**
 * The model checker on specs/raft.rio with three servers, to the end: the bounded
 * configuration documented in docs/specs/raft.md, and the Raft mutants of tests/mutants/raft
 * run through the same bounded exploration.
 *
 *     npm run build && node dist/bench/explore/raft3.js [--terms T] [--commands C] [--crashes K] [--max-timeouts M] [--dfs] [--mutants | --mutant NAME ...]
 *
 * Defaults: the configuration of docs/specs/raft.md (the spec's scenario explore3): one
 * term, one command, no crash, each server's timers expiring at most once, which is
 * explored completely. Commands are submitted at p0, p1, ... in turn; with no command, all
 * three servers are interchangeable. Prints, for each run: distinct states (up to renaming of interchangeable
 * servers), transitions, depth reached, seconds, whether the space was explored
 * completely, and the verdict (for a mutant: the violated property and the length of the
 * shortest counterexample).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Raft } from '../../generated/raft.js';
import { loadSpecFiles } from '../../compiler/cli/load.js';
import { loadProtocol } from '../../compiler/load/index.js';
import type { ProtocolModule, Tagged } from '../../runtime/replica/contract.js';
import { explore, type ExploreResult } from '../../runtime/check/explore.js';

const { values: options } = parseArgs({
  options: {
    terms: { type: 'string', default: '1' },
    commands: { type: 'string', default: '1' },
    crashes: { type: 'string', default: '0' },
    'max-timeouts': { type: 'string', default: '1' },
    'max-states': { type: 'string', default: '1000000' },
    'time-limit': { type: 'string', default: '600' },
    mutants: { type: 'boolean', default: false },
    dfs: { type: 'boolean', default: false },
    mutant: { type: 'string', multiple: true, default: [] },
  },
});
const count = (name: keyof typeof options): number => {
  const n = Number(options[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} ${String(options[name])}: expected a whole number`);
    process.exit(2);
  }
  return n;
};
const terms = count('terms');
const commands = count('commands');
const crashes = count('crashes');
const maxTimeouts = count('max-timeouts');
const params = { n: 3, f: 1, electionMin: 150, electionMax: 150, heartbeat: 50, maxTerm: terms, maxHeartbeats: 0, window: 1 };
const workload = Array.from({ length: commands }, (_, i) => ({ process: i % 3, request: { type: 'submit', command: i + 1 } as Tagged }));

function run(name: string, module: ProtocolModule<any, any>): ExploreResult {
  const result = explore({
    module, params, byzantine: [], crashes, workload, values: 2, lossy: false, search: options.dfs ? 'dfs' : 'bfs', maxTimeouts,
    maxStates: count('max-states'), maxDepth: 1_000, timeLimitMs: count('time-limit') * 1000, exact: false, symmetry: true,
  });
  const s = result.symmetry;
  console.log(name);
  console.log(`  ${result.states.toLocaleString('en-US')} states${s.applied ? ` up to renaming of ${s.classes.map((c) => `{${c.map((p) => `p${p}`).join(', ')}}`).join(' and ')} (factor ${s.factor.toFixed(2)})` : ` (symmetry reduction not applied: ${s.reason})`}, ${result.transitions.toLocaleString('en-US')} transitions, depth ${result.maxDepthReached}, ${(result.elapsedMs / 1000).toFixed(1)} s`);
  console.log(`  ${result.complete ? `complete${result.timeoutsBounded ? ' (within the timeout bound)' : ''}` : result.verdict === 'violation' ? 'stopped at the first violation' : `NOT complete (cut by ${result.cutBy})`}; verdict ${result.verdict}${result.violation === undefined ? '' : `: ${result.violation.property}, counterexample of ${result.counterexample!.length} steps`}`);
  return result;
}

console.log(`Raft, 3 servers, terms up to ${terms}, ${commands} client command(s), ${crashes} crash(es), each server's timers expiring at most ${maxTimeouts} time(s), window 1, no idle heartbeats; ${options.dfs ? 'depth-first' : 'breadth-first'}`);
const mutants = options.mutants ? ['vote-without-up-to-date-check', 'leader-overwrites-own-log', 'commit-previous-term-by-count'] : options.mutant;
if (options.mutant.length === 0) run('specs/raft.rio', Raft);
if (mutants.length > 0) {
  const repo = join(import.meta.dirname, '..', '..', '..');
  for (const name of mutants) {
    const file = join(repo, 'tests', 'mutants', 'raft', `${name}.rio`);
    const { module } = await loadProtocol(loadSpecFiles([file]), undefined);
    run(`mutant ${name}`, module);
  }
}
