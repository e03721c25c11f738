/**
 * Bounded model checking of the four Byzantine consensus specs of issue #8 on small
 * instances, side by side (docs/specs/bft.md, "Bounded model checking"): HotStuff and
 * MinBFT explored completely, PBFT and Tendermint breadth-first to a depth bound D (every
 * state reachable in at most D moves visited and its properties checked; those at depth
 * < D expanded), then each spec's quorum-lowered mutant through the same
 * configuration.
 *
 *     npm run build && node dist/bench/explore/bft.js [PBFT depth] [Tendermint depth] [minutes per search]
 *
 * All searches: no Byzantine process (a PBFT, HotStuff or MinBFT message holds a set, whose
 * well-typed values the checker cannot enumerate; a Byzantine Tendermint replica makes the
 * search too wide, see docs/specs/bft.md), breadth-first, 64-bit fingerprints. Timers never
 * expire in PBFT, Tendermint and MinBFT (`maxTimeouts: 0`: one view, one height, round 0);
 * HotStuff's are unbounded (its maxView = 1 bounds them).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { HotStuff } from '../../generated/hotstuff.js';
import { MinBFT } from '../../generated/minbft.js';
import { PBFT } from '../../generated/pbft.js';
import { Tendermint } from '../../generated/tendermint.js';
import { processIo } from '../../compiler/cli/io.js';
import { loadForRun } from '../../compiler/cli/simulate.js';
import { explore, type ExploreConfig, type ExploreResult } from '../../runtime/check/explore.js';
import type { WorldState } from '../../runtime/world/world.js';

const pbftDepth = Number(process.argv[2] ?? '14');
const tendermintDepth = Number(process.argv[3] ?? '11');
const minutes = Number(process.argv[4] ?? '10');
if (![pbftDepth, tendermintDepth].every((d) => Number.isInteger(d) && d >= 0) || !(minutes > 0)) {
  console.error(`usage: node dist/bench/explore/bft.js [PBFT depth] [Tendermint depth] [minutes per search]; got '${process.argv.slice(2).join(' ')}'`);
  process.exit(2);
}

type Module = ExploreConfig['module'];
const common = {
  byzantine: [], values: 2, lossy: false, search: 'bfs', maxStates: 50_000_000, timeLimitMs: minutes * 60_000, exact: false, maxTimeouts: 0,
} as const;

/** Each instance: the configuration, as a function of the module (the spec or a mutant), and the `rio explore` command it is. */
const instances: readonly { name: string; mutant?: string; command: string; config: (module: Module) => ExploreConfig }[] = [
  {
    name: 'HotStuff, n = 4, f = 1, one view, one crash',
    mutant: 'hotstuff/qc-quorum-lowered',
    command: 'rio explore specs/hotstuff.rio --param n=4 --param f=1 --param maxView=1 --byzantine none --crashes 1 --max-timeouts none',
    config: (module) => ({ ...common, maxTimeouts: undefined, module, params: { n: 4, f: 1, maxView: 1 }, crashes: 1, maxDepth: 10_000, workload: [{ process: 1, request: { type: 'submit', cmd: 100 } }] }),
  },
  {
    name: 'MinBFT, n = 3, f = 1, view 0, one request, one crash',
    mutant: 'minbft/commit-quorum-lowered',
    command: "rio explore specs/minbft.rio --param n=3 --param f=1 --param clients=1 --param maxView=0 --param resend=0 --request 'invoke(5) on 3' --byzantine none --crashes 1 --max-timeouts 0",
    config: (module) => ({ ...common, module, params: { n: 3, f: 1, clients: 1, maxView: 0, resend: 0 }, crashes: 1, maxDepth: 10_000, workload: [{ process: 3, request: { type: 'invoke', op: 5 } }] }),
  },
  {
    name: `PBFT, n = 4, f = 1, view 0, one request, maxSeq 1, depth <= ${pbftDepth}`,
    mutant: 'pbft/commit-quorum-lowered',
    command: `rio explore specs/pbft.rio --param n=4 --param f=1 --param clients=1 --param maxSeq=1 --param checkpointEvery=2 --param window=2 --param maxView=0 --param resend=0 --request 'invoke(5) on 4' --byzantine none --crashes 0 --max-timeouts 0 --max-depth ${pbftDepth}`,
    config: (module) => ({
      ...common, module, params: { n: 4, f: 1, clients: 1, maxSeq: 1, checkpointEvery: 2, window: 2, maxView: 0, resend: 0 }, crashes: 0, maxDepth: pbftDepth,
      workload: [{ process: 4, request: { type: 'invoke', op: 5 } }],
    }),
  },
  {
    name: `Tendermint, n = 4, f = 1, one height, round 0, depth <= ${tendermintDepth}`,
    mutant: 'tendermint/decide-quorum-lowered',
    command: `rio explore specs/tendermint.rio --scenario small --param maxRound=0 --byzantine none --crashes 0 --max-timeouts 0 --max-depth ${tendermintDepth}`,
    config: (module) => ({
      ...common, module, params: { n: 4, f: 1, heights: 1, maxRound: 0, gossip: 0 }, crashes: 0, maxDepth: tendermintDepth,
      workload: [{ process: 0, request: { type: 'submit', v: 1 } }],
    }),
  },
];

