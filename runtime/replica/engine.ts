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
import { compare, encode, encodeOnce, flat, range, setOf, SpecError, type Data, type Process, type RSet } from './values.js';

/** A received message with its sender. */
type Received = readonly [sender: Process, message: Tagged];

/** A message received from one or more senders (a repeat from the same sender counts once). */
export interface ReceivedCopies {
  readonly message: Tagged;
  /** In the order they were first received: whoever needs an order sorts (encodings do). */
  readonly senders: Process[];
}

/**
 * What a process's part of a state's identity may leave out: the message types it can never
 * react to again (received or in flight to it), the rules that stopped, and (`stale`) single
 * messages no rule will ever read, given variables assumed never to decrease
 * (`Replica.ignoredFor`). States that differ only there have the same futures (the model
 * checker's reduction).
 */
export interface Ignored {
  readonly types: ReadonlySet<string>;
  readonly rules: ReadonlySet<string>;
  readonly stale?: (from: Process, message: Wire) => boolean;
  /** Only these variables count (a crashed process's: those the properties read). */
  readonly vars?: ReadonlySet<string>;
  /** Whether a rule's record that it fired for a binding (`ReplicaState.fired`) no longer matters. */
  readonly staleFired?: (rule: string, key: string) => boolean;
}

/** Whether `ignored` leaves out `message` from `from` (received by, or in flight to, its process). */
export function leavesOut(ignored: Ignored | undefined, from: Process, message: Wire): boolean {
  return ignored !== undefined && (ignored.types.has(message.type) || (ignored.stale !== undefined && ignored.stale(from, message)));
}

