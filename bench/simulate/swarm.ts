/**
 * Swarm benchmark: every bundled spec, seeds 1..1000 (by default), in process, under the
 * spec's own fault model: the spec's first scenario (its parameters and requests), the
 * faults of the spec's `faults` declarations placed by each seed, and the default network,
 * horizon, step limit and value domain of `rio simulate`, without recording traces. This is
 * what `rio simulate specs/<spec>.rio --seeds 1..1000` runs, except for a first scenario
 * with its own crashes (Paxos's 'duel'): the CLI then runs those crashes as the whole fault
 * plan, the swarm the spec's fault model. Prints, per spec: seeds, events, violations,
 * events/s and wall time; exits 1 if any seed violates a property.
 *
 *     npx tsc -p tsconfig.build.json
 *     node dist/bench/simulate/swarm.js                    # seeds 1..1000, every spec
 *     node dist/bench/simulate/swarm.js 100                # seeds 1..100
 *     node dist/bench/simulate/swarm.js 1..50 paxos ben-or # some specs only
 *     node dist/bench/simulate/swarm.js 1..1000 --horizon 2000
 *     node dist/bench/simulate/swarm.js 1..1000 --network 'loss=0.2,gst=400' tendermint pbft hotstuff minbft
 *
 * The last column names each spec's slowest seed, with its events and wall time.
 */
import { performance } from 'node:perf_hooks';
import { BenOr } from '../../generated/ben-or.js';
import { BrachaBroadcast } from '../../generated/bracha-broadcast.js';
import { EchoBroadcast } from '../../generated/echo-broadcast.js';
import { HotStuff } from '../../generated/hotstuff.js';
import { MinBFT } from '../../generated/minbft.js';
import { Paxos } from '../../generated/paxos.js';
import { PBFT } from '../../generated/pbft.js';
import { Tendermint } from '../../generated/tendermint.js';
import { TwoPhaseCommit } from '../../generated/two-phase-commit.js';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import type { Data } from '../../runtime/replica/values.js';
import { defaultNetwork, type NetworkConfig, type WorkloadStep } from '../../runtime/sim/config.js';
import { defaultWorkload, parseFaults, parseNetwork, parseParams } from '../../runtime/sim/plan.js';
import { simulate } from '../../runtime/sim/simulate.js';

const specs: readonly { readonly name: string; readonly module: ProtocolModule<any, any> }[] = [
  { name: 'bracha-broadcast', module: BrachaBroadcast },
  { name: 'echo-broadcast', module: EchoBroadcast },
  { name: 'paxos', module: Paxos },
  { name: 'ben-or', module: BenOr },
  { name: 'two-phase-commit', module: TwoPhaseCommit },
  { name: 'tendermint', module: Tendermint },
  { name: 'pbft', module: PBFT },
  { name: 'hotstuff', module: HotStuff },
  { name: 'minbft', module: MinBFT },
];

/** The CLI's defaults (compiler/cli/main.ts): --steps, --horizon, --values. */
const defaults = { maxEvents: 100_000, horizon: 10_000, values: 2 };

