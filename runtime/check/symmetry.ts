/**
 * Symmetry reduction for the model checker: processes that the spec treats alike are
 * interchangeable, so two global states that differ only by a renaming of such processes
 * have the same future up to that renaming, and the search needs to visit one of them.
 *
 * Which processes are interchangeable: those of the same role (or all processes, for a
 * protocol without roles), except the ones some run configuration singles out — the values
 * of `Process` parameters (`sender`), Byzantine processes, and processes the workload sends
 * requests to — and except the roles whose processes the spec orders by id (`q < p`, `min`,
 * `max ... by` a process: `ProtocolModule.orderedProcesses`). That static test cannot see
 * every way a spec may tell processes apart (a process computed from a number, `v % n`), so
 * the checker also tests the symmetry on the first states it reaches (explore.ts) and does
 * without it when a renaming changes what can happen next.
 *
 * A state's canonical identity is the least encoding among all its renamings.
 */
import type { EventDesc, ProtocolModule, Tagged, TypeDesc, Wire } from '../replica/contract.js';
import type { ReceivedCopies, ReplicaState } from '../replica/engine.js';
import { encode, encodeOnce, mapOf, setOf, type Data, type Process, type RSet } from '../replica/values.js';
import { messageKey, timerKey, type WorldState } from '../world/world.js';

/** A renaming of processes: `rename[p]` is p's new id. */
export type Renaming = readonly Process[];

export interface SymmetryPlan {
  /** The classes of interchangeable processes (two or more each). */
  readonly classes: readonly (readonly Process[])[];
  /** Every renaming of the group but the identity. */
  readonly renamings: readonly Renaming[];
  /** Renamings that swap two neighbours of a class: they generate the group. */
  readonly generators: readonly Renaming[];
}

/** Why symmetry reduction does not apply, or the plan. */
export type SymmetryDecision = { readonly applied: true; readonly plan: SymmetryPlan } | { readonly applied: false; readonly reason: string };

/** At most this many renamings: beyond it, canonical encodings would cost more than they save. */
const MAX_GROUP = 720;

/** The interchangeable processes of a configuration, and the group of their renamings. */
export function planSymmetry(
  module: ProtocolModule<any, any>,
  params: Record<string, Data>,
  processes: RSet<Process>,
  fixed: readonly Process[],
): SymmetryDecision {
  if (module.modules.length > 0) return { applied: false, reason: 'not implemented for protocols that use sub-modules' };
  if (module.orderedProcesses.includes('*')) return { applied: false, reason: 'the spec orders processes by id' };
  const pinned = new Set<Process>(fixed);
  for (const p of module.parameters) if (p.type.kind === 'process') pinned.add(params[p.name] as Process);
  const byRole = new Map<string, Process[]>();
  for (const p of processes) {
    const role = module.roleOf(params as never, p) ?? '';
    if (pinned.has(p) || module.orderedProcesses.includes(role)) continue;
    byRole.set(role, [...(byRole.get(role) ?? []), p]);
  }
  const classes = [...byRole.values()].filter((c) => c.length >= 2);
  if (classes.length === 0) return { applied: false, reason: 'no two processes are interchangeable in this configuration' };
  const size = classes.reduce((n, c) => n * factorial(c.length), 1);
  if (size > MAX_GROUP) return { applied: false, reason: `the symmetry group has ${size} renamings (more than ${MAX_GROUP})` };
  const identity = processes.map((p) => p);
  let group: Process[][] = [[...identity]];
  for (const cls of classes) {
    const next: Process[][] = [];
    for (const base of group) {
      for (const order of permutations(cls)) {
        const r = [...base];
        cls.forEach((p, i) => (r[p] = order[i]!));
        next.push(r);
      }
    }
    group = next;
  }
  const renamings = group.filter((r) => r.some((q, p) => q !== p));
  const generators = classes.flatMap((cls) =>
    cls.slice(1).map((p, i) => {
      const r = [...identity];
      r[cls[i]!] = p;
      r[p] = cls[i]!;
      return r;
    }),
  );
  return { applied: true, plan: { classes, renamings, generators } };
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}

export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** A value with its process ids renamed, as its type says where they are. */
export function renameData(v: Data, t: TypeDesc, r: Renaming): Data {
  switch (t.kind) {
    case 'process':
      return r[v as number] ?? v;
    case 'option':
      return v === null ? null : renameData(v, t.of, r);
    case 'set':
      return setOf((v as Data[]).map((x) => renameData(x, t.of, r)));
    case 'seq':
      return (v as Data[]).map((x) => renameData(x, t.of, r));
    case 'map':
      return mapOf((v as (readonly [Data, Data])[]).map(([k, x]) => [renameData(k, t.key, r), renameData(x, t.value, r)] as const)) as Data;
    case 'tuple':
      return (v as Data[]).map((x, i) => renameData(x, t.elements[i]!, r));
    case 'record': {
      const o = v as Record<string, Data>;
      const out: Record<string, Data> = {};
      for (const f of t.fields) out[f.name] = renameData(o[f.name]!, f.type, r);
      return out;
    }
    default:
      return v;
  }
}

