/**
 * What leaving out messages a guard rejects for good (`staleWhen`, docs/explore.md) saves,
 * side by side in one run: each configuration searched with the reduction off and on,
 * breadth-first, no symmetry reduction; states, transitions, seconds, verdicts and ratios.
 *
 *     npm run build && node dist/bench/explore/stale.js [minutes per search]
 *
 * Configurations: Paxos with 2 proposers (values 1 and 2), 1 learner, no crash, and
 * 1 acceptor with 1 and 2 retries per proposer, 3 acceptors with no retry.
 */
import { Paxos } from '../../generated/paxos.js';
import { explore, type ExploreConfig } from '../../runtime/check/explore.js';

const minutes = Number(process.argv[2] ?? '15');
if (!(minutes > 0)) {
  console.error(`usage: node dist/bench/explore/stale.js [minutes per search], got '${process.argv[2]}'`);
  process.exit(2);
}

const paxos = (acceptors: number, timeouts: number): ExploreConfig => ({
  module: Paxos, params: { proposers: 2, acceptors, learners: 1, f: Math.floor((acceptors - 1) / 2) }, byzantine: [], crashes: 0,
  workload: [{ process: 0, request: { type: 'propose', v: 1 } }, { process: 1, request: { type: 'propose', v: 2 } }],
  values: 2, lossy: false, search: 'bfs', maxStates: 50_000_000, maxDepth: 10_000, timeLimitMs: minutes * 60_000, exact: false,
  maxTimeouts: timeouts, symmetry: false,
});

const configurations: [string, ExploreConfig][] = [
  ['Paxos 2 proposers, 1 acceptor, 1 retry each', paxos(1, 1)],
  ['Paxos 2 proposers, 1 acceptor, 2 retries each', paxos(1, 2)],
  ['Paxos 2 proposers, 3 acceptors, no retry', paxos(3, 0)],
];

console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}; at most ${minutes} min per search`);
for (const [label, config] of configurations) {
  const off = explore({ ...config, staleMessages: false });
  const on = explore({ ...config, staleMessages: true });
  const line = (name: string, r: typeof on) =>
    `  ${name}: ${r.states.toLocaleString('en-US')} states, ${r.transitions.toLocaleString('en-US')} transitions, ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.complete ? 'complete' : `cut by ${r.cutBy}`}, ${r.verdict}`;
  console.log(label);
  console.log(line('kept   ', off));
  console.log(line('left out', on));
  console.log(`  ratio: ${(off.states / on.states).toFixed(1)}x fewer states, ${(off.elapsedMs / Math.max(on.elapsedMs, 1)).toFixed(1)}x less time${off.complete && on.complete ? '' : ' (a search was cut: the ratio is of the explored parts)'}; assumed never to decrease: ${on.staleVariables.join(', ')}`);
}
