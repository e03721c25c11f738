/**
 * The rule engine every generated replica shares.
 *
 * Semantics (docs/language.md, "Rules"): a rule body runs atomically. An input event
 * (start, request, timeout, indication of a sub-module) fires the rules listening for it,
 * in declaration order, each if its guard holds at that moment. Received messages are
 * stored; `receiving` rules and condition rules then fire until quiescence: repeatedly,
 * the first enabled (rule, binding) in declaration order and canonical binding order
 * fires. A `receiving` rule fires at most once per distinct binding of its pattern
 * variables; a quorum counts distinct senders. A condition rule fires when its condition
 * goes from false to true.
 *
 * State is plain data. Collections inside it are never modified in place, so
 * `snapshot()` is a copy of a few top-level records, and `encodeState` is canonical.
 */
import type { Crypto } from './crypto.js';
import type { Binding, Chooser, Effect, Envelope, Input, ProtocolModule, RuleContext, RuleDesc, Tagged, Wire } from './contract.js';
import { compare, encode, encodeOnce, range, setOf, SpecError, type Data, type Process, type RSet } from './values.js';

/** A received message with its sender. */
type Received = readonly [sender: Process, message: Tagged];

/** The complete state of one replica (and its sub-module instances). */
export interface ReplicaState {
  readonly vars: Record<string, Data>;
  /**
   * Received messages: message type → sender → the message's encoding → the message. Records
   * used as sets: O(1) to add to however long the run (and the encoding, computed once per
   * message, keys it without building new strings); whoever needs an order sorts.
   */
  readonly received: Record<string, Record<string, Record<string, Tagged>>>;
  /** Per rule name: the binding keys it has fired for, sorted. */
  readonly fired: Record<string, readonly string[]>;
  /** Per condition rule: whether it may fire when its condition is next true. */
  readonly armed: Record<string, boolean>;
  /** Sub-module instances: alias → encoded key → state. */
  readonly children: Record<string, Record<string, ReplicaState>>;
}

/** What the executor provides: how to choose, and which cryptography to use. */
export interface Environment {
  readonly chooser: Chooser;
  readonly crypto: Crypto;
}

/** A rule fired while handling an input: for traces and readable counterexamples. */
export interface Firing {
  readonly rule: string;
  readonly source: string;
  /** The instance path for sub-module rules, e.g. `rb[2]`. */
  readonly path: string;
  readonly binding: Binding;
}

/** The outcome of one input. */
export interface StepResult {
  readonly effects: Effect[];
  readonly firings: Firing[];
}

const MAX_FIRINGS_PER_STEP = 100_000;

function insertSorted(list: readonly string[], key: string): readonly string[] | undefined {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === key) return undefined;
  return [...list.slice(0, lo), key, ...list.slice(lo)];
}