/** The complete state of one replica (and its sub-module instances). */
export interface ReplicaState {
  readonly vars: Record<string, Data>;
  /**
   * Received messages: message type → the message's encoding → the message and who sent it.
   * O(1) to add to however long the run (the encoding, computed once per message, keys it
   * without building new strings), and one entry for the copies every sender sends of the
   * same message (a quorum's worth, typically); whoever needs an order sorts. (Maps, not
   * records: records keyed by message encodings made V8 build a hidden class per key, and
   * storing a message was the simulator's largest cost.)
   */
  readonly received: Map<string, Map<string, ReceivedCopies>>;
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

/** A received message that failed its type's validity predicate (dropped unseen). */
export interface Rejected {
  readonly from: Process;
  readonly type: string;
  /** The instance path for sub-module messages, e.g. `rb[2]`. */
  readonly path: string;
}

/** The outcome of one input. */
export interface StepResult {
  readonly effects: Effect[];
  readonly firings: Firing[];
  /** Messages dropped as invalid (absent when none). */
  readonly rejected?: readonly Rejected[];
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
  const out = new Array<string>(list.length + 1);
  for (let i = 0; i < lo; i++) out[i] = list[i]!;
  out[lo] = key;
  for (let i = lo; i < list.length; i++) out[i + 1] = list[i]!;
  return out;
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

/** The received messages of one type, by sender and then by encoding. */
function receivedInOrder(s: ReplicaState, type: string): Received[] {
  const byEncoding = s.received.get(type);
  if (byEncoding === undefined) return [];
  const keyed: [Process, string, Tagged][] = [];
  for (const [encoding, copies] of byEncoding) for (const sender of copies.senders) keyed.push([sender, encoding, copies.message]);
  keyed.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return keyed.map(([sender, , message]) => [sender, message]);
}


/** Copies the mutable records of a state (collections inside are shared: they are immutable). */
export function snapshotState(s: ReplicaState): ReplicaState {
  const children: Record<string, Record<string, ReplicaState>> = {};
  for (const alias in s.children) {
    const instances: Record<string, ReplicaState> = {};
    for (const key in s.children[alias]) instances[key] = snapshotState(s.children[alias]![key]!);
    children[alias] = instances;
  }
  const received = new Map<string, Map<string, ReceivedCopies>>();
  for (const [type, byEncoding] of s.received) {
    const copy = new Map<string, ReceivedCopies>();
    for (const [encoding, copies] of byEncoding) copy.set(encoding, { message: copies.message, senders: copies.senders.slice() });
    received.set(type, copy);
  }
  return { vars: { ...s.vars }, received, fired: { ...s.fired }, armed: { ...s.armed }, children };
}

/** A replica state as plain records (maps become records, which `encode` orders by key). */
function plainState(s: ReplicaState): Data {
  const children: Record<string, Record<string, Data>> = {};
  for (const alias in s.children) {
    const instances: Record<string, Data> = {};
    for (const key in s.children[alias]) instances[key] = plainState(s.children[alias]![key]!);
    children[alias] = instances;
  }
  const received: Record<string, Record<string, Record<string, Tagged>>> = {};
  for (const [type, byEncoding] of s.received) {
    const bySender: Record<string, Record<string, Tagged>> = {};
    for (const [encoding, copies] of byEncoding) for (const sender of copies.senders) (bySender[sender] ??= {})[encoding] = copies.message;
    received[type] = bySender;
  }
  return { vars: { ...s.vars }, received, fired: { ...s.fired }, armed: { ...s.armed }, children } as unknown as Data;
}

/** The canonical encoding of a replica state: equal states, equal strings. */
export function encodeState(s: ReplicaState): string {
  // Fresh records: `encode` caches by object identity, and live state records change.
  return encode(plainState(s));
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
  readonly pin: string | undefined;
  /** Set when the rule fires for it (it then leaves `groups` and `byPin`). */
  fired: boolean;
}

/**
 * A rule's groups: the unfired ones in canonical order, all of them by key, and the unfired
 * ones by pinned values. (A replica indexes every static rule it runs, and most rules see a
 * group or two: keys are searched in a list until there are more, which allocates less.)
 */
interface IndexedGroups {
  readonly groups: Group[];
  /** Every group, fired or not, while there are few; then `byKey`. */
  readonly few: Group[];
  byKey: Map<string, Group> | undefined;
  /** For rules with a `pin`. */
  readonly byPin: Map<string, Group[]> | undefined;
  /**
   * For a quorum rule whose binding depends on the message alone: bindings by message
   * encoding, shared by every replica of the module (`RulePlan`). The copies of one message
   * from a quorum of senders then cost one binding, not one each.
   */
  readonly bound: Map<string, BoundMessage | null> | undefined;
  /**
   * The rule's fired keys: `state.fired[rule.name]`, kept here too (the record is keyed by
   * rule names, so reading it on every new group is a slow, megamorphic lookup).
   */
  fired: readonly string[];
  /** The last message encoding looked up in `bound`, and what it found (copies of one message come in runs). */
  lastEncoding: string | undefined;
  lastBound: BoundMessage | null;
}

/** What a group of a rule without `as msgs` collects (it never adds to it). */
const NOTHING_COLLECTED: Data[] = [];

/** How many groups a rule's index searches in a list before it keys them in a map. */
const FEW_GROUPS = 8;

function findGroup(indexed: IndexedGroups, key: string): Group | undefined {
  if (indexed.byKey !== undefined) return indexed.byKey.get(key);
  for (const group of indexed.few) if (group.key === key) return group;
  return undefined;
}

function addGroup(indexed: IndexedGroups, group: Group): void {
  if (indexed.byKey !== undefined) indexed.byKey.set(group.key, group);
  else if (indexed.few.length < FEW_GROUPS) indexed.few.push(group);
  else {
    indexed.byKey = new Map(indexed.few.map((g) => [g.key, g]));
    indexed.byKey.set(group.key, group);
  }
}

/** A message's binding under one rule, and the key of its group. */
interface BoundMessage {
  readonly binding: Binding;
  readonly key: string;
}

/** How many bindings a rule remembers across replicas before it starts afresh (a bound on memory, not on correctness). */
const REMEMBERED_BINDINGS = 10_000;

/** A message's binding under a static rule, and its group's key; null when the pattern does not match. */
function bindMessage<P, S>(ctx: RuleContext<P>, rule: ReceiveRule<P, S>, sender: Process, message: Tagged): BoundMessage | null {
  const binding = rule.bind(message, sender, ctx, undefined as never);
  if (binding === null) return null;
  return { binding, key: flat(rule.quorum.kind === 'single' ? encodeOnce(binding) + '|' + sender : encodeOnce(binding)) };
}

/** How many of `senders` are in `among` (counted, not filtered: this runs for every group on every step). */
function countAmong(senders: readonly Process[], among: RSet<Process>): number {
  let count = 0;
  for (const p of senders) if (among.includes(p)) count++;
  return count;
}

/** Removes `item` from `list` (where it is). */
function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i === list.length - 1) list.pop();
  else list.splice(i, 1);
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
  if (lo === list.length) list.push(group);
  else list.splice(lo, 0, group);
}

type ReceiveRule<P, S> = Extract<RuleDesc<P, S>, { event: 'receive' }>;

/**
 * The rules a process of one role runs, and where to find them: the same for every replica
 * of the role, so it is worked out once per module and role (`rulePlan`).
 */