/** Renames processes in a message, request, indication or timer's arguments. */
function renameTagged(m: Tagged, descs: readonly EventDesc[], r: Renaming): Tagged {
  const desc = descs.find((d) => d.name === m.type);
  if (desc === undefined) return m;
  const out: Record<string, Data> = { type: m.type };
  for (const f of desc.fields) out[f.name] = renameData(m[f.name]!, f.type, r);
  return out as Tagged;
}

/** Renames processes throughout a world state. */
export class Renamer {
  private readonly bindingTypes = new Map<string, { types: Readonly<Record<string, TypeDesc>>; single: boolean }>();

  constructor(private readonly module: ProtocolModule<any, any>) {
    for (const rule of module.rules) {
      if (rule.event === 'receive') this.bindingTypes.set(rule.name, { types: rule.bindingTypes ?? {}, single: rule.quorum.kind === 'single' });
    }
  }

  /** Renamed messages by message and renaming: messages in flight are shared between states. */
  private readonly renamedMessages = new WeakMap<Wire, Map<Renaming, Wire>>();

  message(m: Wire, r: Renaming): Wire {
    let byRenaming = this.renamedMessages.get(m);
    if (byRenaming === undefined) this.renamedMessages.set(m, (byRenaming = new Map()));
    let renamed = byRenaming.get(r);
    if (renamed === undefined) byRenaming.set(r, (renamed = renameTagged(m as Tagged, this.module.messages, r)));
    return renamed;
  }

  /** `cacheMessages` false: renamed messages are not kept (for one-off renamings). */
  replica(s: ReplicaState, r: Renaming, cacheMessages = true): ReplicaState {
    const vars: Record<string, Data> = {};
    for (const [name, v] of Object.entries(s.vars)) vars[name] = renameData(v, this.module.stateTypes[name] ?? { kind: 'nat' }, r);
    const received = new Map<string, Map<string, ReceivedCopies>>();
    for (const [type, byEncoding] of s.received) {
      const out = new Map<string, ReceivedCopies>();
      for (const copies of byEncoding.values()) {
        const message = (cacheMessages ? this.message(copies.message, r) : renameTagged(copies.message, this.module.messages, r)) as Tagged;
        // A renaming is a bijection: distinct messages stay distinct.
        out.set(encode(message), { message, senders: copies.senders.map((p) => r[p]!).sort((a, b) => a - b) });
      }
      received.set(type, out);
    }
    const fired: Record<string, readonly string[]> = {};
    for (const [rule, keys] of Object.entries(s.fired)) fired[rule] = keys.map((k) => this.firedKey(rule, k, r)).sort();
    return { vars, received, fired, armed: s.armed, children: s.children };
  }

  /** A fired key is the binding's encoding, and `|sender` for single-message rules. */
  private firedKey(rule: string, key: string, r: Renaming): string {
    const info = this.bindingTypes.get(rule);
    if (info === undefined) return key;
    const bar = info.single ? key.lastIndexOf('|') : -1;
    const json = bar < 0 ? key : key.slice(0, bar);
    const binding = JSON.parse(json) as Record<string, Data>;
    const out: Record<string, Data> = {};
    for (const [k, v] of Object.entries(binding)) out[k] = info.types[k] === undefined ? v : renameData(v, info.types[k]!, r);
    return encodeOnce(out) + (bar < 0 ? '' : `|${r[Number(key.slice(bar + 1))]}`);
  }

  world(w: WorldState, r: Renaming): WorldState {
    const replicas: (ReplicaState | null)[] = new Array(w.replicas.length).fill(null);
    w.replicas.forEach((s, p) => (replicas[r[p]!] = s === null ? null : this.replica(s, r)));
    return { ...this.network(w, r), replicas };
  }

  /** An indication with its process ids renamed. */
  indication(i: Tagged, r: Renaming): Tagged {
    return renameTagged(i, this.module.indications, r);
  }

  /** The key of a running timer of process p, renamed. */
  timerKey(p: Process, timer: string, args: readonly Data[], r: Renaming): string {
    const desc = this.module.timers.find((t) => t.name === timer);
    return timerKey(r[p]!, timer, desc === undefined ? args : args.map((a, i) => renameData(a, desc.fields[i]!.type, r)));
  }

  /** Everything but the replicas: messages in flight, timers, faults, indications. */
  network(w: WorldState, r: Renaming): Omit<WorldState, 'replicas'> {
    const inFlight: Record<string, readonly [Process, Process, Wire, number]> = {};
    for (const [from, to, message, copies] of Object.values(w.inFlight)) {
      const m = this.message(message, r);
      inFlight[messageKey(r[from]!, r[to]!, m)] = [r[from]!, r[to]!, m, copies];
    }
    const timers: Record<string, readonly [Process, string, readonly Data[]]> = {};
    for (const [p, timer, args] of Object.values(w.timers)) {
      const desc = this.module.timers.find((t) => t.name === timer);
      const renamed = desc === undefined ? args : args.map((a, i) => renameData(a, desc.fields[i]!.type, r));
      timers[timerKey(r[p]!, timer, renamed)] = [r[p]!, timer, renamed];
    }
    const indications: Tagged[][] = w.indications.map(() => []);
    w.indications.forEach((list, p) => (indications[r[p]!] = list.map((i) => this.indication(i, r))));
    const sorted = (ps: RSet<Process>) => ps.map((p) => r[p]!).sort((a, b) => a - b);
    return { inFlight, timers, crashed: sorted(w.crashed), started: sorted(w.started), indications };
  }
}
