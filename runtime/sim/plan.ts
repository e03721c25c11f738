/**
 * Turning command-line words and spec declarations into a run configuration: parameters,
 * the workload (`broadcast(7) at 0 on 2`), the network (`delay=1..10,loss=0.1,gst=500`),
 * the fault plan (`byzantine=3:equivocate,crash=1@20`), and the seeded defaults for what
 * the user leaves out. Bad words give a `PlanError` with a message for the user.
 */
import type { ProtocolModule, Tagged, TypeDesc } from '../replica/contract.js';
import { Rng } from '../replica/rng.js';
import type { Data, Process } from '../replica/values.js';
import { shadowStrategies } from './adversary.js';
import { allByzantineStrategies, byzantineStrategies, defaultNetwork, type ByzantineStrategy, type FaultPlan, type NetworkConfig, type WorkloadStep } from './config.js';

/** A run configuration the user got wrong (a usage error, exit 2). */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

function checkValue(t: TypeDesc, v: Data, what: string): Data {
  const bad = (): never => {
    throw new PlanError(`${what}: ${JSON.stringify(v)} is not a ${t.kind}`);
  };
  switch (t.kind) {
    case 'nat': case 'process': case 'value':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : bad();
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) ? v : bad();
    case 'bool':
      return typeof v === 'boolean' ? v : bad();
    case 'enum':
      return typeof v === 'string' && t.members.includes(v) ? v : bad();
    case 'option':
      return v === null ? v : checkValue(t.of, v, what);
    default:
      return v;
  }
}

/** Parses one literal: a number, true/false, none, a "string", or a bare word (an enum member). */
export function parseLiteral(text: string): Data {
  const s = text.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  if (s === 'none') return null;
  if (/^"([^"\\]|\\.)*"$/.test(s)) return JSON.parse(s) as string;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return s;
  throw new PlanError(`'${s}' is not a value (write a number, true, false, none, a "string" or an enum member)`);
}

/** `--param n=4 --param f=1` over the scenario's values; every parameter must end up set. */
export function parseParams(module: ProtocolModule<any, any>, words: readonly string[], base: Record<string, Data> = {}): Record<string, Data> {
  const params: Record<string, Data> = { ...base };
  for (const word of words) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(word);
    if (m === null) throw new PlanError(`--param '${word}' must look like name=value`);
    const desc = module.parameters.find((p) => p.name === m[1]);
    if (desc === undefined) throw new PlanError(`'${m[1]}' is not a parameter of ${module.name} (its parameters: ${module.parameters.map((p) => p.name).join(', ')})`);
    params[m[1]!] = checkValue(desc.type, parseLiteral(m[2]!), `parameter '${m[1]}'`);
  }
  const missing = module.parameters.filter((p) => !(p.name in params)).map((p) => p.name);
  if (missing.length > 0) throw new PlanError(`missing parameter${missing.length === 1 ? '' : 's'} ${missing.map((m) => `'${m}'`).join(', ')}: give --param ${missing.map((m) => `${m}=...`).join(' --param ')}`);
  const n = module.processCount(params as never);
  if (!Number.isInteger(n) || n < 1) throw new PlanError(`these parameters give ${String(n)} processes; a run needs at least one`);
  for (const p of module.parameters) {
    if (p.type.kind === 'process' && (params[p.name] as number) >= n) throw new PlanError(`parameter '${p.name}' = ${String(params[p.name])} is not a process (processes are 0..${n - 1})`);
  }
  const violated = module.violatedAssumptions(params as never);
  if (violated.length > 0) throw new PlanError(`the parameters break the spec's assumption${violated.length === 1 ? '' : 's'}: ${violated.map((v) => `'assume ${v}'`).join(', ')}`);
  return params;
}

function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') depth--;
    current += ch;
  }
  if (current.trim() !== '') out.push(current);
  return out;
}

