/**
 * A world: every process of one protocol instance, the messages in flight, the running
 * timers, the crashed and Byzantine processes, and what each process has indicated. It is
 * the state the simulator advances in time, the model checker explores, and a trace
 * replays. An event is applied only when it is possible in the current world (a message
 * is delivered only if it is in flight, a timer fires only if it runs), so a replayed or
 * shrunk trace is always a real execution.
 *
 * ```ts
 * const world = new World(BrachaBroadcast, { n: 4, f: 1, sender: 0 }, { byzantine: [3] });
 * world.apply({ kind: 'request', process: 0, request: { type: 'broadcast', m: 7 } });
 * for (const event of world.deliverable()) world.apply(event);
 * world.violatedSafety();   // undefined: agreement holds
 * ```
 */
import type { Chooser, Effect, GlobalView, ProtocolModule, Tagged, Wire } from '../replica/contract.js';
import { symbolicCrypto, type Crypto } from '../replica/crypto.js';
import { layoutProcesses, leavesOut, Replica, SpecError, type Firing, type Ignored, type ReceivedCopies, type Rejected, type ReplicaState } from '../replica/index.js';

export type { Ignored } from '../replica/index.js';
import { encode, type Data, type Process, type RSet } from '../replica/values.js';

/** Something that can happen to a world. */
export type WorldEvent =
  | { readonly kind: 'start'; readonly process: Process }
  | { readonly kind: 'request'; readonly process: Process; readonly request: Tagged }
  | { readonly kind: 'deliver'; readonly from: Process; readonly to: Process; readonly message: Wire }
  | { readonly kind: 'timeout'; readonly process: Process; readonly timer: string; readonly args: readonly Data[] }
  | { readonly kind: 'crash'; readonly process: Process }
  /** A crashed process comes back with its `durable` variables, everything else initial, and runs its start rules. */
  | { readonly kind: 'restart'; readonly process: Process }
  /** A Byzantine process puts any well-typed message on the network. */
  | { readonly kind: 'inject'; readonly from: Process; readonly to: Process; readonly message: Wire }
  /** The network loses a message in flight. */
  | { readonly kind: 'lose'; readonly from: Process; readonly to: Process; readonly message: Wire }
  /** The network duplicates a message in flight. */
  | { readonly kind: 'duplicate'; readonly from: Process; readonly to: Process; readonly message: Wire };

/** What applying one event did. */
export interface Outcome {
  readonly effects: readonly Effect[];
  readonly firings: readonly Firing[];
  /** Choices made by `choose`/`random` during the step, in order. */
  readonly choices: readonly number[];
  /** How many options each of those choices had. */
  readonly choiceCounts?: readonly number[];
  /** A failed assertion or run-time error in the spec, if the step hit one. */
  readonly error?: string;
  /** Received messages dropped by their type's validity predicate (sent by Byzantine processes). */
  readonly rejected?: readonly Rejected[];
}

export interface WorldOptions {
  readonly byzantine?: readonly Process[];
  readonly crypto?: Crypto;
  /** Whether the network may deliver a message more than once (then sent messages stay in flight). */
  readonly duplicating?: boolean;
  /** Drop messages to Byzantine processes at once (the model checker: they change nothing). */
  readonly dropToByzantine?: boolean;
  /**
   * Keep the messages in flight (default). The simulator turns it off: its own event queue
   * already holds exactly the messages in flight, and only schedules possible deliveries.
   */
  readonly trackNetwork?: boolean;
  /**
   * Makes the replica of each correct process (default: the generated module on the rule
   * engine). The simulator benchmark plugs in a hand-written replica to measure the
   * engine's overhead on the very same simulator.
   */
  readonly replicaFactory?: (p: Process, env: { chooser: Chooser; crypto: Crypto }) => Replica<any, any>;
}


/** The part of a world that changes: plain data, cheap to copy and canonical to encode. */
export interface WorldState {
  readonly replicas: readonly (ReplicaState | null)[];
  /** Messages in flight: key `from>to|message` → [from, to, message, copies]. */
  readonly inFlight: Record<string, readonly [Process, Process, Wire, number]>;
  /** Running timers: `p|timer|args` → [p, timer, args]. */
  readonly timers: Record<string, readonly [Process, string, readonly Data[]]>;
  readonly crashed: RSet<Process>;
  readonly started: RSet<Process>;
  /** Indications per process, as `name|payload` entries in order. */
  readonly indications: readonly (readonly Tagged[])[];
}