function usage(message: string): never {
  console.error(`swarm: ${message}`);
  console.error("usage: node dist/bench/simulate/swarm.js [N | A..B] [--horizon H] [--steps S] [--network 'loss=0.2,gst=400'] [spec ...]");
  console.error(`specs: ${specs.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { first: number; last: number; horizon: number; maxEvents: number; network: NetworkConfig; networkText: string; chosen: typeof specs } {
  let network = defaultNetwork;
  let networkText = 'default network';
  let first = 1;
  let last = 1000;
  let horizon = defaults.horizon;
  let maxEvents = defaults.maxEvents;
  const names: string[] = [];
  const positiveInt = (text: string | undefined, what: string) => {
    if (text === undefined || !/^\d+$/.test(text) || Number(text) < 1) usage(`${what} must be a positive whole number, not '${text ?? ''}'`);
    return Number(text);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--horizon') horizon = positiveInt(argv[++i], '--horizon');
    else if (arg === '--steps') maxEvents = positiveInt(argv[++i], '--steps');
    else if (arg === '--network') {
      networkText = argv[++i] ?? usage('--network needs a value');
      try {
        network = parseNetwork(networkText);
      } catch (error) {
        usage(`--network: ${(error as Error).message}`);
      }
      networkText = `network '${networkText}'`;
    }
    else if (/^\d+$/.test(arg)) [first, last] = [1, positiveInt(arg, 'the number of seeds')];
    else if (/^\d+\.\.\d+$/.test(arg)) {
      const [a, b] = arg.split('..').map(Number) as [number, number];
      if (b < a) usage(`the seed range ${arg} is empty`);
      [first, last] = [a, b];
    } else if (arg.startsWith('-')) usage(`unknown option '${arg}'`);
    else names.push(arg.replace(/\.rio$/, '').replace(/^.*\//, ''));
  }
  const unknown = names.filter((n) => !specs.some((s) => s.name === n));
  if (unknown.length > 0) usage(`unknown spec${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}`);
  return { first, last, horizon, maxEvents, network, networkText, chosen: names.length === 0 ? specs : specs.filter((s) => names.includes(s.name)) };
}

/** The run plan of `rio simulate <spec>` without options: the first scenario's parameters and requests. */
function planOf(module: ProtocolModule<any, any>): { params: Record<string, Data>; workload: WorkloadStep[] } {
  const scenario = module.scenarios[0];
  const params = parseParams(module, [], (scenario?.params ?? {}) as Record<string, Data>);
  const workload =
    scenario === undefined
      ? defaultWorkload(module, params)
      : scenario.steps(params as never).flatMap((s) => (s.kind === 'request' ? [{ at: s.at, process: s.process, request: s.request }] : []));
  return { params, workload };
}

const pad = (s: string | number, width: number) => String(s).padStart(width);

const { first, last, horizon, maxEvents, network, networkText, chosen } = parseArgs(process.argv.slice(2));
console.log(`swarm: seeds ${first}..${last}, horizon ${horizon}, at most ${maxEvents} events per run, the spec's own fault model, ${networkText}`);
console.log(`${'spec'.padEnd(18)} ${pad('seeds', 6)} ${pad('events', 11)} ${pad('violations', 10)} ${pad('events/s', 9)} ${pad('wall', 9)}  slowest seed`);
let anyViolation = false;
let totalEvents = 0;
const started = performance.now();
for (const { name, module } of chosen) {
  const { params, workload } = planOf(module);
  const violations: string[] = [];
  let events = 0;
  let slowest = { seed: first, ms: 0, events: 0 };
  const specStart = performance.now();
  for (let seed = first; seed <= last; seed++) {
    const seedStart = performance.now();
    const faults = parseFaults(module, params, undefined, seed, horizon, false);
    const result = simulate({ module, params, seed, network, faults, workload, maxEvents, horizon, values: defaults.values, record: false });
    events += result.steps;
    const ms = performance.now() - seedStart;
    if (ms > slowest.ms) slowest = { seed, ms, events: result.steps };
    if (result.verdict === 'violation') violations.push(`seed ${seed}: ${result.violation!.property} (${result.violation!.kind})`);
  }
  const seconds = (performance.now() - specStart) / 1000;
  totalEvents += events;
  anyViolation ||= violations.length > 0;
  console.log(
    `${name.padEnd(18)} ${pad(last - first + 1, 6)} ${pad(events, 11)} ${pad(violations.length, 10)} ${pad(Math.round(events / Math.max(seconds, 1e-9)), 9)} ${pad(`${seconds.toFixed(1)} s`, 9)}  ${slowest.seed} (${slowest.events} events, ${Math.round(slowest.ms)} ms)`,
  );
  for (const v of violations.slice(0, 10)) console.log(`  VIOLATION ${v}`);
  if (violations.length > 10) console.log(`  ... and ${violations.length - 10} more`);
}
const seconds = (performance.now() - started) / 1000;
console.log(`total: ${totalEvents} events in ${seconds.toFixed(1)} s (${Math.round(totalEvents / Math.max(seconds, 1e-9))} events/s); ${anyViolation ? 'VIOLATIONS found' : 'no violations'}`);
process.exitCode = anyViolation ? 1 : 0;