/** `broadcast(7) at 0` or `broadcast(7) at 5 on 2`: a request, when, and which process. */
export function parseRequest(module: ProtocolModule<any, any>, params: Record<string, Data>, text: string): WorkloadStep {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*(?:at\s+(\d+))?\s*(?:on\s+(?:p)?(\d+))?\s*$/.exec(text);
  if (m === null) throw new PlanError(`--request '${text}' must look like 'name(args) at TIME [on PROCESS]'`);
  const desc = module.requests.find((r) => r.name === m[1]);
  if (desc === undefined) throw new PlanError(`'${m[1]}' is not a request of ${module.name} (its requests: ${module.requests.map((r) => r.name).join(', ') || 'none'})`);
  const args = m[2] === undefined ? [] : splitArgs(m[2]).map(parseLiteral);
  if (args.length !== desc.fields.length) throw new PlanError(`request '${desc.name}' takes ${desc.fields.length} argument${desc.fields.length === 1 ? '' : 's'}, not ${args.length}`);
  const request: Record<string, Data> = { type: desc.name };
  desc.fields.forEach((f, i) => (request[f.name] = checkValue(f.type, args[i]!, `argument '${f.name}' of '${desc.name}'`)));
  const allowed = desc.at?.(params as never);
  const process = m[4] !== undefined ? Number(m[4]) : allowed?.[0] ?? 0;
  const n = module.processCount(params as never);
  if (process >= n) throw new PlanError(`process ${process} does not exist (processes are 0..${n - 1})`);
  if (allowed !== undefined && !allowed.includes(process)) throw new PlanError(`request '${desc.name}' is taken only at process${allowed.length === 1 ? '' : 'es'} ${allowed.join(', ')}, not ${process}`);
  return { at: m[3] === undefined ? 0 : Number(m[3]), process, request: request as Tagged };
}

/** `delay=1..10,loss=0.1,dup=0.05,gst=500,partition=0+1|2+3@10..50`. */
export function parseNetwork(text: string | undefined): NetworkConfig {
  if (text === undefined || text.trim() === '') return defaultNetwork;
  let network: NetworkConfig = defaultNetwork;
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [key, value] = part.split('=', 2) as [string, string | undefined];
    const number = (v: string | undefined, lo: number, hi: number) => {
      const x = Number(v);
      if (v === undefined || !Number.isFinite(x) || x < lo || x > hi) throw new PlanError(`--network ${key}=${v ?? ''}: expected a number in [${lo}, ${hi}]`);
      return x;
    };
    switch (key) {
      case 'delay': {
        const m = /^(\d+)\.\.(\d+)$/.exec(value ?? '');
        if (m === null || Number(m[1]) > Number(m[2]) || Number(m[1]) < 0) throw new PlanError(`--network delay=${value ?? ''}: expected MIN..MAX, e.g. delay=1..10`);
        network = { ...network, minDelay: Number(m[1]), maxDelay: Number(m[2]) };
        break;
      }
      case 'loss': network = { ...network, loss: number(value, 0, 1) }; break;
      case 'dup': network = { ...network, duplicate: number(value, 0, 1) }; break;
      case 'gst': network = { ...network, gst: number(value, 0, 1e9) }; break;
      case 'partition': {
        const m = /^([\d+|]+)@(\d+)\.\.(\d+)$/.exec(value ?? '');
        if (m === null) throw new PlanError(`--network partition=${value ?? ''}: expected GROUPS@FROM..TO, e.g. partition=0+1|2+3@10..50`);
        const groups = m[1]!.split('|').map((g) => g.split('+').map(Number));
        network = { ...network, partitions: [...network.partitions, { from: Number(m[2]), to: Number(m[3]), groups }] };
        break;
      }
      default:
        throw new PlanError(`--network: unknown setting '${key}' (known: delay, loss, dup, gst, partition)`);
    }
  }
  return network;
}

/** The spec's fault bounds for these parameters. */
export function faultBounds(module: ProtocolModule<any, any>, params: Record<string, Data>): { crash: number; byzantine: number } {
  return { crash: module.faults.crash(params as never), byzantine: module.faults.byzantine(params as never) };
}

/**
 * `byzantine=3:equivocate,crash=1@20,restart=1@60`, `none`, or (undefined) the spec's own
 * fault model with seeded choices of processes, strategies and crash times. In the spec's
 * own model a crashed process whose role has `durable` state restarts later with
 * probability 1/2 (crash–recovery is what durable state is for); without durable state a
 * crash is final.
 */