function includesSorted(list: readonly string[], key: string): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = list[mid]!;
    if (v === key) return true;
    if (v < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The received messages of one type, in the canonical order of their keys. */
function receivedInOrder(s: ReplicaState, type: string): Received[] {
  const bySender = s.received[type];
  if (bySender === undefined) return [];
  const out: Received[] = [];
  for (const sender of Object.keys(bySender).map(Number).sort((a, b) => a - b)) {
    const messages = bySender[sender]!;
    for (const encoding of Object.keys(messages).sort()) out.push([sender, messages[encoding]!]);
  }
  return out;
}

/** Copies the mutable records of a state (collections inside are shared: they are immutable). */
export function snapshotState(s: ReplicaState): ReplicaState {
  const children: Record<string, Record<string, ReplicaState>> = {};
  for (const alias in s.children) {
    const instances: Record<string, ReplicaState> = {};
    for (const key in s.children[alias]) instances[key] = snapshotState(s.children[alias]![key]!);
    children[alias] = instances;
  }
  const received: Record<string, Record<string, Record<string, Tagged>>> = {};
  for (const type in s.received) {
    const bySender: Record<string, Record<string, Tagged>> = {};
    const from = s.received[type]!;
    for (const sender in from) bySender[sender] = { ...from[sender] };
    received[type] = bySender;
  }
  return { vars: { ...s.vars }, received, fired: { ...s.fired }, armed: { ...s.armed }, children };
}

/** The canonical encoding of a replica state: equal states, equal strings. */
export function encodeState(s: ReplicaState): string {
  // A fresh copy: `encode` caches by object identity, and live state records change.
  return encode(snapshotState(s));
}

/** Processes 0..n-1 and the range of each role, from a module and its parameters. */
export function layoutProcesses<P, S>(module: ProtocolModule<P, S>, params: P): { all: RSet<Process>; roles: Map<string, RSet<Process>> } {
  const roles = new Map<string, RSet<Process>>();
  let next = 0;
  for (const role of module.roles) {
    const count = role.count(params);
    roles.set(role.name, range(next, next + count - 1));
    next += count;
  }
  const n = module.processCount(params);
  return { all: range(0, n - 1), roles };
}

/**
 * One replica: a generated module bound to parameters and a process id, with its state.
 * `handle` runs one input to quiescence and returns the effects, in order.
 */
/** Messages of one binding of a `receiving` rule that has not fired for it yet. */
interface Group {
  readonly key: string;
  readonly binding: Binding;
  /** What orders groups canonically: the binding (and the sender, for single-message rules). */
  readonly order: Data;
  readonly senders: Process[];
  readonly messages: Data[];
  /** The encoding of the values of the rule's pinned fields (rules with a `pin`). */
  readonly pin?: string;
}

/** A rule's unfired groups: in canonical order, by key, and by pinned values. */
interface IndexedGroups {
  readonly groups: Group[];
  readonly byKey: Map<string, Group>;
  readonly byPin: Map<string, Group[]>;
}

/** Inserts `group` into `list` (sorted by `order`), keeping it sorted. */
function insertGroup(list: Group[], group: Group): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(list[mid]!.order, group.order) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, group);
}

export class Replica<P = any, S = any> {
  private current!: ReplicaState;
  /**
   * Derived from `state.received` (never part of the state): for each `receiving` rule whose
   * pattern depends on the message alone, its unfired groups in canonical order. Kept up to
   * date as messages arrive, so a step costs O(groups), not O(messages received so far).
   */
  private readonly index = new Map<string, IndexedGroups>();
  readonly role: string | undefined;
  private readonly processes: RSet<Process>;
  private readonly roles: Map<string, RSet<Process>>;
  private readonly rulesFor: RuleDesc<P, S>[];
  private readonly children = new Map<string, Map<string, Replica>>();

  constructor(
    readonly module: ProtocolModule<P, S>,
    readonly params: P,
    readonly self: Process,
    readonly env: Environment,
    /** Instance path for sub-modules (`rb[2]`); empty for a top-level replica. */
    readonly path = '',
    layout?: { all: RSet<Process>; roles: Map<string, RSet<Process>> },
  ) {
    const placed = layout ?? layoutProcesses(module, params);
    this.processes = placed.all;
    this.roles = placed.roles;
    this.role = module.roleOf(params, self);
    this.rulesFor = module.rules.filter((r) => r.role === undefined || r.role === this.role);
    const armed: Record<string, boolean> = {};
    for (const rule of this.rulesFor) if (rule.event === 'condition') armed[rule.name] = true;
    this.current = {
      vars: module.initialState(params, self, this.role) as Record<string, Data>,
      received: {},
      fired: {},
      armed,
      children: {},
    };
  }

  /** The complete state. Setting it discards what was derived from the old one. */
  get state(): ReplicaState {
    return this.current;
  }

  set state(state: ReplicaState) {
    this.current = state;
    this.index.clear();
  }

  /** The protocol's own state variables. */
  get vars(): S {
    return this.state.vars as S;
  }

  snapshot(): ReplicaState {
    return snapshotState(this.state);
  }

  restore(state: ReplicaState): void {
    this.state = snapshotState(state);
    this.children.clear();
  }