interface RulePlan<P, S> {
  /** The rules, in declaration order; a rule's position is its slot. */
  readonly rules: readonly RuleDesc<P, S>[];
  /** Each slot's `event` (read on every step: one array, not rule objects of many shapes). */
  readonly events: readonly RuleDesc<P, S>['event'][];
  /**
   * For each quorum rule whose binding depends on the message alone, the bindings of the
   * messages seen so far by message encoding: every replica of a run (and of later runs)
   * receives the same messages, so each is bound once. A binding is immutable data, so
   * sharing it is safe. (A generated `bind` declares only the parameters it reads: such a
   * rule's declares only the message.)
   */
  readonly bound: readonly (Map<string, BoundMessage | null> | undefined)[];
  /** Per message type, the `receiving` rules reading it. */
  readonly byMessage: ReadonlyMap<string, MessageSlots>;
  /** The slots of the `receiving` rules with a static pattern (their groups are indexed). */
  readonly staticSlots: readonly number[];
  /** The message types of `byMessage` and their slots, in the same order (searched when few). */
  readonly types: readonly string[];
  readonly typeSlots: readonly MessageSlots[];
}

/** Up to how many message types a delivery's type is searched for in a list (faster than a map lookup). */
const FEW_TYPES = 8;

/** The slots of a message type's rules. */
function slotsOfType(plan: RulePlan<any, any>, type: string): MessageSlots {
  const types = plan.types;
  if (types.length > FEW_TYPES) return plan.byMessage.get(type) ?? NO_SLOTS;
  for (let i = 0; i < types.length; i++) if (types[i] === type) return plan.typeSlots[i]!;
  return NO_SLOTS;
}

/** The slots of the `receiving` rules of one message type, in declaration order. */
interface MessageSlots {
  readonly receiving: readonly number[];
  /** Of those, the rules with a static pattern (their groups are indexed). */
  readonly indexed: readonly number[];
  /** Encodings of this type's messages of small values (undefined: a type of too many fields). */
  readonly encodings: SmallMessageEncodings | undefined;
  /** The type's position among the module's message types (-1: not one of them). */
  readonly typeIndex: number;
}

/** The largest natural number `SmallMessageEncodings` codes (beyond it, messages are encoded). */
const SMALL_NAT = 1023;
/** How many fields `SmallMessageEncodings` codes into one number (1027^5 < 2^53). */
const SMALL_FIELDS = 5;
/** How many encodings of one message type are kept (a bound on memory, not on correctness). */
const REMEMBERED_ENCODINGS = 100_000;

/**
 * The encodings of one message type's messages whose fields all hold small naturals,
 * booleans or none (most protocol messages: values, rounds, process ids, flags), by a
 * number coding the field values. Storing a message needs its encoding; building it (and
 * hashing the fresh string as a map key) was the largest cost of a delivery. Here a
 * delivery reads the fields, and finds the encoding, already built and hashed, by number.
 * Shared by every replica of the module; the texts are exactly `encode`'s.
 */
class SmallMessageEncodings {
  private readonly texts = new Map<number, string>();

  constructor(private readonly fields: readonly string[]) {}

  /** The message's encoding, or undefined if it is not of this type's fields with small values. */
  of(message: Tagged): string | undefined {
    const fields = this.fields;
    let code = 0;
    for (let i = 0; i < fields.length; i++) {
      const v = message[fields[i]!];
      let c: number;
      if (typeof v === 'number') {
        if (!(v >= 0 && v <= SMALL_NAT && (v | 0) === v)) return undefined;
        c = v;
      } else if (v === true) c = SMALL_NAT + 1;
      else if (v === false) c = SMALL_NAT + 2;
      else if (v === null) c = SMALL_NAT + 3;
      else return undefined;
      code = code * (SMALL_NAT + 4) + c;
    }
    // Exactly the declared fields and `type` (the count of keys, without allocating a list).
    let keys = 0;
    for (const _ in message) keys++;
    if (keys !== fields.length + 1) return undefined;
    let text = this.texts.get(code);
    if (text === undefined) {
      text = flat(encodeOnce(message));
      if (this.texts.size >= REMEMBERED_ENCODINGS) this.texts.clear();
      this.texts.set(code, text);
    }
    return text;
  }
}

/** Rule plans by module and role: derived from immutable modules, so shared by all replicas. */
const rulePlans = new WeakMap<ProtocolModule<any, any>, Map<string | undefined, RulePlan<any, any>>>();