/** A replayable chooser: returns scripted choices first, then asks `fallback`. */
export class ScriptedChooser implements Chooser {
  private script: readonly number[] = [];
  private index = 0;
  readonly made: number[] = [];
  /** How many options each choice had (the model checker enumerates the others). */
  readonly counts: number[] = [];

  constructor(private readonly fallback: (count: number, kind: 'choose' | 'random') => number) {}

  reset(script: readonly number[]): void {
    this.script = script;
    this.index = 0;
    this.made.length = 0;
    this.counts.length = 0;
  }

  choose(count: number, kind: 'choose' | 'random'): number {
    const scripted = this.script[this.index++];
    const choice = scripted !== undefined && scripted < count ? scripted : this.fallback(count, kind);
    this.made.push(choice);
    this.counts.push(count);
    return choice;
  }
}

const NO_CHOICES: readonly number[] = Object.freeze([]);

/**
 * The script for the next outcome of a step's choices, enumerated like an odometer (the
 * last choice turns fastest), or undefined after the last one: the model checker tries
 * every outcome of every `choose` and `random` this way.
 */
export function nextScript(outcome: { readonly choices: readonly number[]; readonly choiceCounts?: readonly number[] }): number[] | undefined {
  const counts = outcome.choiceCounts ?? [];
  for (let i = outcome.choices.length - 1; i >= 0; i--) {
    if (outcome.choices[i]! + 1 < counts[i]!) return [...outcome.choices.slice(0, i), outcome.choices[i]! + 1];
  }
  return undefined;
}

export function messageKey(from: Process, to: Process, message: Wire): string {
  return `${from}>${to}|${encode(message)}`;
}

export function timerKey(p: Process, timer: string, args: readonly Data[]): string {
  return `${p}|${timer}|${encode(args)}`;
}

export class World<P = any, S = any> {
  readonly processes: RSet<Process>;
  readonly roles: Map<string, RSet<Process>>;
  readonly byzantine: RSet<Process>;
  readonly chooser: ScriptedChooser;
  private readonly replicas: (Replica<P, S> | null)[];
  // Mutable inside; `snapshot` copies them into plain data.
  /** Entries are never changed in place (a new one replaces it), so snapshots share them. */
  private inFlight = new Map<string, readonly [Process, Process, Wire, number]>();
  private timers = new Map<string, readonly [Process, string, readonly Data[]]>();
  private crashed: Process[] = [];
  private started: Process[] = [];
  private readonly tracking: boolean;
  private indications: Tagged[][];

  constructor(
    readonly module: ProtocolModule<P, S>,
    readonly params: P,
    readonly options: WorldOptions = {},
    fallbackChooser: (count: number, kind: 'choose' | 'random') => number = () => 0,
  ) {
    const layout = layoutProcesses(module, params);
    this.processes = layout.all;
    this.roles = layout.roles;
    this.byzantine = [...(options.byzantine ?? [])].sort((a, b) => a - b);
    this.tracking = options.trackNetwork !== false;
    this.chooser = new ScriptedChooser(fallbackChooser);
    const env = { chooser: this.chooser, crypto: options.crypto ?? symbolicCrypto };
    const make = options.replicaFactory ?? ((p: Process) => new Replica(module, params, p, env, '', layout));
    this.replicas = this.processes.map((p) => (this.byzantine.includes(p) ? null : make(p, env)));
    this.indications = this.processes.map(() => []);
  }

  /** The correct processes: neither Byzantine nor crashed. */
  get correct(): RSet<Process> {
    return this.processes.filter((p) => !this.byzantine.includes(p) && !this.crashed.includes(p));
  }

  isCrashed(p: Process): boolean {
    return this.crashed.includes(p);
  }

  replica(p: Process): Replica<P, S> | null {
    return this.replicas[p] ?? null;
  }

  /** Messages in flight, in canonical order. */
  pending(): (readonly [Process, Process, Wire, number])[] {
    return [...this.inFlight.keys()].sort().map((k) => this.inFlight.get(k)!);
  }