  /**
   * False when no rule of this replica's role could ever read `message` from `from`, in any
   * state: every receive rule for its type binds from the message, sender and parameters
   * only (`staticBind`) and rejects it (e.g. `from sender` when `from` is someone else).
   * Messages for sub-modules (envelopes) are always considered readable.
   */
  canEverRead(from: Process, message: Wire): boolean {
    if (isEnvelope(message)) return true;
    const ctx = (this.sharedContext ??= this.context());
    for (const rule of this.rulesFor) {
      if (rule.event !== 'receive' || rule.message !== message.type) continue;
      if (rule.staticBind !== true || rule.bind(message, from, ctx, this.vars) !== null) return true;
    }
    return false;
  }

  /**
   * What this replica can never react to again, given its variables `vars`: the message
   * types every rule reading them has stopped (`stopsWhen`), or no rule of its role reads,
   * and the receive rules that stopped. Receiving such a message only stores it, so the
   * model checker leaves these messages, received or in flight, out of a state's identity.
   */
  ignoredFor(vars: S): { readonly types: ReadonlySet<string>; readonly rules: ReadonlySet<string> } {
    const ctx = (this.sharedContext ??= this.context());
    let mask = '';
    for (const rule of this.rulesFor) {
      if (rule.event === 'receive') mask += rule.stopsWhen !== undefined && rule.stopsWhen(ctx, vars) ? '1' : '0';
    }
    let ignored = this.ignoredByMask.get(mask);
    if (ignored === undefined) {
      const stopped = new Set<string>();
      const live = new Set<string>();
      let i = 0;
      for (const rule of this.rulesFor) {
        if (rule.event !== 'receive') continue;
        if (mask[i++] === '1') stopped.add(rule.name);
        else live.add(rule.message);
      }
      ignored = { types: new Set(this.module.messages.map((m) => m.name).filter((t) => !live.has(t))), rules: stopped };
      this.ignoredByMask.set(mask, ignored);
    }
    return ignored;
  }
  /** `ignoredFor` results by which receive rules stopped (few combinations occur). */
  private readonly ignoredByMask = new Map<string, { readonly types: ReadonlySet<string>; readonly rules: ReadonlySet<string> }>();

  /** Runs one input to quiescence. */
  handle(input: Input): StepResult {
    const effects: Effect[] = [];
    const firings: Firing[] = [];
    this.step(input, effects, firings);
    return { effects, firings };
  }

  private step(input: Input, effects: Effect[], firings: Firing[]): void {
    const pendingIndications: { alias: string; key: Data; indication: Tagged }[] = [];
    // One context per replica, pointed at this step's outputs (allocating one per step costs).
    this.sink = { effects, firings, pendingIndications };
    const ctx = (this.sharedContext ??= this.context());
    const fire = (this.fireRule ??= (rule: RuleDesc<P, S>, binding: Binding) => {
      this.sink.firings.push({ rule: rule.name, source: rule.source, path: this.path, binding });
      rule.body(this.sharedContext!, this.vars, binding);
    });
    const fireEvent = (matches: (rule: RuleDesc<P, S>) => Binding | null) => {
      for (const rule of this.rulesFor) {
        const binding = matches(rule);
        if (binding === null) continue;
        if (rule.guard !== undefined && !rule.guard(ctx, this.vars, binding)) continue;
        fire(rule, binding);
      }
    };
    switch (input.kind) {
      case 'start':
        fireEvent((r) => (r.event === 'start' ? {} : null));
        break;
      case 'request':
        fireEvent((r) => (r.event === 'request' && r.request === input.request.type ? r.bind(input.request, ctx, this.vars) : null));
        break;
      case 'timeout': {
        const slash = input.timer.indexOf('/');
        if (slash > 0) {
          // A sub-module's timer: `alias/Timer` with the instance key first.
          const [key, ...args] = input.args;
          this.routeToChild(input.timer.slice(0, slash), key ?? null, { kind: 'timeout', timer: input.timer.slice(slash + 1), args }, effects, firings, pendingIndications);
          break;
        }
        fireEvent((r) => (r.event === 'timeout' && r.timer === input.timer ? r.bind(input.args, ctx, this.vars) : null));
        break;
      }
      case 'receive': {
        const message = input.message;
        if (isEnvelope(message)) {
          this.routeToChild(message.via, message.key, { kind: 'receive', from: input.from, message: message.message }, effects, firings, pendingIndications);
        } else if (this.store(ctx, input.from, message) && firings.length === 0) {
          // Nothing changed but the store of this message type: only its rules can be enabled.
          this.quiesce(ctx, fire, pendingIndications, message.type);
          return;
        } else if (firings.length === 0) {
          return; // a duplicate: nothing changed at all
        }
        break;
      }
    }
    this.quiesce(ctx, fire, pendingIndications);
  }