function rulePlan<P, S>(module: ProtocolModule<P, S>, role: string | undefined): RulePlan<P, S> {
  let byRole = rulePlans.get(module);
  if (byRole === undefined) rulePlans.set(module, (byRole = new Map()));
  let plan = byRole.get(role);
  if (plan === undefined) {
    const rules = module.rules.filter((r) => r.role === undefined || r.role === role);
    const byMessage = new Map<string, { receiving: number[]; indexed: number[]; encodings: SmallMessageEncodings | undefined; typeIndex: number }>();
    const slotsOf = (type: string) => {
      let slots = byMessage.get(type);
      if (slots === undefined) {
        const fields = module.messages.find((m) => m.name === type)?.fields.map((f) => f.name).filter((name) => name !== 'type');
        const encodings = fields !== undefined && fields.length <= SMALL_FIELDS ? new SmallMessageEncodings(fields) : undefined;
        byMessage.set(type, (slots = { receiving: [], indexed: [], encodings, typeIndex: byMessage.size }));
      }
      return slots;
    };
    for (const message of module.messages) slotsOf(message.name);
    rules.forEach((rule, slot) => {
      if (rule.event !== 'receive') return;
      const slots = slotsOf(rule.message);
      slots.receiving.push(slot);
      if (rule.staticBind === true) slots.indexed.push(slot);
    });
    const events = rules.map((rule) => rule.event);
    const bound = rules.map((rule) =>
      rule.event === 'receive' && rule.quorum.kind === 'count' && rule.bind.length <= 1 ? new Map<string, BoundMessage | null>() : undefined,
    );
    const staticSlots = [...byMessage.values()].flatMap((slots) => slots.indexed);
    byRole.set(role, (plan = { rules, events, bound, byMessage, staticSlots, types: [...byMessage.keys()], typeSlots: [...byMessage.values()] }));
  }
  return plan;
}

/**
 * What a replica's sink holds before its first step (each step brings its own effects list),
 * and the firings of a step until a rule fires: most deliveries fire nothing, and then share
 * this one (frozen: nothing may add to it) instead of allocating a list.
 */
const NO_EFFECTS: Effect[] = [];
const NO_FIRINGS: Firing[] = Object.freeze([]) as unknown as Firing[];

const NO_SLOTS: MessageSlots = { receiving: [], indexed: [], encodings: undefined, typeIndex: -1 };

export class Replica<P = any, S = any> {
  private current!: ReplicaState;
  /**
   * Derived from `state.received` (never part of the state): for each `receiving` rule whose
   * pattern depends on the message alone, by slot, its unfired groups in canonical order. Kept
   * up to date as messages arrive, so a step costs O(groups), not O(messages received so far).
   */
  private readonly index: (IndexedGroups | undefined)[];
  /**
   * `state.received`'s entry of each message type, by `MessageSlots.typeIndex`, once looked
   * up (a delivery then looks up its type once, not twice). Derived: cleared with the state.
   */
  private readonly receivedOfType: (Map<string, ReceivedCopies> | undefined)[] = [];
  readonly role: string | undefined;
  private readonly processes: RSet<Process>;
  private readonly roles: Map<string, RSet<Process>>;
  private readonly plan: RulePlan<P, S>;
  private readonly rulesFor: readonly RuleDesc<P, S>[];
  /** Live sub-module replicas (made on first use). */
  private childReplicas: Map<string, Map<string, Replica>> | undefined;

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
    this.plan = rulePlan(module, this.role);
    this.rulesFor = this.plan.rules;
    this.index = new Array<IndexedGroups | undefined>(this.rulesFor.length).fill(undefined);
    // Nothing received yet: the indexes start empty, and each message is added as it comes.
    for (const slot of this.plan.staticSlots) this.index[slot] = this.emptyIndex(this.rulesFor[slot] as ReceiveRule<P, S>, slot, []);
    const armed: Record<string, boolean> = {};
    for (const rule of this.rulesFor) if (rule.event === 'condition') armed[rule.name] = true;
    this.current = {
      vars: module.initialState(params, self, this.role) as Record<string, Data>,
      received: new Map(),
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
    this.index.fill(undefined);
    this.receivedOfType.length = 0;
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
    this.childReplicas = undefined;
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
  ignoredFor(vars: S, rising?: ReadonlySet<string>, fired?: ReplicaState['fired']): Ignored {
    const ctx = (this.sharedContext ??= this.context());
    let mask = '';
    for (const rule of this.rulesFor) {
      if (rule.event === 'receive') mask += rule.stopsWhen !== undefined && rule.stopsWhen(ctx, vars) ? '1' : '0';
    }
    const byType = this.ignoredByMaskFor(mask);
    const risingRules = rising !== undefined && rising.size > 0 && this.rulesFor.some((r) => r.event === 'receive' && r.staleWhen?.some((e) => rising.has(e.variable)));
    const firedRules = fired !== undefined && this.rulesFor.some((r) => r.event === 'receive' && (fired[r.name]?.length ?? 0) > 0);
    if (!risingRules && !firedRules) return byType;
    /**
     * A message no live rule could read now, and none ever (given the `rising` variables never
     * decrease): every live rule reading its type either cannot bind it whatever the state
     * (`staticBind`), has a guard conjunct that is false for it for good, or already fired for
     * its binding (a rule fires once per binding, and the record of it is never dropped).
     */
    const stale = (from: Process, message: Wire): boolean => {
      if (isEnvelope(message)) return false;
      for (const rule of this.rulesFor) {
        if (rule.event !== 'receive' || rule.message !== message.type || byType.rules.has(rule.name)) continue;
        const binding = rule.bind(message, from, ctx, vars);
        if (binding === null) {
          if (rule.staticBind === true) continue;
          return false;
        }
        if (risingRules && rule.staleWhen?.some((e) => rising!.has(e.variable) && e.when(binding, vars)) === true) continue;
        const done = fired?.[rule.name];
        if (done !== undefined && done.length > 0 && includesSorted(done, flat(rule.quorum.kind === 'single' ? encodeOnce(binding) + '|' + from : encodeOnce(binding)))) continue;
        return false;
      }
      return true;
    };
    // A fired record for a binding the guard rejects for good: it will never fire again anyway.
    const staleFired = (name: string, key: string): boolean => {
      const rule = (this.rulesByName ??= new Map(this.rulesFor.map((r) => [r.name, r]))).get(name);
      if (!risingRules || rule === undefined || rule.event !== 'receive' || rule.staleWhen === undefined) return false;
      const bindings = (this.firedBindings ??= new Map());
      const cacheKey = rule.quorum.kind === 'single' ? `s${key}` : `c${key}`;
      let binding = bindings.get(cacheKey);
      if (binding === undefined) {
        const text = rule.quorum.kind === 'single' ? key.slice(0, key.lastIndexOf('|')) : key;
        try {
          binding = JSON.parse(text) as unknown;
        } catch {
          binding = null; // not a plain encoding: never judged stale
        }
        bindings.set(cacheKey, binding);
      }
      return binding !== null && rule.staleWhen.some((e) => rising!.has(e.variable) && e.when(binding, vars));
    };
    return { ...byType, stale, staleFired };
  }

  private ignoredByMaskFor(mask: string): Ignored {
    const byMask = (this.ignoredByMask ??= new Map());
    let ignored = byMask.get(mask);
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
      byMask.set(mask, ignored);
    }
    return ignored;
  }
  private rulesByName: Map<string, RuleDesc<P, S>> | undefined;
  /** Fired keys (`ReplicaState.fired`) decoded back into bindings, for `staleFired`. */
  private firedBindings: Map<string, unknown> | undefined;
  /** `ignoredFor` results by which receive rules stopped (few combinations occur). */
  private ignoredByMask: Map<string, Ignored> | undefined;