  /** Running timers, in canonical order. */
  runningTimers(): (readonly [Process, string, readonly Data[]])[] {
    return [...this.timers.keys()].sort().map((k) => this.timers.get(k)!);
  }

  indicationsOf(p: Process): readonly Tagged[] {
    return this.indications[p] ?? [];
  }

  /** Whether an event can happen now. */
  isPossible(event: WorldEvent): boolean {
    const exists = (p: Process) => Number.isInteger(p) && p >= 0 && p < this.processes.length;
    if ('process' in event && !exists(event.process)) return false;
    if ('from' in event && (!exists(event.from) || !exists(event.to))) return false;
    switch (event.kind) {
      case 'start':
        return this.replicas[event.process] !== null && !this.started.includes(event.process) && !this.crashed.includes(event.process);
      case 'request':
        return this.replicas[event.process] != null && !this.crashed.includes(event.process);
      case 'deliver':
      case 'lose':
      case 'duplicate':
        return !this.tracking || this.inFlight.has(messageKey(event.from, event.to, event.message));
      case 'timeout':
        return !this.crashed.includes(event.process) && this.timers.has(timerKey(event.process, event.timer, event.args));
      case 'crash':
        return this.replicas[event.process] !== null && !this.crashed.includes(event.process);
      case 'restart':
        return this.replicas[event.process] !== null && this.crashed.includes(event.process);
      case 'inject':
        return this.byzantine.includes(event.from) && this.processes.includes(event.to);
    }
  }

  /**
   * Applies an event (which must be possible). `choices` scripts the step's `choose` and
   * `random` results; any beyond the script come from the fallback chooser.
   */
  apply(event: WorldEvent, choices: readonly number[] = []): Outcome {
    if (!this.isPossible(event)) throw new Error(`internal: event not possible now: ${JSON.stringify(event)}`);
    this.chooser.reset(choices);
    switch (event.kind) {
      case 'crash':
        this.crashed = [...this.crashed, event.process].sort((a, b) => a - b);
        this.dropTimersOf(event.process);
        return { effects: [], firings: [], choices: [] };
      case 'restart': {
        const p = event.process;
        this.crashed = this.crashed.filter((q) => q !== p);
        this.started = [...this.started.filter((q) => q !== p), p].sort((a, b) => a - b);
        const replica = this.replicas[p]!;
        // A fresh replica of the same kind gives the initial state. (Keeping a factory closure
        // on the world for this instead halved the simulator's throughput, measured with
        // bench/simulate; the cause is in V8's optimiser, not understood.)
        const fresh = this.options.replicaFactory?.(p, replica.env) ?? new Replica(this.module, this.params, p, replica.env, '', { all: this.processes, roles: this.roles });
        const kept = this.module.durableVariables[replica.role ?? ''] ?? [];
        const vars = { ...fresh.state.vars };
        for (const name of kept) vars[name] = replica.state.vars[name]!;
        replica.restore({ ...fresh.state, vars });
        return this.step(p, replica, { kind: 'start' });
      }
      case 'inject':
        this.send(event.from, event.to, event.message);
        return { effects: [], firings: [], choices: [] };
      case 'lose':
        this.take(event.from, event.to, event.message);
        return { effects: [], firings: [], choices: [] };
      case 'duplicate':
        this.send(event.from, event.to, event.message);
        return { effects: [], firings: [], choices: [] };
      case 'deliver': {
        this.take(event.from, event.to, event.message);
        const target = this.replicas[event.to];
        if (target === null || target === undefined || this.crashed.includes(event.to)) return { effects: [], firings: [], choices: [] };
        return this.step(event.to, target, { kind: 'receive', from: event.from, message: event.message });
      }
      case 'start': {
        this.started = [...this.started, event.process].sort((a, b) => a - b);
        return this.step(event.process, this.replicas[event.process]!, { kind: 'start' });
      }
      case 'request':
        return this.step(event.process, this.replicas[event.process]!, { kind: 'request', request: event.request });
      case 'timeout': {
        this.timers.delete(timerKey(event.process, event.timer, event.args));
        const target = this.replicas[event.process];
        if (target === null || target === undefined) return { effects: [], firings: [], choices: [] };
        return this.step(event.process, target, { kind: 'timeout', timer: event.timer, args: event.args });
      }
    }
  }