  /** Stores a received message; false when it was already there. */
  private store(ctx: RuleContext<P>, from: Process, message: Tagged): boolean {
    const encoding = encode(message);
    const bySender = (this.state.received[message.type] ??= {});
    const messages = (bySender[from] ??= {});
    if (messages[encoding] !== undefined) return false; // a repeated message counts once
    messages[encoding] = message;
    for (const rule of this.rulesFor) {
      if (rule.event === 'receive' && rule.message === message.type && rule.staticBind === true) {
        const indexed = this.index.get(rule.name);
        if (indexed !== undefined) this.addToIndex(ctx, rule, indexed, from, message);
      }
    }
    return true;
  }

  private addToIndex(
    ctx: RuleContext<P>,
    rule: Extract<RuleDesc<P, S>, { event: 'receive' }>,
    indexed: IndexedGroups,
    sender: Process,
    message: Tagged,
  ): void {
    const binding = rule.bind(message, sender, ctx, undefined as never);
    if (binding === null) return;
    const single = rule.quorum.kind === 'single';
    const key = single ? encodeOnce(binding) + '|' + sender : encodeOnce(binding);
    if (includesSorted(this.state.fired[rule.name] ?? [], key)) return;
    let group = indexed.byKey.get(key);
    if (group === undefined) {
      const pin = rule.pin === undefined ? undefined : encode(rule.pin.fields.map((f) => binding[f]!));
      group = { key, binding, order: single ? [binding, sender] : binding, senders: [], messages: [], ...(pin === undefined ? {} : { pin }) };
      indexed.byKey.set(key, group);
      insertGroup(indexed.groups, group);
      if (pin !== undefined) {
        let bucket = indexed.byPin.get(pin);
        if (bucket === undefined) indexed.byPin.set(pin, (bucket = []));
        insertGroup(bucket, group);
      }
    }
    if (!group.senders.includes(sender)) group.senders.push(sender);
    if (rule.collectAs !== undefined) group.messages.push({ ...message, sender });
  }

  /** The live groups of a rule with a static pattern, built from the store on first use. */
  private groupsOf(ctx: RuleContext<P>, rule: Extract<RuleDesc<P, S>, { event: 'receive' }>): Group[] {
    let indexed = this.index.get(rule.name);
    if (indexed === undefined) {
      indexed = { groups: [], byKey: new Map(), byPin: new Map() };
      this.index.set(rule.name, indexed);
      for (const [sender, message] of receivedInOrder(this.state, rule.message)) this.addToIndex(ctx, rule, indexed, sender, message);
    }
    return indexed.groups;
  }

  private markFired(rule: RuleDesc<P, S>, key: string): void {
    this.state.fired[rule.name] = insertSorted(this.state.fired[rule.name] ?? [], key)!;
    const indexed = this.index.get(rule.name);
    const group = indexed?.byKey.get(key);
    if (indexed !== undefined && group !== undefined) {
      indexed.byKey.delete(key);
      indexed.groups.splice(indexed.groups.indexOf(group), 1);
      if (group.pin !== undefined) {
        const bucket = indexed.byPin.get(group.pin)!;
        if (bucket.length === 1) indexed.byPin.delete(group.pin);
        else bucket.splice(bucket.indexOf(group), 1);
      }
    }
  }