  /** Runs one input to quiescence. */
  handle(input: Input): StepResult {
    const effects: Effect[] = [];
    this.rejected = undefined;
    this.step(input, effects);
    const firings = this.sink.firings;
    const rejected = this.rejected;
    return rejected === undefined ? { effects, firings } : { effects, firings, rejected };
  }

  private step(input: Input, effects: Effect[]): void {
    // One context per replica, pointed at this step's outputs (allocating one per step costs).
    // A replica never steps inside its own step (sub-modules are other replicas), so one sink serves.
    const sink = this.sink;
    sink.effects = effects;
    sink.firings = NO_FIRINGS; // `addFiring` makes the step's list
    if (sink.pendingIndications.length > 0) sink.pendingIndications.length = 0; // left by a step that threw
    const ctx = (this.sharedContext ??= this.context());
    switch (input.kind) {
      case 'start':
        for (const rule of this.rulesFor) if (rule.event === 'start') this.fireIfGuarded(ctx, rule, {});
        break;
      case 'request':
        for (const rule of this.rulesFor) {
          if (rule.event === 'request' && rule.request === input.request.type) this.fireIfGuarded(ctx, rule, rule.bind(input.request, ctx, this.vars));
        }
        break;
      case 'timeout': {
        const slash = input.timer.indexOf('/');
        if (slash > 0) {
          // A sub-module's timer: `alias/Timer` with the instance key first.
          const [key, ...args] = input.args;
          this.routeToChild(input.timer.slice(0, slash), key ?? null, { kind: 'timeout', timer: input.timer.slice(slash + 1), args }, effects, sink.pendingIndications);
          break;
        }
        for (const rule of this.rulesFor) {
          if (rule.event === 'timeout' && rule.timer === input.timer) this.fireIfGuarded(ctx, rule, rule.bind(input.args, ctx, this.vars));
        }
        break;
      }
      case 'receive': {
        const message = input.message;
        if (isEnvelope(message)) {
          this.routeToChild(message.via, message.key, { kind: 'receive', from: input.from, message: message.message }, effects, sink.pendingIndications);
          break;
        }
        if (this.module.validity?.[message.type]?.(ctx, this.vars, message, input.from) === false) {
          // Invalid: no rule may see it, nor count it toward a quorum.
          (this.rejected ??= []).push({ from: input.from, type: message.type, path: this.path });
          return;
        }
        const slots = slotsOfType(this.plan, message.type);
        if (!this.store(ctx, input.from, message, slots)) return; // a duplicate: nothing changed at all
        // Nothing changed but the store of this message type: only its rules can be enabled.
        this.quiesce(ctx, slots.receiving);
        return;
      }
    }
    this.quiesce(ctx);
  }

