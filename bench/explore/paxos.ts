/**
 * Paxos with 2 proposers and 3 acceptors, the spec's `duel` scenario (2 learners, one crash
 * allowed, values 1 and 2), explored breadth-first with symmetry reduction, side by side in
 * one run: with every reduction, without observers (learners' deliveries interleaved), and
 * without observers with crashes explored; for each timeout bound given. Then a mutant only
 * a second ballot per proposer can catch: a proposer that takes the lowest-numbered value
 * its promises report instead of the highest (it takes three ballots to tell them apart).
 *
 *     npm run build && node dist/bench/explore/paxos.js [minutes per search] [timeout bounds, e.g. 0,1,2]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Paxos } from '../../generated/paxos.js';
import { processIo } from '../../compiler/cli/io.js';
import { loadForRun } from '../../compiler/cli/simulate.js';
import { explore, type ExploreConfig, type ExploreResult } from '../../runtime/check/explore.js';

const minutes = Number(process.argv[2] ?? '10');
const bounds = (process.argv[3] ?? '0,1').split(',').map(Number);
if (!(minutes > 0) || bounds.some((b) => !Number.isInteger(b) || b < 0)) {
  console.error(`usage: node dist/bench/explore/paxos.js [minutes per search] [timeout bounds, e.g. 0,1,2]; got '${process.argv.slice(2).join(' ')}'`);
  process.exit(2);
}

const duel = (timeouts: number, module: ExploreConfig['module'] = Paxos): ExploreConfig => ({
  module, params: { proposers: 2, acceptors: 3, learners: 2, f: 1 }, byzantine: [], crashes: 1,
  workload: [{ process: 0, request: { type: 'propose', v: 1 } }, { process: 1, request: { type: 'propose', v: 2 } }],
  values: 2, lossy: false, search: 'bfs', maxStates: 50_000_000, maxDepth: 10_000, timeLimitMs: minutes * 60_000, exact: false,
  maxTimeouts: timeouts, symmetry: true,
});

const line = (name: string, r: ExploreResult) =>
  `  ${name}: ${r.states.toLocaleString('en-US')} states, ${r.transitions.toLocaleString('en-US')} transitions, depth ${r.maxDepthReached}, ` +
  `${(r.elapsedMs / 1000).toFixed(1)} s, ${Math.round(r.states / Math.max(r.elapsedMs / 1000, 1e-3))} states/s, ${r.complete ? 'complete' : r.verdict === 'violation' ? 'stopped at the violation' : `cut by ${r.cutBy}`}, ${r.verdict}`;

console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}; at most ${minutes} min per search`);
for (const timeouts of bounds) {
  console.log(`Paxos duel (2 proposers, 3 acceptors, 2 learners, 1 crash), timers expire at most ${timeouts} times per process`);
  const all = explore(duel(timeouts));
  console.log(line('every reduction                          ', all));
  console.log(`    observers ${all.observers.map((p) => `p${p}`).join(', ')} (${all.observerStates.toLocaleString('en-US')} observer states), crashes ${all.crashesSubsumed ? 'subsumed' : 'explored'}`);
  const interleaved = explore({ ...duel(timeouts), observers: false });
  console.log(line('learners interleaved                     ', interleaved));
  const crashing = explore({ ...duel(timeouts), observers: false, subsumeCrashes: false });
  console.log(line('learners interleaved and crashes explored', crashing));
  const cut = all.complete && interleaved.complete && crashing.complete ? '' : ' (a search was cut: ratios of explored parts)';
  console.log(`  ratios: ${(interleaved.states / all.states).toFixed(1)}x fewer states than with learners interleaved, ${(crashing.states / all.states).toFixed(1)}x fewer than with crashes explored as well${cut}`);
}

const specFile = join(import.meta.dirname, '..', '..', '..', 'specs', 'paxos.rio');
const lowest = readFileSync(specFile, 'utf8').replace('else (max m in reported by get(m.ab)).av', 'else (min m in reported by get(m.ab)).av');
const dir = mkdtempSync(join(tmpdir(), 'rio-bench-'));
writeFileSync(join(dir, 'paxos-lowest.rio'), lowest);
const loaded = await loadForRun({ spec: join(dir, 'paxos-lowest.rio') }, processIo());
rmSync(dir, { recursive: true, force: true });
if (typeof loaded === 'number') process.exit(loaded);
const mutant = loaded.module;
console.log('mutant: the proposer takes the lowest-numbered reported value');
for (const timeouts of [0, 1]) {
  const r = explore(duel(timeouts, mutant));
  console.log(line(`at most ${timeouts} expiries per process`.padEnd(41), r));
  if (r.violation !== undefined) console.log(`    ${r.violation.property} violated; a shortest counterexample has ${r.counterexample!.length} steps`);
}