  /**
   * Whether the rule's precondition (the guard's leading conjuncts that do not read the
   * binding) is false, so that no binding can fire. An error computing it counts as "not
   * known": the guard reports it exactly when it would have.
   */
  private preconditionFails(ctx: RuleContext<P>, rule: Extract<RuleDesc<P, S>, { event: 'receive' }>): boolean {
    if (rule.precondition === undefined) return false;
    try {
      return !rule.precondition(ctx, this.vars);
    } catch (error) {
      if (error instanceof SpecError) return false;
      throw error;
    }
  }

  /**
   * The groups of a static rule that may fire now: with a `pin`, only those whose pinned
   * fields have the values the guard requires. (If computing those values fails, all groups,
   * so that the guard itself reports the error exactly when it would have.)
   */
  private candidateGroups(ctx: RuleContext<P>, rule: Extract<RuleDesc<P, S>, { event: 'receive' }>, groups: Group[]): Group[] {
    if (rule.pin === undefined) return groups;
    let values: readonly Data[];
    try {
      values = rule.pin.values(ctx, this.vars);
    } catch (error) {
      if (error instanceof SpecError) return groups;
      throw error;
    }
    return this.index.get(rule.name)!.byPin.get(encode(values)) ?? [];
  }

  /** Fires enabled `receiving` and condition rules, and sub-module indications, until none is left. */
  private quiesce(
    ctx: RuleContext<P>,
    fire: (rule: RuleDesc<P, S>, binding: Binding) => void,
    pendingIndications: { alias: string; key: Data; indication: Tagged }[],
    onlyMessage?: string,
  ): void {
    let only = onlyMessage;
    for (let count = 0; ; count++) {
      if (count > MAX_FIRINGS_PER_STEP) throw new SpecError(`more than ${MAX_FIRINGS_PER_STEP} rule firings in one step: the rules enable each other forever`);
      const indication = pendingIndications.shift();
      if (indication !== undefined) {
        for (const rule of this.rulesFor) {
          if (rule.event !== 'indication' || rule.module !== indication.alias || rule.indication !== indication.indication.type) continue;
          const binding = rule.bind(indication.key, indication.indication, ctx, this.vars);
          if (binding === null) continue;
          if (rule.guard !== undefined && !rule.guard(ctx, this.vars, binding)) continue;
          fire(rule, binding);
        }
        continue;
      }
      if (!this.fireOne(ctx, fire, only)) break;
      only = undefined; // a rule fired: the state changed, so every rule may be enabled now
    }
  }