  private fire(rule: RuleDesc<P, S>, binding: Binding): void {
    this.addFiring({ rule: rule.name, source: rule.source, path: this.path, binding });
    rule.body(this.sharedContext!, this.vars, binding);
  }

  private addFiring(firing: Firing): void {
    const sink = this.sink;
    if (sink.firings === NO_FIRINGS) sink.firings = [firing];
    else sink.firings.push(firing);
  }

  /** Fires an event rule for `binding` (null: its pattern did not match) if its guard holds. */
  private fireIfGuarded(ctx: RuleContext<P>, rule: RuleDesc<P, S>, binding: Binding | null): void {
    if (binding === null) return;
    if (rule.guard !== undefined && !rule.guard(ctx, this.vars, binding)) return;
    this.fire(rule, binding);
  }

  /** Stores a received message; false when it was already there. */
  private store(ctx: RuleContext<P>, from: Process, message: Tagged, slots: MessageSlots): boolean {
    const encoding = slots.encodings?.of(message) ?? encode(message);
    const indexedSlots = slots.indexed;
    let byEncoding = this.receivedOfType[slots.typeIndex];
    if (byEncoding === undefined) {
      const received = this.state.received;
      byEncoding = received.get(message.type);
      if (byEncoding === undefined) received.set(message.type, (byEncoding = new Map()));
      if (slots.typeIndex >= 0) this.receivedOfType[slots.typeIndex] = byEncoding;
    }
    const copies = byEncoding.get(encoding);
    if (copies === undefined) byEncoding.set(encoding, { message, senders: [from] });
    else if (copies.senders.includes(from)) return false; // a repeated message counts once
    else copies.senders.push(from);
    for (const slot of indexedSlots) {
      const indexed = this.index[slot];
      if (indexed !== undefined) this.addToIndex(ctx, this.rulesFor[slot] as ReceiveRule<P, S>, indexed, from, message, encoding);
    }
    return true;
  }

  private addToIndex(ctx: RuleContext<P>, rule: ReceiveRule<P, S>, indexed: IndexedGroups, sender: Process, message: Tagged, encoding: string): void {
    const group = this.groupOf(ctx, rule, indexed, sender, message, encoding);
    if (group === null || group.fired) return;
    if (!group.senders.includes(sender)) group.senders.push(sender);
    if (rule.collectAs !== undefined) group.messages.push({ ...message, sender });
  }

  /** The group of a message from `sender`, made if new; null if the pattern does not match or the rule fired for it. */
  private groupOf(ctx: RuleContext<P>, rule: ReceiveRule<P, S>, indexed: IndexedGroups, sender: Process, message: Tagged, encoding: string): Group | null {
    let bound: BoundMessage | null | undefined;
    if (indexed.bound === undefined) bound = bindMessage(ctx, rule, sender, message);
    else if (encoding === indexed.lastEncoding) bound = indexed.lastBound;
    else {
      bound = indexed.bound.get(encoding);
      if (bound === undefined) {
        bound = bindMessage(ctx, rule, sender, message);
        if (indexed.bound.size >= REMEMBERED_BINDINGS) indexed.bound.clear();
        indexed.bound.set(encoding, bound);
      }
      indexed.lastEncoding = encoding;
      indexed.lastBound = bound;
    }
    if (bound === null) return null;
    const { binding, key } = bound;
    const single = rule.quorum.kind === 'single';
    const known = findGroup(indexed, key);
    if (known !== undefined) return known;
    if (includesSorted(indexed.fired, key)) return null;
    const pin = rule.pin === undefined ? undefined : encode(rule.pin.fields.map((f) => binding[f]!));
    const messages = rule.collectAs === undefined ? NOTHING_COLLECTED : [];
    const group: Group = { key, binding, order: single ? [binding, sender] : binding, senders: [], messages, pin, fired: false };
    addGroup(indexed, group);
    insertGroup(indexed.groups, group);
    if (pin !== undefined) {
      let bucket = indexed.byPin!.get(pin);
      if (bucket === undefined) indexed.byPin!.set(pin, (bucket = []));
      insertGroup(bucket, group);
    }
    return group;
  }

  /** The live groups of a rule with a static pattern, built from the store on first use. */
  private groupsOf(ctx: RuleContext<P>, rule: ReceiveRule<P, S>, slot: number): IndexedGroups {
    let indexed = this.index[slot];
    if (indexed === undefined) {
      indexed = this.emptyIndex(rule, slot, this.state.fired[rule.name] ?? []);
      this.index[slot] = indexed;
      // In any order: groups are kept in canonical order, and what they collect is a set.
      const byEncoding = this.state.received.get(rule.message);
      if (byEncoding !== undefined) {
        for (const [encoding, copies] of byEncoding) for (const sender of copies.senders) this.addToIndex(ctx, rule, indexed, sender, copies.message, encoding);
      }
    }
    return indexed;
  }

