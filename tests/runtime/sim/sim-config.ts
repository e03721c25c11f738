/**
 * Building simulation configurations in process, exactly as `rio simulate` does
 * (compiler/cli/simulate.ts: makePlan, faultsFor, configFor), so that a seed found by a
 * test reproduces with the CLI's `reproduce:` command and the same options.
 *
 * ```ts
 * const plan = planRun(module, { network: 'loss=0.2,gst=500', horizon: 500 });
 * const result = simulate(configFor(plan, 67));
 * ```
 */
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import type { Data, Process } from '../../../runtime/replica/values.js';
import type { FaultPlan, NetworkConfig, SimConfig, WorkloadStep } from '../../../runtime/sim/config.js';
import { defaultWorkload, faultPlanFor, parseFaults, parseNetwork, parseParams, parseRequest } from '../../../runtime/sim/plan.js';

/** The options of `rio simulate`, as words; every one is optional, defaults as in the CLI. */
export interface RunOptions {
  readonly scenario?: string;
  readonly params?: readonly string[];
  readonly requests?: readonly string[];
  readonly faults?: string;
  readonly beyondFaults?: boolean;
  readonly network?: string;
  readonly horizon?: number;
  readonly steps?: number;
  readonly values?: number;
}

export interface RunPlan {
  readonly module: ProtocolModule<any, any>;
  readonly params: Record<string, Data>;
  readonly workload: readonly WorkloadStep[];
  readonly network: NetworkConfig;
  /** The steps of the scenario run (named, or the spec's first when no request is given). */
  readonly scenarioSteps: ReturnType<ProtocolModule<any, any>['scenarios'][number]['steps']>;
  /** Of those, the crashes. */
  readonly scenarioCrashes: readonly { readonly process: Process; readonly at: number }[];
  readonly options: RunOptions;
  readonly horizon: number;
  readonly steps: number;
  readonly values: number;
}

/** The CLI defaults (compiler/cli/main.ts). */
export const cliDefaults = { horizon: 10_000, steps: 100_000, values: 2 } as const;

/** What `rio simulate SPEC [options]` would run, before the seed is known. */
export function planRun(module: ProtocolModule<any, any>, options: RunOptions = {}): RunPlan {
  const requests = options.requests ?? [];
  const scenario =
    options.scenario === undefined ? (requests.length === 0 ? module.scenarios[0] : undefined) : module.scenarios.find((s) => s.name === options.scenario);
  if (options.scenario !== undefined && scenario === undefined) throw new Error(`no scenario '${options.scenario}' in ${module.name}`);
  const params = parseParams(module, options.params ?? [], (scenario?.params ?? {}) as Record<string, Data>);
  let workload: WorkloadStep[];
  if (requests.length > 0) workload = requests.map((r) => parseRequest(module, params, r));
  else if (scenario !== undefined) {
    workload = scenario.steps(params as never).flatMap((s) => (s.kind === 'request' ? [{ at: s.at, process: s.process, request: s.request }] : []));
  } else workload = defaultWorkload(module, params);
  const scenarioSteps = scenario?.steps(params as never) ?? [];
  const scenarioCrashes = scenarioSteps.flatMap((s) => (s.kind === 'crash' ? [{ process: s.process, at: s.at }] : []));
  return {
    module, params, workload, network: parseNetwork(options.network), scenarioSteps, scenarioCrashes, options,
    horizon: options.horizon ?? cliDefaults.horizon, steps: options.steps ?? cliDefaults.steps, values: options.values ?? cliDefaults.values,
  };
}

/**
 * The fault plan of one seed, as `rio simulate` makes it: --faults if given; else the
 * scenario's own crashes if it has any (the scenario is then the whole fault plan); else the
 * spec's fault model placed by the seed.
 */
export function faultsFor(plan: RunPlan, seed: number): FaultPlan {
  return faultPlanFor(plan.module, plan.params, plan.scenarioSteps, plan.options.faults, seed, plan.horizon, plan.options.beyondFaults ?? false);
}

/** The spec's own fault model placed by the seed (or --faults), whatever the scenario says. */
export function specFaults(plan: RunPlan, seed: number): FaultPlan {
  return parseFaults(plan.module, plan.params, plan.options.faults, seed, plan.horizon, plan.options.beyondFaults ?? false);
}

/** The simulator configuration of one seed (with the faults `rio simulate` would use, or those given). */
export function configFor(plan: RunPlan, seed: number, record = true, faults: FaultPlan = faultsFor(plan, seed)): SimConfig {
  return {
    module: plan.module, params: plan.params, seed, network: plan.network, faults, workload: plan.workload,
    maxEvents: plan.steps, horizon: plan.horizon, values: plan.values, record,
  };
}

/** The CLI options that reproduce a plan (for messages): `--horizon 500 --network '...'`. */
export function describeOptions(options: RunOptions): string {
  const words: string[] = [];
  for (const p of options.params ?? []) words.push(`--param ${p}`);
  if (options.scenario !== undefined) words.push(`--scenario ${options.scenario}`);
  for (const r of options.requests ?? []) words.push(`--request '${r}'`);
  if (options.faults !== undefined) words.push(`--faults '${options.faults}'`);
  if (options.network !== undefined) words.push(`--network '${options.network}'`);
  if (options.beyondFaults === true) words.push('--beyond-faults');
  if (options.steps !== undefined) words.push(`--steps ${options.steps}`);
  if (options.horizon !== undefined) words.push(`--horizon ${options.horizon}`);
  if (options.values !== undefined) words.push(`--values ${options.values}`);
  return words.join(' ');
}