  /** Finds and fires the first enabled rule; false when nothing is enabled. */
  private fireOne(ctx: RuleContext<P>, fire: (rule: RuleDesc<P, S>, binding: Binding) => void, onlyMessage?: string): boolean {
    for (const rule of this.rulesFor) {
      if (onlyMessage !== undefined && (rule.event !== 'receive' || rule.message !== onlyMessage)) continue;
      if (rule.event === 'condition') {
        const holds = rule.condition(ctx, this.vars) && (rule.guard === undefined || rule.guard(ctx, this.vars, {}));
        if (!holds) {
          if (!this.state.armed[rule.name]) this.state.armed[rule.name] = true;
          continue;
        }
        if (!this.state.armed[rule.name]) continue;
        this.state.armed[rule.name] = false;
        fire(rule, {});
        return true;
      }
      if (rule.event !== 'receive') continue;
      if (rule.staticBind === true) {
        const all = this.groupsOf(ctx, rule);
        if (all.length === 0) continue;
        if (this.preconditionFails(ctx, rule)) continue;
        const groups = this.candidateGroups(ctx, rule, all);
        if (groups.length === 0) continue;
        const single = rule.quorum.kind === 'single';
        const threshold = rule.quorum.kind === 'count' ? rule.quorum.threshold(ctx, this.vars) : 1;
        const among = rule.quorum.kind === 'count' ? rule.quorum.among?.(ctx, this.vars) : undefined;
        for (const group of groups) {
          const count = among === undefined ? group.senders.length : group.senders.filter((p) => among.includes(p)).length;
          if (count < threshold) continue;
          let binding = group.binding;
          if (rule.collectAs !== undefined) {
            // Built only if the guard or body reads it: sorting the collection is not free.
            binding = { ...binding };
            let collected: Data | undefined;
            Object.defineProperty(binding, rule.collectAs, {
              enumerable: true,
              get: () =>
                (collected ??= setOf(among === undefined ? group.messages : group.messages.filter((m) => among.includes((m as { sender: Process }).sender)))),
            });
          }
          if (rule.guard !== undefined && !rule.guard(ctx, this.vars, binding)) continue;
          this.markFired(rule, group.key);
          fire(rule, binding);
          return true;
        }
        if (single) continue;
        continue;
      }
      const entries = receivedInOrder(this.state, rule.message);
      if (entries === undefined || entries.length === 0) continue;
      if (this.preconditionFails(ctx, rule)) continue;
      const fired = this.state.fired[rule.name] ?? [];
      if (rule.quorum.kind === 'single') {
        // The enabled (binding, sender) pair first in canonical order fires.
        let best: { binding: Binding; sender: Process; key: string } | undefined;
        for (const [sender, message] of entries) {
          const binding = rule.bind(message, sender, ctx, this.vars);
          if (binding === null) continue;
          const key = encodeOnce(binding) + '|' + sender;
          if (includesSorted(fired, key)) continue;
          if (best !== undefined && compare([binding, sender], [best.binding, best.sender]) >= 0) continue;
          if (rule.guard !== undefined && !rule.guard(ctx, this.vars, binding)) continue;
          best = { binding, sender, key };
        }
        if (best === undefined) continue;
        this.markFired(rule, best.key);
        fire(rule, best.binding);
        return true;
      }
      // Quorum rules: group matching messages by binding, count distinct senders.
      const among = rule.quorum.among?.(ctx, this.vars);
      const groups = new Map<string, { binding: Binding; senders: Set<Process>; messages: Data[] }>();
      for (const [sender, message] of entries) {
        if (among !== undefined && !among.includes(sender)) continue;
        const binding = rule.bind(message, sender, ctx, this.vars);
        if (binding === null) continue;
        const key = encodeOnce(binding);
        if (includesSorted(fired, key)) continue;
        let group = groups.get(key);
        if (group === undefined) {
          group = { binding, senders: new Set(), messages: [] };
          groups.set(key, group);
        }
        group.senders.add(sender);
        if (rule.collectAs !== undefined) group.messages.push({ ...message, sender });
      }
      if (groups.size === 0) continue;
      const threshold = rule.quorum.threshold(ctx, this.vars);
      const ordered = [...groups].sort((a, b) => compare(a[1].binding, b[1].binding));
      for (const [key, group] of ordered) {
        if (group.senders.size < threshold) continue;
        const binding = rule.collectAs === undefined ? group.binding : { ...group.binding, [rule.collectAs]: setOf(group.messages) };
        if (rule.guard !== undefined && !rule.guard(ctx, this.vars, binding)) continue;
        this.markFired(rule, key);
        fire(rule, binding);
        return true;
      }
    }
    return false;
  }

  private child(alias: string, key: Data): Replica {
    const use = this.module.modules.find((m) => m.alias === alias);
    if (use === undefined) throw new Error(`internal: no sub-module '${alias}'`);
    const keyText = encode(key);
    let instances = this.children.get(alias);
    if (instances === undefined) {
      instances = new Map();
      this.children.set(alias, instances);
    }
    let replica = instances.get(keyText);
    if (replica === undefined) {
      const path = `${this.path}${this.path === '' ? '' : '.'}${alias}${use.keyed ? `[${keyText}]` : ''}`;
      replica = new Replica(use.protocol(), use.params(this.params, key), this.self, this.env, path);
      const saved = this.state.children[alias]?.[keyText];
      if (saved !== undefined) replica.state = saved;
      else (this.state.children[alias] ??= {})[keyText] = replica.state;
      instances.set(keyText, replica);
    } else {
      // Keep the object identity of the child's state in ours after a child step.
      replica.state = this.state.children[alias]![keyText]!;
    }
    return replica;
  }

