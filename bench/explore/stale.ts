/**
 * What leaving out messages no rule will read again saves (docs/explore.md), side by side in
 * one run: each configuration searched telling every message apart (`deadMessages: 'keep'`),
 * leaving out what stopped rules, crashed processes and rules that already fired would read,
 * and leaving out as well what guards reject for good (`staleWhen`); breadth-first, no
 * symmetry reduction; states, transitions, seconds, verdicts and ratios.
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
  // Learners' deliveries interleaved, as when these figures were first taken (observers: bench/explore/paxos.ts).
  observers: false,
});

const configurations: [string, ExploreConfig][] = [
  ['Paxos 2 proposers, 1 acceptor, 1 retry each', paxos(1, 1)],
  ['Paxos 2 proposers, 1 acceptor, 2 retries each', paxos(1, 2)],
  ['Paxos 2 proposers, 3 acceptors, no retry', paxos(3, 0)],
];

console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}; at most ${minutes} min per search`);
for (const [label, config] of configurations) {
  const kept = explore({ ...config, deadMessages: 'keep' });
  const dead = explore({ ...config, deadMessages: 'ignore', staleMessages: false });
  const stale = explore({ ...config, deadMessages: 'ignore', staleMessages: true });
  const line = (name: string, r: typeof stale) =>
    `  ${name}: ${r.states.toLocaleString('en-US')} states, ${r.transitions.toLocaleString('en-US')} transitions, ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.complete ? 'complete' : `cut by ${r.cutBy}`}, ${r.verdict}`;
  console.log(label);
  console.log(line('every message told apart       ', kept));
  console.log(line('messages no rule will read left out', dead));
  console.log(line('... and those rejected for good ', stale));
  const cut = kept.complete && dead.complete && stale.complete ? '' : ' (a search was cut: the ratios are of the explored parts)';
  console.log(`  ratios: ${(kept.states / stale.states).toFixed(1)}x fewer states than telling every message apart, ${(dead.states / stale.states).toFixed(1)}x fewer than without staleWhen${cut}; assumed never to decrease: ${stale.staleVariables.join(', ')}`);
}