  private emptyIndex(rule: ReceiveRule<P, S>, slot: number, fired: readonly string[]): IndexedGroups {
    return {
      fired,
      groups: [],
      few: [],
      byKey: undefined,
      byPin: rule.pin === undefined ? undefined : new Map(),
      bound: this.plan.bound[slot],
      lastEncoding: undefined,
      lastBound: null,
    };
  }

  private markFired(rule: RuleDesc<P, S>, key: string): void {
    this.state.fired[rule.name] = insertSorted(this.state.fired[rule.name] ?? [], key)!;
  }

  /** Marks an indexed group fired, and takes it out of the live groups. */
  private markGroupFired(rule: RuleDesc<P, S>, indexed: IndexedGroups, group: Group): void {
    const fired = insertSorted(indexed.fired, group.key);
    if (fired !== undefined) this.state.fired[rule.name] = indexed.fired = fired;
    // It stays findable by key, marked: more copies of its messages then cost one lookup.
    group.fired = true;
    removeFrom(indexed.groups, group);
    if (group.pin !== undefined) {
      const bucket = indexed.byPin!.get(group.pin)!;
      if (bucket.length === 1) indexed.byPin!.delete(group.pin);
      else removeFrom(bucket, group);
    }
  }

  /**
   * Whether the rule's precondition (the guard's leading conjuncts that do not read the
   * binding) is false, so that no binding can fire. An error computing it counts as "not
   * known": the guard reports it exactly when it would have.
   */
  private preconditionFails(ctx: RuleContext<P>, rule: ReceiveRule<P, S>): boolean {
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
  private candidateGroups(ctx: RuleContext<P>, rule: ReceiveRule<P, S>, indexed: IndexedGroups): Group[] {
    if (rule.pin === undefined) return indexed.groups;
    let values: readonly Data[];
    try {
      values = rule.pin.values(ctx, this.vars);
    } catch (error) {
      if (error instanceof SpecError) return indexed.groups;
      throw error;
    }
    return indexed.byPin!.get(encode(values)) ?? [];
  }

  /**
   * Fires enabled `receiving` and condition rules, and sub-module indications, until none is
   * left. With `onlySlots`, only those rules are looked at first (those receiving the one
   * message stored: nothing else changed); once a rule fired, all are.
   */
  private quiesce(ctx: RuleContext<P>, onlySlots?: readonly number[]): void {
    const pendingIndications = this.sink.pendingIndications;
    let only = onlySlots;
    for (let count = 0; ; count++) {
      if (count > MAX_FIRINGS_PER_STEP) throw new SpecError(`more than ${MAX_FIRINGS_PER_STEP} rule firings in one step: the rules enable each other forever`);
      if (pendingIndications.length > 0) {
        const indication = pendingIndications.shift()!;
        for (const rule of this.rulesFor) {
          if (rule.event !== 'indication' || rule.module !== indication.alias || rule.indication !== indication.indication.type) continue;
          this.fireIfGuarded(ctx, rule, rule.bind(indication.key, indication.indication, ctx, this.vars));
        }
        continue;
      }
      if (!this.fireOne(ctx, only)) break;
      only = undefined; // a rule fired: the state changed, so every rule may be enabled now
    }
  }

  /** Finds and fires the first enabled rule (of `slots`, if given); false when nothing is enabled. */
  private fireOne(ctx: RuleContext<P>, slots?: readonly number[]): boolean {
    const rules = this.rulesFor;
    const events = this.plan.events;
    const count = slots === undefined ? rules.length : slots.length;
    for (let i = 0; i < count; i++) {
      const slot = slots === undefined ? i : slots[i]!;
      const event = events[slot];
      if (event !== 'receive' && event !== 'condition') continue;
      const rule = rules[slot]!;
      if (rule.event === 'condition') {
        const holds = rule.condition(ctx, this.vars) && (rule.guard === undefined || rule.guard(ctx, this.vars, {}));
        if (!holds) {
          if (!this.state.armed[rule.name]) this.state.armed[rule.name] = true;
          continue;
        }
        if (!this.state.armed[rule.name]) continue;
        this.state.armed[rule.name] = false;
        this.fire(rule, {});
        return true;
      }
      if (rule.event !== 'receive') continue;
      if (rule.staticBind === true) {
        // (No index yet and nothing received: nothing to index.)
        const indexed = this.index[slot] ?? (this.state.received.has(rule.message) ? this.groupsOf(ctx, rule, slot) : undefined);
        if (indexed === undefined || indexed.groups.length === 0) continue;
        if (this.preconditionFails(ctx, rule)) continue;
        const groups = this.candidateGroups(ctx, rule, indexed);
        if (groups.length === 0) continue;
        const threshold = rule.quorum.kind === 'count' ? rule.quorum.threshold(ctx, this.vars) : 1;
        const among = rule.quorum.kind === 'count' ? rule.quorum.among?.(ctx, this.vars) : undefined;
        for (const group of groups) {
          const count = among === undefined ? group.senders.length : countAmong(group.senders, among);
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
          this.markGroupFired(rule, indexed, group);
          this.fire(rule, binding);
          return true;
        }
        continue;
      }
      const entries = receivedInOrder(this.state, rule.message);
      if (entries.length === 0) continue;
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
        this.fire(rule, best.binding);
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
        this.fire(rule, binding);
        return true;
      }
    }
    return false;
  }

