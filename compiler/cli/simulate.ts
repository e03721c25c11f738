/**
 * `rio simulate`: run a spec's replicas in the deterministic simulator, one seed or many,
 * under the spec's fault model (or the one given), check its properties, and shrink and
 * explain any violation. `rio replay`: re-run a trace file and print the same report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import type { Data } from '../../runtime/replica/values.js';
import type { FaultPlan, NetworkConfig, SimConfig, WorkloadStep } from '../../runtime/sim/config.js';
import { checkNetwork, defaultWorkload, faultPlanFor, parseNetwork, parseParams, parseRequest, PlanError } from '../../runtime/sim/plan.js';
import { replaySteps } from '../../runtime/sim/replay.js';
import { describeStep, showMessage, showValue } from '../../runtime/sim/report.js';
import { shrink } from '../../runtime/sim/shrink.js';
import { simulate, type SimResult, type TraceStep, type Violation } from '../../runtime/sim/simulate.js';
import { readTrace, TRACE_FORMAT, TRACE_VERSION, TraceError, writeTrace, type Trace, type TraceHeader } from '../../runtime/sim/trace.js';
import { World } from '../../runtime/world/world.js';
import { renderDiagnostics } from '../diagnostics/render.js';
import { loadProtocol, SpecHasErrors } from '../load/index.js';
import type { Io } from './io.js';
import { loadSpecFiles } from './load.js';
import { terminalProgress } from './progress.js';

export interface SimulateArgs {
  readonly spec: string;
  readonly protocol?: string;
  readonly params: readonly string[];
  readonly scenario?: string;
  readonly seed?: string;
  readonly seeds?: string;
  readonly all: boolean;
  readonly steps: number;
  readonly horizon: number;
  readonly faults?: string;
  readonly beyondFaults: boolean;
  readonly network?: string;
  readonly requests: readonly string[];
  readonly values: number;
  readonly trace?: string;
  readonly shrink: boolean;
  readonly json: boolean;
}

/** A usage error (exit 2) with a message for the user. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parseSeed(text: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`--seed '${text}' is not a number (decimal or 0x hex)`);
  return value;
}

function parseSeedRange(text: string): [number, number] {
  const m = /^(\w+)\.\.(\w+)$/.exec(text);
  if (m === null) throw new UsageError(`--seeds '${text}' must look like A..B, e.g. 1..1000`);
  const a = parseSeed(m[1]!);
  const b = parseSeed(m[2]!);
  if (b < a) throw new UsageError(`--seeds ${text}: the range is empty`);
  return [a, b];
}

const hex = (seed: number) => `0x${seed.toString(16)}`;

interface Plan {
  /** The scenario run (named, or the spec's first when no request is given). */
  readonly scenario?: ProtocolModule<any, any>['scenarios'][number];
  readonly module: ProtocolModule<any, any>;
  readonly specFile: string;
  readonly params: Record<string, Data>;
  readonly workload: readonly WorkloadStep[];
  readonly workloadSource: string;
  readonly network: NetworkConfig;
}

/** Loads the spec a run command names; a number is the exit code when it cannot be loaded. */
export async function loadForRun(args: { spec: string; protocol?: string }, io: Io): Promise<{ module: ProtocolModule<any, any>; specFile: string } | number> {
  const files = loadSpecFiles([args.spec]);
  try {
    return await loadProtocol(files, args.protocol);
  } catch (error) {
    if (error instanceof SpecHasErrors) {
      io.err(renderDiagnostics(error.diagnostics, new Map(files.map((f) => [f.id, f])), { color: io.color }));
      io.err(`rio: ${args.spec} has errors; run 'rio check ${args.spec}' after fixing them`);
      return 2;
    }
    throw error;
  }
}

/**
 * The scenario, parameters and workload of a run (shared by `simulate` and `explore`): the
 * named scenario, else the spec's first unless requests are given; `--param` over the
 * scenario's values; `--request`s, else the scenario's requests, else one of each request.
 */