  private step(p: Process, replica: Replica<P, S>, input: Parameters<Replica['handle']>[0]): Outcome {
    this.dirty[p] = true;
    let result;
    try {
      result = replica.handle(input);
    } catch (error) {
      if (error instanceof SpecError) return { effects: [], firings: [], choices: [...this.chooser.made], error: `${error.message} (process ${p})` };
      throw error;
    }
    for (const effect of result.effects) {
      switch (effect.kind) {
        case 'send':
          this.send(p, effect.to, effect.message);
          break;
        case 'indicate':
          this.indications[p]!.push(effect.indication);
          break;
        case 'startTimer':
          this.timers.set(timerKey(p, effect.timer, effect.args), [p, effect.timer, effect.args]);
          break;
        case 'cancelTimer':
          this.timers.delete(timerKey(p, effect.timer, effect.args));
          break;
      }
    }
    if (result.rejected !== undefined) {
      // A correct process never sends an invalid message: if one does, the spec is wrong.
      const byCorrect = result.rejected.find((r) => !this.byzantine.includes(r.from));
      if (byCorrect !== undefined) {
        return { effects: [], firings: [], choices: [...this.chooser.made], rejected: result.rejected, error: `p${byCorrect.from}, a correct process, sent p${p} a ${byCorrect.type}${byCorrect.path === '' ? '' : ` (in ${byCorrect.path})`} that fails the message's validity predicate` };
      }
      return { effects: result.effects, firings: result.firings, choices: [...this.chooser.made], choiceCounts: [...this.chooser.counts], rejected: result.rejected };
    }
    // Most steps choose nothing: share one empty list rather than copy two per step.
    if (this.chooser.made.length === 0) return { effects: result.effects, firings: result.firings, choices: NO_CHOICES, choiceCounts: NO_CHOICES };
    return { effects: result.effects, firings: result.firings, choices: [...this.chooser.made], choiceCounts: [...this.chooser.counts] };
  }

  private send(from: Process, to: Process, message: Wire): void {
    if (!this.tracking || to < 0 || to >= this.processes.length) return;
    // A Byzantine process runs no replica: what it receives changes no state. (The simulator
    // still shows Byzantine strategies what correct processes send them: see `observe`.)
    if (this.options.dropToByzantine === true && this.byzantine.includes(to)) return;
    const key = messageKey(from, to, message);
    const existing = this.inFlight.get(key);
    if (existing === undefined) this.inFlight.set(key, [from, to, message, 1]);
    else this.inFlight.set(key, [from, to, message, existing[3] + 1]);
  }

  private take(from: Process, to: Process, message: Wire): void {
    if (!this.tracking || this.options.duplicating === true) return; // a duplicating network may deliver it again
    const key = messageKey(from, to, message);
    const existing = this.inFlight.get(key)!;
    if (existing[3] > 1) this.inFlight.set(key, [from, to, message, existing[3] - 1]);
    else this.inFlight.delete(key);
  }

  private dropTimersOf(p: Process): void {
    for (const [k, v] of [...this.timers]) if (v[0] === p) this.timers.delete(k);
  }

  /** A view for properties: of the live world, or of a snapshot (`of`) without restoring it. */
  view(of?: WorldState): GlobalView<S> {
    const indications = of?.indications ?? this.indications;
    const crashed = of?.crashed ?? this.crashed;
    return {
      processes: this.processes,
      correct: of === undefined ? this.correct : this.processes.filter((p) => !this.byzantine.includes(p) && !crashed.includes(p)),
      state: (p) => {
        const vars = of === undefined ? this.replicas[p]?.vars : (of.replicas[p]?.vars as S | undefined);
        return vars ?? this.module.initialState(this.params, p, this.module.roleOf(this.params, p));
      },
      indications: (p, name) =>
        (indications[p] ?? []).filter((i) => i.type === name).map((i) => {
          const values = Object.entries(i).filter(([k]) => k !== 'type').map(([, v]) => v);
          return values.length === 1 ? values[0]! : values;
        }),
      role: (name) => this.roles.get(name) ?? [],
    };
  }

  /** The first `always` property that does not hold now (or in the snapshot `of`), if any. */
  violatedSafety(of?: WorldState): string | undefined {
    const view = this.view(of);
    for (const property of this.module.properties) {
      if (property.kind === 'always' && !property.holds(this.params, view)) return property.name;
    }
    return undefined;
  }