  private child(alias: string, key: Data): Replica {
    const use = this.module.modules.find((m) => m.alias === alias);
    if (use === undefined) throw new Error(`internal: no sub-module '${alias}'`);
    const keyText = encode(key);
    const children = (this.childReplicas ??= new Map());
    let instances = children.get(alias);
    if (instances === undefined) {
      instances = new Map();
      children.set(alias, instances);
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
    this.childReplicas?.get(alias)?.delete(keyText);
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
    pendingIndications: PendingIndication[],
  ): void {
    const child = this.child(alias, key);
    const result = child.handle(input);
    this.state.children[alias]![encode(key)] = child.state;
    for (const firing of result.firings) this.addFiring(firing);
    if (result.rejected !== undefined) (this.rejected ??= []).push(...result.rejected);
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

  /** Where the current step's outputs go (the shared context writes there). */
  private readonly sink: Sink = { effects: NO_EFFECTS, firings: NO_FIRINGS, pendingIndications: [] };
  private sharedContext: RuleContext<P> | undefined;
  /** The messages of the current input dropped as invalid (reset by `handle`; none: undefined, no allocation). */
  private rejected: Rejected[] | undefined;

  private context(): RuleContext<P> {
    return new ReplicaContext(this.self, this.params, this.processes, this.roles, this.env, this.sink, (alias, key, request) =>
      this.routeToChild(alias, key, { kind: 'request', request }, this.sink.effects, this.sink.pendingIndications),
    );
  }
}

/** A sub-module's indication, waiting for its parent's rules. */
interface PendingIndication {
  readonly alias: string;
  readonly key: Data;
  readonly indication: Tagged;
}

/** Where a replica's current step puts what its rules do. */
interface Sink {
  effects: Effect[];
  firings: Firing[];
  readonly pendingIndications: PendingIndication[];
}

/**
 * What the rule bodies of one replica may do: each call adds an effect to the replica's
 * current step. A class rather than an object of closures: one allocation per replica, and
 * every replica's context has the same shape.
 */
class ReplicaContext<P> implements RuleContext<P> {
  private signing: Crypto | undefined;

  constructor(
    readonly self: Process,
    readonly params: P,
    readonly processes: RSet<Process>,
    private readonly roles: Map<string, RSet<Process>>,
    private readonly env: Environment,
    private readonly sink: Sink,
    private readonly requestChild: (alias: string, key: Data, request: Tagged) => void,
  ) {}

  /** The environment's cryptography, signing as this process whoever the rule names. */
  get crypto(): Crypto {
    const { self, env } = this;
    return (this.signing ??= {
      sign: (_signer, value) => env.crypto.sign(self, value),
      verify: (signature, signer, value) => env.crypto.verify(signature, signer, value),
      hash: (value) => env.crypto.hash(value),
    });
  }

  role(name: string): RSet<Process> {
    return this.roles.get(name) ?? [];
  }

  send(to: Process, message: Tagged): void {
    this.sink.effects.push({ kind: 'send', to, message });
  }

  broadcast(message: Tagged, to?: RSet<Process>): void {
    const out = this.sink.effects;
    for (const p of to ?? this.processes) out.push({ kind: 'send', to: p, message });
  }

  indicate(indication: Tagged): void {
    this.sink.effects.push({ kind: 'indicate', indication });
  }

  request(alias: string, key: Data, request: Tagged): void {
    this.requestChild(alias, key, request);
  }

  startTimer(timer: string, args: readonly Data[], delay: number): void {
    this.sink.effects.push({ kind: 'startTimer', timer, args, delay });
  }

  cancelTimer(timer: string, args: readonly Data[]): void {
    this.sink.effects.push({ kind: 'cancelTimer', timer, args });
  }

  choose<T>(options: RSet<T>): T {
    if (options.length === 0) throw new SpecError("'choose' from an empty set");
    return options[this.env.chooser.choose(options.length, 'choose')]!;
  }

  random<T>(options: RSet<T>): T {
    if (options.length === 0) throw new SpecError("'random' from an empty set");
    return options[this.env.chooser.choose(options.length, 'random')]!;
  }

  assert(condition: boolean, message: string): void {
    if (!condition) throw new AssertionFailed(message);
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