export function parseFaults(module: ProtocolModule<any, any>, params: Record<string, Data>, text: string | undefined, seed: number, horizon: number, allowBeyondSpec: boolean): FaultPlan {
  const n = module.processCount(params as never);
  const bounds = faultBounds(module, params);
  if (text === 'none') return { crashes: [], byzantine: [], restarts: [] };
  if (text === undefined || text.trim() === '') {
    // The spec's own fault model: the most faults it must survive, placed by the seed.
    const rng = new Rng(BigInt(seed) ^ 0x5eedfa17n);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const byzantine = order.slice(0, bounds.byzantine).map((process) => ({ process, strategy: rng.pick(byzantineStrategies) }));
    const crashes = order.slice(bounds.byzantine, bounds.byzantine + bounds.crash).map((process) => ({ process, at: rng.below(Math.max(1, Math.floor(horizon / 4))) }));
    const restarts = crashes.flatMap((c) => {
      const durable = module.durableVariables[module.roleOf(params as never, c.process) ?? ''] ?? [];
      return durable.length > 0 && rng.chance(0.5) ? [{ process: c.process, at: c.at + 1 + rng.below(Math.max(1, Math.floor(horizon / 4))) }] : [];
    });
    return { crashes, byzantine, restarts };
  }
  const crashes: { process: Process; at: number }[] = [];
  const restarts: { process: Process; at: number }[] = [];
  const byzantine: { process: Process; strategy: ByzantineStrategy; types?: readonly string[] }[] = [];
  for (const part of splitArgs(text).map((p) => p.trim()).filter((p) => p !== '')) {
    let m = /^byzantine=(\d+)(?::([\w-]+)(?:\(([^)]*)\))?)?$/.exec(part);
    if (m !== null) {
      const strategy = (m[2] ?? 'equivocate') as ByzantineStrategy;
      if (!allByzantineStrategies.includes(strategy)) throw new PlanError(`--faults: unknown Byzantine strategy '${m[2]}' (known: ${allByzantineStrategies.join(', ')})`);
      if (m[3] === undefined) {
        byzantine.push({ process: Number(m[1]), strategy });
        continue;
      }
      if (!(shadowStrategies as readonly string[]).includes(strategy)) throw new PlanError(`--faults: strategy '${strategy}' takes no message types (only ${shadowStrategies.join(', ')} do)`);
      const types = m[3].split(/[\s,+|]+/).filter((t) => t !== '');
      const known = module.messages.map((d) => d.name);
      for (const t of types) if (!known.includes(t)) throw new PlanError(`--faults: '${t}' is not a message of ${module.name} (its messages: ${known.join(', ')})`);
      if (types.length === 0) throw new PlanError(`--faults '${part}': name at least one message type in the parentheses, or leave them out`);
      byzantine.push({ process: Number(m[1]), strategy, types });
      continue;
    }
    m = /^(crash|restart)=(\d+)@(\d+)$/.exec(part);
    if (m !== null) {
      (m[1] === 'crash' ? crashes : restarts).push({ process: Number(m[2]), at: Number(m[3]) });
      continue;
    }
    throw new PlanError(`--faults '${part}': expected byzantine=P[:strategy[(TYPE+TYPE)]], crash=P@TIME, restart=P@TIME or none`);
  }
  for (const p of [...crashes, ...restarts, ...byzantine].map((f) => f.process)) {
    if (p >= n) throw new PlanError(`--faults: process ${p} does not exist (processes are 0..${n - 1})`);
  }
  byzantine.forEach((b, i) => {
    if (byzantine.findIndex((c) => c.process === b.process) !== i) throw new PlanError(`--faults: process ${b.process} is named Byzantine twice`);
    if (crashes.some((c) => c.process === b.process)) throw new PlanError(`--faults: process ${b.process} is named twice; a Byzantine process runs no replica that could crash`);
  });
  checkCrashCycles(crashes, restarts);
  const crashedProcesses = new Set(crashes.map((c) => c.process)).size;
  if (!allowBeyondSpec) {
    if (byzantine.length > bounds.byzantine) throw new PlanError(`--faults: ${byzantine.length} Byzantine processes, but the spec tolerates ${bounds.byzantine} ('faults byzantine'); add --beyond-faults to run it anyway`);
    if (crashedProcesses + byzantine.length > bounds.crash + bounds.byzantine) throw new PlanError(`--faults: ${crashedProcesses + byzantine.length} faulty processes, but the spec tolerates ${bounds.crash + bounds.byzantine}; add --beyond-faults to run it anyway`);
  }
  return { crashes, byzantine, restarts };
}