  /** Drops a keyed sub-module instance (its state is collected). */
  collect(alias: string, key: Data): void {
    const keyText = encode(key);
    this.children.get(alias)?.delete(keyText);
    const instances = this.state.children[alias];
    if (instances !== undefined) {
      const copy = { ...instances };
      delete copy[keyText];
      if (Object.keys(copy).length === 0) delete this.state.children[alias];
      else this.state.children[alias] = copy;
    }
  }

  private routeToChild(
    alias: string,
    key: Data,
    input: Input,
    effects: Effect[],
    firings: Firing[],
    pendingIndications: { alias: string; key: Data; indication: Tagged }[],
  ): void {
    const child = this.child(alias, key);
    const result = child.handle(input);
    this.state.children[alias]![encode(key)] = child.state;
    firings.push(...result.firings);
    for (const effect of result.effects) {
      switch (effect.kind) {
        case 'send':
          effects.push({ kind: 'send', to: effect.to, message: { type: '$via', via: alias, key, message: effect.message } });
          break;
        case 'indicate':
          pendingIndications.push({ alias, key, indication: effect.indication });
          break;
        case 'startTimer':
        case 'cancelTimer':
          effects.push({ ...effect, timer: `${alias}/${effect.timer}`, args: [key, ...effect.args] });
          break;
      }
    }
  }

  private sink: { effects: Effect[]; firings: Firing[]; pendingIndications: { alias: string; key: Data; indication: Tagged }[] } = {
    effects: [],
    firings: [],
    pendingIndications: [],
  };
  private sharedContext: RuleContext<P> | undefined;
  private fireRule: ((rule: RuleDesc<P, S>, binding: Binding) => void) | undefined;

  private context(): RuleContext<P> {
    const self = this.self;
    const sink = () => this.sink;
    return {
      self,
      params: this.params,
      crypto: {
        sign: (_signer, value) => this.env.crypto.sign(self, value),
        verify: (signature, signer, value) => this.env.crypto.verify(signature, signer, value),
        hash: (value) => this.env.crypto.hash(value),
      },
      processes: this.processes,
      role: (name) => this.roles.get(name) ?? [],
      send: (to, message) => {
        sink().effects.push({ kind: 'send', to, message });
      },
      broadcast: (message, to) => {
        const out = sink().effects;
        for (const p of to ?? this.processes) out.push({ kind: 'send', to: p, message });
      },
      indicate: (indication) => {
        sink().effects.push({ kind: 'indicate', indication });
      },
      request: (alias, key, request) => {
        this.routeToChild(alias, key, { kind: 'request', request }, sink().effects, sink().firings, sink().pendingIndications);
      },
      startTimer: (timer, args, delay) => {
        sink().effects.push({ kind: 'startTimer', timer, args, delay });
      },
      cancelTimer: (timer, args) => {
        sink().effects.push({ kind: 'cancelTimer', timer, args });
      },
      choose: <T>(options: RSet<T>): T => {
        if (options.length === 0) throw new SpecError("'choose' from an empty set");
        return options[this.env.chooser.choose(options.length, 'choose')]!;
      },
      random: <T>(options: RSet<T>): T => {
        if (options.length === 0) throw new SpecError("'random' from an empty set");
        return options[this.env.chooser.choose(options.length, 'random')]!;
      },
      assert: (condition, message) => {
        if (!condition) throw new AssertionFailed(message);
      },
    };
  }
}

/** A failed `assert` in a rule body: a safety violation of the spec. */
export class AssertionFailed extends SpecError {
  override readonly name = 'AssertionFailed' as 'SpecError';
}

/** Wire messages of a top-level replica are `Tagged` or `Envelope`; this tells them apart. */
export function isEnvelope(message: Wire): message is Envelope {
  return message.type === '$via' && 'via' in message;
}