const modules: Record<string, Module> = { HotStuff, MinBFT, PBFT, Tendermint };
/** The indication each protocol gives when a replica decides (executes, commits). */
const decision: Record<string, string> = { HotStuff: 'commit', MinBFT: 'execute', PBFT: 'execute', Tendermint: 'decide' };

/**
 * Explores, counting the states in which at least one, and at least two, replicas have
 * decided: a bounded search whose states never reach two decisions cannot test agreement.
 */
function exploreCounting(config: ExploreConfig, indication: string): { result: ExploreResult; one: number; two: number } {
  let one = 0;
  let two = 0;
  const onState = (w: WorldState) => {
    const deciders = w.indications.filter((xs) => xs.some((x) => x.type === indication)).length;
    if (deciders >= 1) one++;
    if (deciders >= 2) two++;
  };
  return { result: explore({ ...config, onState }), one, two };
}
const decided = ({ one, two }: { one: number; two: number }) =>
  `      states where a replica decided: ${one.toLocaleString('en-US')}, where two did: ${two.toLocaleString('en-US')}`;
const outcome = (r: ExploreResult) =>
  r.complete ? 'complete' : r.cutBy === 'maxDepth' ? `cut by maxDepth (every state within ${r.maxDepthReached} moves visited and checked)` : r.cutBy !== undefined ? `cut by ${r.cutBy}` : 'stopped at the violation';
const line = (r: ExploreResult) =>
  `${r.states.toLocaleString('en-US')} states, ${r.transitions.toLocaleString('en-US')} transitions, depth ${r.maxDepthReached}, ` +
  `${(r.elapsedMs / 1000).toFixed(1)} s, ${outcome(r)}, ${r.verdict}` +
  (r.violation === undefined ? '' : ` (${r.violation.property} violated; a shortest counterexample has ${r.counterexample!.length} steps)`);

console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; at most ${minutes} min per search`);
const repo = join(import.meta.dirname, '..', '..', '..');
for (const instance of instances) {
  console.log(instance.name);
  console.log(`  ${instance.command}`);
  const module = modules[instance.name.split(',')[0]!]!;
  const protocol = instance.name.split(',')[0]!;
  const spec = exploreCounting(instance.config(module), decision[protocol]!);
  console.log(`  spec:   ${line(spec.result)}`);
  console.log(decided(spec));
  if (instance.mutant === undefined) continue;
  const loaded = await loadForRun({ spec: join(repo, 'tests', 'mutants', `${instance.mutant}.rio`) }, processIo());
  if (typeof loaded === 'number') process.exit(loaded);
  const mutant = exploreCounting(instance.config(loaded.module), decision[protocol]!);
  console.log(`  mutant ${instance.mutant}: ${line(mutant.result)}`);
  console.log(decided(mutant));
}
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