/** Each process's crashes and restarts must alternate in time, starting with a crash. */
function checkCrashCycles(crashes: readonly { process: Process; at: number }[], restarts: readonly { process: Process; at: number }[]): void {
  const byProcess = new Map<Process, { kind: 'crash' | 'restart'; at: number }[]>();
  for (const c of crashes) byProcess.set(c.process, [...(byProcess.get(c.process) ?? []), { kind: 'crash', at: c.at }]);
  for (const r of restarts) byProcess.set(r.process, [...(byProcess.get(r.process) ?? []), { kind: 'restart', at: r.at }]);
  for (const [p, events] of byProcess) {
    events.sort((a, b) => a.at - b.at || (a.kind === 'crash' ? -1 : 1));
    events.forEach((e, i) => {
      const previous = events[i - 1];
      if (e.kind === 'restart' && (previous === undefined || previous.kind === 'restart')) throw new PlanError(`--faults: restart=${p}@${e.at}, but p${p} is not crashed then (give crash=${p}@T with T < ${e.at})`);
      if (e.kind === 'restart' && previous!.at === e.at) throw new PlanError(`--faults: p${p} crashes and restarts at the same time ${e.at}; restart it later`);
      if (e.kind === 'crash' && previous?.kind === 'crash') throw new PlanError(`--faults: p${p} crashes at t=${previous.at} and again at t=${e.at} without a restart in between`);
    });
  }
}

/** A scenario's timed steps, as the generated module gives them. */
type ScenarioSteps = ReturnType<ProtocolModule<any, any>['scenarios'][number]['steps']>;

/**
 * The faults of one run: `text` (--faults) if given; else a scenario's own crashes and
 * restarts if it has any (the scenario is then the whole fault plan); else the spec's
 * fault model placed by the seed.
 */
export function faultPlanFor(
  module: ProtocolModule<any, any>, params: Record<string, Data>, scenarioSteps: ScenarioSteps, text: string | undefined,
  seed: number, horizon: number, allowBeyondSpec: boolean,
): FaultPlan {
  const planned = (kind: 'crash' | 'restart') => scenarioSteps.flatMap((s) => (s.kind === kind ? [{ process: s.process, at: s.at }] : []));
  if (text === undefined && planned('crash').length > 0) return { crashes: planned('crash'), byzantine: [], restarts: planned('restart') };
  return parseFaults(module, params, text, seed, horizon, allowBeyondSpec);
}

/** A workload for a spec that has requests but no scenario and no --request: one of each, at t=0. */
export function defaultWorkload(module: ProtocolModule<any, any>, params: Record<string, Data>): WorkloadStep[] {
  return module.requests.map((desc, i) => {
    const request: Record<string, Data> = { type: desc.name };
    for (const f of desc.fields) request[f.name] = f.type.kind === 'bool' ? true : f.type.kind === 'enum' ? f.type.members[0]! : i + 1;
    const allowed = desc.at?.(params as never);
    return { at: 0, process: allowed?.[0] ?? 0, request: request as Tagged };
  });
}

/** Checks that the network's partitions name existing processes only. */
export function checkNetwork(network: NetworkConfig, processCount: number): void {
  for (const part of network.partitions) {
    for (const p of part.groups.flat()) {
      if (!Number.isInteger(p) || p < 0 || p >= processCount) throw new PlanError(`--network partition: process ${p} does not exist (processes are 0..${processCount - 1})`);
    }
    if (part.from > part.to) throw new PlanError(`--network partition: it ends (t=${part.to}) before it starts (t=${part.from})`);
  }
}
