/**
 * The BFT specs against the protocol-following Byzantine strategies (runtime/sim/adversary.ts):
 * for each spec, each strategy and each seed, one run of the spec's first scenario with one
 * Byzantine replica (replica `seed mod n`) playing the strategy on every message type, 20 %
 * message loss until t = 400, the CLI's other defaults, no trace. Prints, per spec and
 * strategy: seeds, events, safety violations (always properties and assertions, which include
 * a correct process sending a message that fails its validity predicate), liveness
 * violations (eventually properties, judged at the end of a stable run), messages the
 * adversary corrupted, signatures it forged, messages dropped by validity predicates, wall
 * time. Exits 1 on a safety violation.
 *
 *     npx tsc -p tsconfig.build.json
 *     node dist/bench/simulate/bft-strategies.js                   # seeds 1..1000, every spec and strategy
 *     node dist/bench/simulate/bft-strategies.js 1..100 pbft conflict
 *
 * MinBFT is not run with `twins`: two copies of a replica would each have their own trusted
 * USIG, which the protocol's fault model excludes (the USIG is what stops equivocation).
 */
import { performance } from 'node:perf_hooks';
import { HotStuff } from '../../generated/hotstuff.js';
import { MinBFT } from '../../generated/minbft.js';
import { PBFT } from '../../generated/pbft.js';
import { Tendermint } from '../../generated/tendermint.js';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import type { Data } from '../../runtime/replica/values.js';
import { shadowStrategies, type ShadowStrategy } from '../../runtime/sim/adversary.js';
import { parseNetwork, parseParams } from '../../runtime/sim/plan.js';
import { simulate } from '../../runtime/sim/simulate.js';

const specs: readonly { readonly name: string; readonly module: ProtocolModule<any, any> }[] = [
  { name: 'pbft', module: PBFT },
  { name: 'hotstuff', module: HotStuff },
  { name: 'tendermint', module: Tendermint },
  { name: 'minbft', module: MinBFT },
];

function usage(message: string): never {
  console.error(`bft-strategies: ${message}`);
  console.error('usage: node dist/bench/simulate/bft-strategies.js [N | A..B] [spec ...] [strategy ...]');
  process.exit(2);
}

const args = process.argv.slice(2);
let first = 1;
let last = 1000;
const chosenSpecs: string[] = [];
const chosenStrategies: ShadowStrategy[] = [];
for (const a of args) {
  const range = /^(\d+)(?:\.\.(\d+))?$/.exec(a);
  if (range !== null) {
    first = range[2] === undefined ? 1 : Number(range[1]);
    last = Number(range[2] ?? range[1]);
  } else if (specs.some((s) => s.name === a)) chosenSpecs.push(a);
  else if ((shadowStrategies as readonly string[]).includes(a)) chosenStrategies.push(a as ShadowStrategy);
  else usage(`'${a}' is neither a seed range, a spec (${specs.map((s) => s.name).join(', ')}) nor a strategy (${shadowStrategies.join(', ')})`);
}

const network = parseNetwork('loss=0.2,gst=400');
let safetyViolations = 0;
console.log('spec        strategy  seeds  events       safety  liveness  corrupted  forged  invalid   wall');
for (const spec of specs.filter((s) => chosenSpecs.length === 0 || chosenSpecs.includes(s.name))) {
  const scenario = spec.module.scenarios[0]!;
  const params = parseParams(spec.module, [], scenario.params as Record<string, Data>);
  const n = params['n'] as number;
  const workload = scenario.steps(params as never).flatMap((s) => (s.kind === 'request' ? [{ at: s.at, process: s.process, request: s.request }] : []));
  for (const strategy of shadowStrategies.filter((s) => chosenStrategies.length === 0 || chosenStrategies.includes(s))) {
    if (spec.name === 'minbft' && strategy === 'twins') continue;
    let events = 0;
    let safety = 0;
    let liveness = 0;
    let corrupted = 0;
    let forged = 0;
    let invalid = 0;
    const examples: string[] = [];
    const start = performance.now();
    for (let seed = first; seed <= last; seed++) {
      const result = simulate({
        module: spec.module, params, seed, network, workload, maxEvents: 100_000, horizon: 10_000, values: 2, record: false,
        faults: { crashes: [], restarts: [], byzantine: [{ process: seed % n, strategy }] },
      });
      events += result.steps;
      for (const x of result.invalid) invalid += x.messages;
      for (const a of result.adversaries) {
        corrupted += a.corrupted;
        forged += a.forged;
      }
      if (result.violation === undefined) continue;
      if (result.violation.kind === 'eventually') liveness++;
      else safety++;
      if (examples.length < 3) examples.push(`seed ${seed} (p${seed % n}): ${result.violation.property}`);
    }
    safetyViolations += safety;
    const wall = (performance.now() - start) / 1000;
    console.log(
      `${spec.name.padEnd(11)} ${strategy.padEnd(9)} ${String(last - first + 1).padStart(5)}  ${events.toLocaleString('en-US').padStart(11)}  ${String(safety).padStart(6)}  ${String(liveness).padStart(8)}  ${corrupted.toLocaleString('en-US').padStart(9)}  ${forged.toLocaleString('en-US').padStart(6)}  ${invalid.toLocaleString('en-US').padStart(7)}  ${wall.toFixed(1).padStart(5)} s` +
        (examples.length > 0 ? `   e.g. ${examples.join('; ')}` : ''),
    );
  }
}
process.exit(safetyViolations > 0 ? 1 : 0);