  /** The `eventually` properties that do not hold now. */
  unmetLiveness(): string[] {
    const view = this.view();
    return this.module.properties.filter((p) => p.kind === 'eventually' && !p.holds(this.params, view)).map((p) => p.name);
  }

  /**
   * A copy of the world state. Replica snapshots are never changed afterwards, so a
   * snapshot may share them with `previous` for every replica that did not change since
   * the world was restored from it (the model checker's children share their parent's).
   */
  snapshot(previous?: WorldState): WorldState {
    return {
      replicas: this.replicas.map((r, i) => {
        if (r === null) return null;
        const shared = previous?.replicas[i];
        return shared !== undefined && shared !== null && !this.dirty[i] && this.loadedFrom[i] === shared ? shared : r.snapshot();
      }),
      inFlight: Object.fromEntries(this.inFlight),
      timers: Object.fromEntries(this.timers),
      crashed: this.crashed,
      started: this.started,
      indications: this.indications.map((l) => [...l]),
    };
  }

  /** Which replica snapshot each live replica was last restored from, and whether it changed since. */
  private readonly loadedFrom: (ReplicaState | null | undefined)[] = [];
  private readonly dirty: boolean[] = [];

  restore(state: WorldState): void {
    state.replicas.forEach((s, i) => {
      if (s === null) return;
      // Restoring is a copy; skip it when the live replica already holds exactly this state.
      if (this.loadedFrom[i] === s && !this.dirty[i]) return;
      this.replicas[i]!.restore(s);
      this.loadedFrom[i] = s;
      this.dirty[i] = false;
    });
    this.inFlight = new Map(Object.entries(state.inFlight));
    this.timers = new Map(Object.entries(state.timers));
    this.crashed = [...state.crashed];
    this.started = [...state.started];
    this.indications = state.indications.map((l) => [...l]);
  }

  /**
   * A compact canonical encoding of one replica's state, for state identity. Received
   * messages appear by their keys (which already hold sender and message), not twice.
   */
  encodeReplica(p: Process, ignored?: Ignored): string {
    const r = this.replicas[p];
    return r === null || r === undefined ? '-' : encodeReplicaState(r.state, ignored);
  }

  /** What process p could leave out of its encoding now (`Ignored`). */
  ignoredAt(p: Process, rising?: ReadonlySet<string>): Ignored | undefined {
    const r = this.replicas[p];
    return r === null || r === undefined ? undefined : r.ignoredFor(r.vars, rising, r.state.fired);
  }

  /** A compact canonical encoding of everything but the replicas: network, timers, faults, indications. */
  encodeNetwork(ignored: readonly (Ignored | undefined)[] = []): string {
    const flight = [...this.inFlight.values()].filter(([from, to, m]) => !leavesOut(ignored[to], from, m));
    return encodeNetworkParts(flight.map((v) => [messageKey(v[0], v[1], v[2]), v[3]]), [...this.timers.keys()], this.crashed, this.started, this.indications);
  }

  /** The canonical encoding of the whole world state: equal worlds, equal strings. */
  encode(): string {
    return `${this.processes.map((p) => this.encodeReplica(p)).join('\u0007')}\u0007${this.encodeNetwork()}`;
  }
}

/** The network part of a world's encoding, from its parts (live or snapshot). */
function encodeNetworkParts(
  flight: readonly (readonly [string, number])[], timerKeys: readonly string[], crashed: RSet<Process>, started: RSet<Process>, indications: readonly (readonly Tagged[])[],
): string {
  const flights = [...flight].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, copies]) => `${k}*${copies}`).join('\u0002');
  const timers = [...timerKeys].sort().join('\u0002');
  const shown = indications.map((l) => l.map((i) => encode(i)).join(',')).join(';');
  return `${flights}\u0001${timers}\u0001${crashed.join(',')}\u0001${started.join(',')}\u0001${shown}`;
}

/** `World.encode` of a snapshot, without restoring it; `ignored[p]`: what p's part leaves out. */
export function encodeWorldState(w: WorldState, ignored: readonly (Ignored | undefined)[] = []): string {
  const replicas = w.replicas.map((r, p) => (r === null ? '-' : encodeReplicaState(r, ignored[p]))).join('\u0007');
  return `${replicas}\u0007${encodeWorldNetwork(w, ignored)}`;
}