export function runSetup(
  module: ProtocolModule<any, any>,
  specFile: string,
  args: { readonly scenario?: string; readonly params: readonly string[]; readonly requests: readonly string[] },
): { scenario?: Plan['scenario']; params: Record<string, Data>; workload: WorkloadStep[]; workloadSource: string } {
  const scenario = args.scenario === undefined ? (args.requests.length === 0 ? module.scenarios[0] : undefined) : module.scenarios.find((s) => s.name === args.scenario);
  if (args.scenario !== undefined && scenario === undefined) {
    throw new UsageError(`no scenario '${args.scenario}' in ${specFile} (scenarios: ${module.scenarios.map((s) => s.name).join(', ') || 'none'})`);
  }
  try {
    const params = parseParams(module, args.params, (scenario?.params ?? {}) as Record<string, Data>);
    let workload: WorkloadStep[];
    let workloadSource: string;
    if (args.requests.length > 0) {
      workload = args.requests.map((r) => parseRequest(module, params, r));
      workloadSource = 'from --request';
    } else if (scenario !== undefined) {
      workload = scenario.steps(params as never).flatMap((s) => (s.kind === 'request' ? [{ at: s.at, process: s.process, request: s.request }] : []));
      workloadSource = `scenario '${scenario.name}'`;
    } else {
      workload = defaultWorkload(module, params);
      workloadSource = workload.length === 0 ? 'none (the protocol has no requests)' : 'default: one of each request at t=0';
    }
    return { ...(scenario === undefined ? {} : { scenario }), params, workload, workloadSource };
  } catch (error) {
    if (error instanceof PlanError) throw new UsageError(error.message);
    throw error;
  }
}

function makePlan(module: ProtocolModule<any, any>, specFile: string, args: SimulateArgs): Plan {
  const { scenario, params, workload, workloadSource } = runSetup(module, specFile, args);
  const network = parseNetwork(args.network);
  checkNetwork(network, module.processCount(params as never));
  return { ...(scenario === undefined ? {} : { scenario }), module, specFile, params, workload, workloadSource, network };
}

function configFor(plan: Plan, args: SimulateArgs, seed: number, faults: FaultPlan, record: boolean): SimConfig {
  return {
    module: plan.module, params: plan.params, seed, network: plan.network, faults, workload: plan.workload,
    maxEvents: args.steps, horizon: args.horizon, values: args.values, record,
  };
}

function faultsFor(plan: Plan, args: SimulateArgs, seed: number): FaultPlan {
  return faultPlanFor(plan.module, plan.params, plan.scenario?.steps(plan.params as never) ?? [], args.faults, seed, args.horizon, args.beyondFaults);
}

