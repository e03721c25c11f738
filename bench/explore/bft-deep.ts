/**
 * Depth-first searches that reach decisions, where the breadth-first bounds of
 * bench/explore/bft.ts do not: HotStuff with four views (chained HotStuff commits only at
 * the end of a three-chain, so one view never commits) and Tendermint's round 0 at one
 * height (a first decision takes about 16 moves). Neither search is complete: each stops at
 * the time limit; they check agreement in every state they visit, and count the states in
 * which one and two correct replicas have decided, so that the check is seen not to be
 * vacuous. No Byzantine process, no crash, timers never expire (views and rounds advance on
 * quorums only), symmetry reduction where it applies, 64-bit fingerprints.
 *
 *     npm run build && node dist/bench/explore/bft-deep.js [minutes per search]
 */
import { loadavg } from 'node:os';
import { HotStuff } from '../../generated/hotstuff.js';
import { Tendermint } from '../../generated/tendermint.js';
import { explore, type ExploreConfig } from '../../runtime/check/explore.js';
import type { ReplicaState } from '../../runtime/replica/engine.js';

const minutes = Number(process.argv[2] ?? '10');
if (!(minutes > 0)) {
  console.error(`usage: node dist/bench/explore/bft-deep.js [minutes per search]; got '${process.argv.slice(2).join(' ')}'`);
  process.exit(2);
}

/** A map-typed variable holds something (maps are arrays of pairs at run time). */
const nonEmpty = (m: unknown) => Array.isArray(m) && m.length > 0;
const runs: { label: string; config: ExploreConfig; decided: (s: ReplicaState) => boolean }[] = [
  {
    label: 'HotStuff n=4 f=1, maxView=4, p1 submits 100',
    config: { module: HotStuff, params: { n: 4, f: 1, maxView: 4 }, workload: [{ process: 1, request: { type: 'submit', v: 100 } }] } as unknown as ExploreConfig,
    decided: (s) => (s.vars['execHeight'] as number) > 0,
  },
  {
    label: 'Tendermint n=4 f=1, one height, maxRound=0, p0 submits 1',
    config: { module: Tendermint, params: { n: 4, f: 1, heights: 1, maxRound: 0, gossip: 0 }, workload: [{ process: 0, request: { type: 'submit', v: 1 } }] } as unknown as ExploreConfig,
    decided: (s) => nonEmpty(s.vars['decision']),
  },
];

console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; depth-first, at most ${minutes} min per search`);
for (const { label, config, decided } of runs) {
  let one = 0;
  let two = 0;
  const r = explore({
    ...config, byzantine: [], crashes: 0, values: 2, lossy: false, search: 'dfs', maxStates: 50_000_000, maxDepth: 1_000,
    timeLimitMs: minutes * 60_000, exact: false, maxTimeouts: 0, symmetry: true,
    onState: (w) => {
      const k = w.replicas.filter((s) => s !== null && decided(s)).length;
      if (k >= 1) one++;
      if (k >= 2) two++;
    },
  });
  console.log(`${label}: ${r.states.toLocaleString('en-US')} states, ${r.transitions.toLocaleString('en-US')} transitions, depth ${r.maxDepthReached}, ` +
    `${(r.elapsedMs / 1000).toFixed(1)} s, ${r.complete ? 'complete' : `cut by ${r.cutBy}`}, ${r.verdict}; ` +
    `states where at least one replica decided: ${one.toLocaleString('en-US')}, at least two: ${two.toLocaleString('en-US')}`);
}