/** `World.encodeNetwork` of a snapshot (its replicas are not read). */
export function encodeWorldNetwork(w: Omit<WorldState, 'replicas'>, ignored: readonly (Ignored | undefined)[] = []): string {
  const flight = Object.values(w.inFlight).filter(([from, to, m]) => !leavesOut(ignored[to], from, m));
  return encodeNetworkParts(flight.map((v) => [messageKey(v[0], v[1], v[2]), v[3]] as const), Object.keys(w.timers), w.crashed, w.started, w.indications);
}

/**
 * The replica state without the single messages, fired records and variables `ignored`
 * leaves out (`stale`, `staleFired`, `vars`), and what else it leaves out (whole types and
 * rules): to rename a state consistently, drop first, then rename.
 */
export function withoutStale(s: ReplicaState, ignored: Ignored | undefined): { readonly state: ReplicaState; readonly ignored: Ignored | undefined } {
  if (ignored === undefined || (ignored.stale === undefined && ignored.staleFired === undefined && ignored.vars === undefined)) return { state: s, ignored };
  const { stale = () => false, staleFired = () => false, vars: only } = ignored;
  const rest: Ignored = { types: ignored.types, rules: ignored.rules };
  let received: Map<string, Map<string, ReceivedCopies>> | undefined;
  for (const [type, byEncoding] of s.received) {
    if (ignored.types.has(type)) continue;
    for (const [encoding, copies] of byEncoding) {
      const kept = copies.senders.filter((sender) => !stale(sender, copies.message));
      if (kept.length === copies.senders.length) continue;
      received ??= new Map([...s.received].map(([t, m]) => [t, new Map(m)]));
      if (kept.length === 0) received.get(type)!.delete(encoding);
      else received.get(type)!.set(encoding, { message: copies.message, senders: kept });
    }
  }
  let fired: Record<string, readonly string[]> | undefined;
  for (const rule of Object.keys(s.fired)) {
    const keys = s.fired[rule]!.filter((k) => !staleFired(rule, k));
    if (keys.length < s.fired[rule]!.length) (fired ??= { ...s.fired })[rule] = keys;
  }
  const vars = only === undefined || Object.keys(s.vars).every((name) => only.has(name)) ? undefined : Object.fromEntries(Object.entries(s.vars).filter(([name]) => only.has(name)));
  const changed = received !== undefined || fired !== undefined || vars !== undefined;
  return { state: changed ? { ...s, received: received ?? s.received, fired: fired ?? s.fired, vars: vars ?? s.vars } : s, ignored: rest };
}

/** The compact canonical encoding of one replica's state (as `World.encodeReplica`). */
export function encodeReplicaState(state: ReplicaState, leftOut?: Ignored): string {
  const { state: s, ignored } = withoutStale(state, leftOut);
  let out = encode({ ...s.vars });
  for (const type of [...s.received.keys()].sort()) {
    if (ignored?.types.has(type) === true) continue;
    const bySender = new Map<string, string[]>();
    for (const [encoding, copies] of s.received.get(type)!) {
      for (const sender of copies.senders) {
        const list = bySender.get(String(sender));
        if (list === undefined) bySender.set(String(sender), [encoding]);
        else list.push(encoding);
      }
    }
    out += `\u0003${type}:`;
    // Senders in the order of their decimal texts (as when they were record keys).
    for (const sender of [...bySender.keys()].sort()) out += `${sender}<${bySender.get(sender)!.sort().join('\u0002')}>`;
  }
  for (const rule of Object.keys(s.fired).sort()) if (ignored?.rules.has(rule) !== true) out += `\u0004${rule}:${s.fired[rule]!.join('\u0002')}`;
  for (const rule of Object.keys(s.armed).sort()) out += `\u0005${rule}:${s.armed[rule] ? 1 : 0}`;
  for (const alias of Object.keys(s.children).sort()) {
    const instances = s.children[alias]!;
    for (const key of Object.keys(instances).sort()) out += `\u0006${alias}[${key}]{${encodeReplicaState(instances[key]!)}}`;
  }
  return out;
}