/** Numeric options must be whole numbers in range: a usage error otherwise. */
export function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} ${String(value)}: expected a whole number >= ${min}`);
}

function describeFaults(faults: FaultPlan): string {
  const parts = [
    ...faults.byzantine.map((b) => `p${b.process} Byzantine (${b.strategy}${b.types === undefined ? '' : `(${b.types.join('+')})`})`),
    ...faults.crashes.map((c) => `p${c.process} crashes at t=${c.at}`),
    ...(faults.restarts ?? []).map((r) => `p${r.process} restarts at t=${r.at}`),
  ];
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function describeNetwork(n: NetworkConfig): string {
  const parts = [`delay ${n.minDelay}..${n.maxDelay}`];
  parts.push(n.loss > 0 ? `loss ${n.loss}` : 'no loss');
  if (n.duplicate > 0) parts.push(`duplication ${n.duplicate}`);
  if (n.gst > 0) parts.push(`stable from t=${n.gst}`);
  for (const p of n.partitions) parts.push(`partition ${p.groups.map((g) => g.join('+')).join('|')} during t=${p.from}..${p.to}`);
  return parts.join(', ');
}

/** The report of a trace: its steps in plain words and its verdict. Same for simulate and replay. */
export function renderTraceReport(module: ProtocolModule<any, any>, trace: Trace): string {
  const h = trace.header;
  const world = new World(module, h.params, { byzantine: h.byzantine });
  const lines: string[] = [];
  const n = world.processes.length;
  const violation = trace.footer.violation;
  trace.steps.forEach((step, i) => {
    if (!world.isPossible(step.event)) {
      lines.push(`  ${String(i).padStart(4)}  (not possible here: skipped) ${describeStep(step.t, step.event, undefined, n)}`);
      return;
    }
    const outcome = world.apply(step.event, step.choices);
    lines.push(`  ${String(i).padStart(4)}  ${describeStep(step.t, step.event, outcome, n)}`);
  });
  const out: string[] = [];
  if (violation === undefined) {
    out.push(`verdict: ok — every property held (${trace.steps.length} steps)`);
  } else {
    out.push(`verdict: VIOLATION of '${violation.property}' (${violation.kind}) at step ${violation.step}, t=${violation.time}`);
    out.push(`  ${violation.message}`);
  }
  out.push(`steps (${trace.steps.length}):`, ...lines);
  if (violation !== undefined) {
    out.push('state of the correct processes at the end:');
    const view = world.view();
    for (const p of world.correct) {
      const state = view.state(p) as Record<string, Data>;
      const own = module.stateVariables[module.roleOf(h.params as never, p) ?? ''] ?? Object.keys(state);
      out.push(`  p${p}: ${own.map((k) => `${k}=${showValue(state[k])}`).join(' ')}`);
    }
    for (const p of world.processes) {
      const inds = world.indicationsOf(p);
      if (inds.length > 0) out.push(`  p${p} indicated: ${inds.map(showMessage).join(', ')}`);
    }
  }
  return out.join('\n');
}

function header(plan: Plan, seed: number, faults: FaultPlan, args: SimulateArgs, origin: TraceHeader['origin'], checkLiveness: boolean): TraceHeader {
  return {
    format: TRACE_FORMAT, version: TRACE_VERSION, spec: plan.specFile, protocol: plan.module.name, sourceHash: plan.module.sourceHash,
    params: plan.params, seed, byzantine: faults.byzantine.map((b) => b.process), origin, checkLiveness,
    config: { network: plan.network, faults, workload: plan.workload, horizon: args.horizon, maxEvents: args.steps, values: args.values },
  };
}

function reproduce(plan: Plan, args: SimulateArgs, seed: number): string {
  const words = ['rio simulate', plan.specFile, `--seed ${hex(seed)}`];
  for (const p of args.params) words.push(`--param ${p}`);
  if (args.scenario !== undefined) words.push(`--scenario ${args.scenario}`);
  for (const r of args.requests) words.push(`--request '${r}'`);
  if (args.faults !== undefined) words.push(`--faults '${args.faults}'`);
  if (args.network !== undefined) words.push(`--network '${args.network}'`);
  if (args.beyondFaults) words.push('--beyond-faults');
  if (args.steps !== 100_000) words.push(`--steps ${args.steps}`);
  if (args.horizon !== 10_000) words.push(`--horizon ${args.horizon}`);
  if (args.values !== 2) words.push(`--values ${args.values}`);
  return words.join(' ');
}

/** Runs `rio simulate`; returns the exit code. */
export async function runSimulate(args: SimulateArgs, io: Io): Promise<number> {
  if (args.seed !== undefined && args.seeds !== undefined) throw new UsageError('give either --seed or --seeds, not both');
  checkCount('steps', args.steps, 1);
  checkCount('horizon', args.horizon, 1);
  checkCount('values', args.values, 1);
  const loaded = await loadForRun(args, io);
  if (typeof loaded === 'number') return loaded;
  let plan: Plan;
  try {
    plan = makePlan(loaded.module, loaded.specFile, args);
  } catch (error) {
    if (error instanceof PlanError) throw new UsageError(error.message);
    throw error;
  }
  const [first, last] = args.seeds !== undefined ? parseSeedRange(args.seeds) : [parseSeed(args.seed ?? '1'), parseSeed(args.seed ?? '1')];
  const many = last > first;
  if (!args.json) {
    io.out(`rio simulate ${plan.specFile} (${plan.module.name})`);
    io.out(`  parameters: ${Object.entries(plan.params).map(([k, v]) => `${k}=${showValue(v)}`).join(' ')}`);
    io.out(`  workload (${plan.workloadSource}): ${plan.workload.map((w) => `t=${w.at} p${w.process} ${showMessage(w.request)}`).join(', ') || 'none'}`);
    io.out(`  network: ${describeNetwork(plan.network)}`);
    const fixedFaults = args.faults !== undefined || (plan.scenario?.steps(plan.params as never).some((s) => s.kind === 'crash') ?? false);
    io.out(`  faults: ${fixedFaults ? describeFaults(faultsFor(plan, args, first)) : "the spec's fault model, placed by each seed"}`);
  }
  const progress = terminalProgress(many && !args.json && process.stderr.isTTY === true);
  const started = performance.now();
  let events = 0;
  let delivered = 0;
  /** Over all seeds: messages dropped by validity predicates, per sender; what the protocol-following adversaries did. */
  const invalid = new Map<number, number>();
  let corrupted = 0;
  let forged = 0;
  const violations: { seed: number; result: SimResult; faults: FaultPlan }[] = [];
  let ran = 0;
  let faultFailure: string | undefined;
  for (let seed = first; seed <= last; seed++) {
    let faults: FaultPlan;
    try {
      faults = faultsFor(plan, args, seed);
    } catch (error) {
      if (error instanceof PlanError) {
        faultFailure = error.message;
        break;
      }
      throw error;
    }
    const result = simulate(configFor(plan, args, seed, faults, true));
    ran++;
    events += result.steps;
    delivered += result.delivered;
    for (const x of result.invalid) invalid.set(x.sender, (invalid.get(x.sender) ?? 0) + x.messages);
    for (const a of result.adversaries) {
      corrupted += a.corrupted;
      forged += a.forged;
    }
    if (!many && !args.json) io.out(`  faults (seed ${hex(seed)}): ${describeFaults(faults)}`);
    if (result.verdict === 'violation') {
      violations.push({ seed, result, faults });
      if (!args.all) break;
    }
    const seconds = (performance.now() - started) / 1000;
    progress.update(`seeds ${seed - first + 1}/${last - first + 1}  violations ${violations.length}  events ${events}  ${Math.round(events / Math.max(seconds, 1e-3))} events/s`);
  }
  progress.done();
  if (faultFailure !== undefined) throw new UsageError(faultFailure);
  const seconds = (performance.now() - started) / 1000;

  let tracePath: string | undefined;
  let shrunkReport: string | undefined;
  let shrunkSteps: number | undefined;
  const firstViolation = violations[0];
  if (firstViolation !== undefined) {
    const { seed, result, faults } = firstViolation;
    const violation = result.violation!;
    let steps: readonly TraceStep[] = result.trace.slice(0, violation.kind === 'eventually' ? undefined : violation.step + 1);
    let finalViolation: Violation = violation;
    let origin: TraceHeader['origin'] = 'simulate';
    // A liveness violation is a property of a whole, finished run: removing steps would
    // only make it vacuously worse, so those runs are reported as they are.
    if (args.shrink && violation.kind !== 'eventually') {
      const shrunk = shrink(plan.module, plan.params, faults.byzantine.map((b) => b.process), steps, violation);
      steps = shrunk.steps;
      finalViolation = shrunk.violation;
      origin = 'shrunk';
    }
    shrunkSteps = steps.length;
    // The report and the trace's verdict come from replaying the trace, exactly as
    // `rio replay` will, so that both print the same bytes.
    const byzantine = faults.byzantine.map((b) => b.process);
    const replayed = replaySteps(plan.module, plan.params, byzantine, steps, { checkLiveness: violation.kind === 'eventually' });
    finalViolation = replayed.violation ?? finalViolation;
    const trace: Trace = { header: header(plan, seed, faults, args, origin, violation.kind === 'eventually'), steps, footer: { verdict: 'violation', violation: finalViolation } };
    if (args.trace !== undefined) {
      writeFileSync(args.trace, writeTrace(trace));
      tracePath = args.trace;
    }
    shrunkReport = renderTraceReport(plan.module, trace);
    if (!args.json) {
      io.out('');
      io.out(`seed ${hex(seed)}: VIOLATION of '${violation.property}' (${violation.kind}) at step ${violation.step}, t=${violation.time}, under faults: ${describeFaults(faults)}`);
      io.out(origin === 'shrunk' ? `counterexample, shrunk from ${violation.kind === 'eventually' ? result.trace.length : violation.step + 1} to ${steps.length} steps:` : 'counterexample:');
      io.out(shrunkReport);
      if (tracePath !== undefined) io.out(`trace written to ${tracePath} (replay it with: rio replay ${tracePath})`);
      io.out(`reproduce: ${reproduce(plan, args, seed)}`);
    }
  } else if (args.trace !== undefined) {
    const seed = last;
    const faults = faultsFor(plan, args, seed);
    const result = simulate(configFor(plan, args, seed, faults, true));
    const trace: Trace = { header: header(plan, seed, faults, args, 'simulate', result.livenessChecked), steps: result.trace, footer: { verdict: 'ok' } };
    writeFileSync(args.trace, writeTrace(trace));
    tracePath = args.trace;
  }
  const properties = plan.module.properties.map((p) => `${p.name} (${p.kind})`).join(', ') || 'none declared';
  if (args.json) {
    io.out(JSON.stringify({
      verdict: violations.length === 0 ? 'ok' : 'violation',
      spec: plan.specFile, protocol: plan.module.name, params: plan.params,
      seeds: { first, last, ran }, events, delivered, eventsPerSecond: Math.round(events / Math.max(seconds, 1e-9)),
      invalidMessages: Object.fromEntries([...invalid].sort((a, b) => a[0] - b[0]).map(([p, count]) => [`p${p}`, count])),
      adversary: { corrupted, forged },
      violations: violations.map((v) => ({ seed: v.seed, property: v.result.violation!.property, kind: v.result.violation!.kind, step: v.result.violation!.step, time: v.result.violation!.time })),
      ...(firstViolation === undefined ? {} : { property: firstViolation.result.violation!.property, seed: firstViolation.seed, steps: firstViolation.result.violation!.step + 1, shrunkSteps }),
      ...(tracePath === undefined ? {} : { trace: tracePath }),
    }, null, 2));
  } else {
    io.out('');
    if (violations.length === 0) {
      io.out(`ok: ${ran} seed${ran === 1 ? '' : 's'} (${hex(first)}${many ? `..${hex(last)}` : ''}), every property held: ${properties}`);
    } else {
      io.out(`${violations.length} violation${violations.length === 1 ? '' : 's'} in ${ran} seed${ran === 1 ? '' : 's'}${args.all ? '' : ' (stopped at the first; --all runs every seed)'}: ${violations.map((v) => `${hex(v.seed)} ${v.result.violation!.property}`).join(', ')}`);
    }
    io.out(`summary: ${ran} seeds, ${events} events, ${delivered} messages delivered, ${Math.round(events / Math.max(seconds, 1e-9))} events/s`);
    if (invalid.size > 0) {
      io.out(`invalid messages dropped (their validity predicates failed; protocol violations of their senders): ${[...invalid].sort((a, b) => a[0] - b[0]).map(([p, count]) => `p${p} ${count}`).join(', ')}`);
    }
    if (corrupted > 0 || forged > 0) io.out(`Byzantine messages corrupted: ${corrupted}, signatures forged: ${forged}`);
    if (tracePath !== undefined && firstViolation === undefined) io.out(`trace written to ${tracePath}`);
  }
  return violations.length === 0 ? 0 : 1;
}

/** Runs `rio replay FILE`; returns the exit code (0 ok, 1 violation, 2 unreadable or stale). */
export async function runReplay(args: { file: string; json: boolean }, io: Io): Promise<number> {
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read '${args.file}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let trace: Trace;
  try {
    trace = readTrace(text);
  } catch (error) {
    if (error instanceof TraceError) throw new UsageError(`${args.file}: ${error.message}`);
    throw error;
  }
  const loaded = await loadForRun({ spec: trace.header.spec, protocol: trace.header.protocol }, io);
  if (typeof loaded === 'number') return loaded;
  if (loaded.module.sourceHash !== trace.header.sourceHash) {
    throw new UsageError(`${args.file} was recorded from another version of ${trace.header.spec} (spec hash ${trace.header.sourceHash}, now ${loaded.module.sourceHash}); re-run the simulation to get a trace of this version`);
  }
  try {
    parseParams(loaded.module, [], trace.header.params);
  } catch (error) {
    if (error instanceof PlanError) throw new UsageError(`${args.file}: the trace's parameters do not fit ${loaded.module.name}: ${error.message}`);
    throw error;
  }
  const n = loaded.module.processCount(trace.header.params as never);
  const outside = trace.header.byzantine.find((p) => p >= n);
  if (outside !== undefined) throw new UsageError(`${args.file}: Byzantine process ${outside} does not exist (processes are 0..${n - 1})`);
  trace.steps.forEach((step, i) => {
    const e = step.event;
    const named = 'process' in e ? [e.process] : [e.from, e.to];
    const bad = named.find((p) => p >= n);
    if (bad !== undefined) throw new UsageError(`${args.file}: line ${i + 2}: process ${bad} does not exist in this run (processes are 0..${n - 1})`);
  });
  const replayed = replaySteps(loaded.module, trace.header.params, trace.header.byzantine, trace.steps, { checkLiveness: trace.header.checkLiveness });
  const verdict = replayed.violation === undefined ? 'ok' : 'violation';
  const same = verdict === trace.footer.verdict && replayed.violation?.property === trace.footer.violation?.property;
  const report = renderTraceReport(loaded.module, { ...trace, footer: replayed.violation === undefined ? { verdict: 'ok' } : { verdict: 'violation', violation: replayed.violation } });
  if (args.json) {
    io.out(JSON.stringify({ verdict, recorded: trace.footer.verdict, same, property: replayed.violation?.property ?? null, steps: trace.steps.length }, null, 2));
  } else {
    io.out(report);
    if (!same) io.out(`warning: the recorded verdict was '${trace.footer.verdict}${trace.footer.violation ? ` (${trace.footer.violation.property})` : ''}', the replay gives '${verdict}'`);
  }
  return verdict === 'ok' ? 0 : 1;
}
