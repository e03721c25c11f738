/**
 * The contract between generated replica modules and the runtime that runs them.
 *
 * A replica is a deterministic state machine. A generated module describes one protocol:
 * its parameters, message and event types (as data, for validation and for generating
 * Byzantine messages), its initial state, and its rules as functions of
 * (context, state, binding). The engine (engine.ts) interprets the rules; the simulator,
 * the model checker and the network runtime feed it inputs and carry out its effects.
 * Rule code never touches the clock, the network or `Math.random`: everything it can do
 * goes through the `RuleContext`.
 */
import type { Crypto } from './crypto.js';
import type { Data, Process, RSet } from './values.js';

/** A message, request or indication: a tag and named fields. */
export interface Tagged {
  readonly type: string;
  readonly [field: string]: Data;
}

/** A message of a sub-module instance, wrapped for the network: `via` names the instance. */
export interface Envelope {
  readonly type: '$via';
  readonly via: string;
  readonly key: Data;
  readonly message: Tagged | Envelope;
}

export type Wire = Tagged | Envelope;

/** Types as data, for validating decoded messages and enumerating finite domains. */
export type TypeDesc =
  | { readonly kind: 'nat' | 'int' | 'bool' | 'process' | 'value' | 'string' | 'signature' | 'digest' }
  | { readonly kind: 'option' | 'set' | 'seq'; readonly of: TypeDesc }
  | { readonly kind: 'map'; readonly key: TypeDesc; readonly value: TypeDesc }
  | { readonly kind: 'tuple'; readonly elements: readonly TypeDesc[] }
  | { readonly kind: 'record'; readonly name: string; readonly fields: readonly FieldDesc[] }
  | { readonly kind: 'enum'; readonly name: string; readonly members: readonly string[] };

export interface FieldDesc {
  readonly name: string;
  readonly type: TypeDesc;
}

/** A message, request, indication or timer declaration. */
export interface EventDesc {
  readonly name: string;
  readonly fields: readonly FieldDesc[];
}

/** Inputs a replica reacts to. */
export type Input =
  | { readonly kind: 'start' }
  | { readonly kind: 'request'; readonly request: Tagged }
  | { readonly kind: 'receive'; readonly from: Process; readonly message: Wire }
  | { readonly kind: 'timeout'; readonly timer: string; readonly args: readonly Data[] };

/** What a step asks the world to do. Timers are data: the executor keeps the clock. */
export type Effect =
  | { readonly kind: 'send'; readonly to: Process; readonly message: Wire }
  | { readonly kind: 'indicate'; readonly indication: Tagged }
  | { readonly kind: 'startTimer'; readonly timer: string; readonly args: readonly Data[]; readonly delay: number }
  | { readonly kind: 'cancelTimer'; readonly timer: string; readonly args: readonly Data[] };

/** Resolves `choose` and `random`: the simulator draws from its seeded generator, the model checker branches. */
export interface Chooser {
  /** Returns an index in [0, count). `kind` says whether the choice is adversarial or random. */
  choose(count: number, kind: 'choose' | 'random'): number;
}

/** What rule bodies may do. */
export interface RuleContext<P> {
  readonly self: Process;
  readonly params: P;
  send(to: Process, message: Tagged): void;
  /** To every process of `to` (default: all processes, the sender included). */
  broadcast(message: Tagged, to?: RSet<Process>): void;
  indicate(indication: Tagged): void;
  /** `trigger alias[key].request(...)`: a request to a sub-module instance. */
  request(alias: string, key: Data, request: Tagged): void;
  startTimer(timer: string, args: readonly Data[], delay: number): void;
  cancelTimer(timer: string, args: readonly Data[]): void;
  choose<T>(options: RSet<T>): T;
  random<T>(options: RSet<T>): T;
  assert(condition: boolean, message: string): void;
  readonly crypto: Crypto;
  /** All processes, and those of each role. */
  readonly processes: RSet<Process>;
  role(name: string): RSet<Process>;
}

/** A binding of a rule's pattern variables (plus `msgs`-style collections). */
export type Binding = Record<string, Data>;

/** Who a `receiving` rule waits for. Thresholds are computed from the parameters. */
export type QuorumDesc<P> =
  | { readonly kind: 'single' }
  | { readonly kind: 'count'; readonly threshold: (ctx: RuleContext<P>, state: any) => number; readonly among?: (ctx: RuleContext<P>, state: any) => RSet<Process> };

interface RuleBase<P, S> {
  /** The generated method's name, e.g. `onReceivingEchoFromQuorum`. */
  readonly name: string;
  /** `file:line` of the rule in the spec. */
  readonly source: string;
  /** The role whose processes run the rule; undefined for every process. */
  readonly role?: string;
  readonly guard?: (ctx: RuleContext<P>, state: S, binding: Binding) => boolean;
  readonly body: (ctx: RuleContext<P>, state: S, binding: Binding) => void;
}

export type RuleDesc<P, S> =
  | (RuleBase<P, S> & { readonly event: 'start' })
  | (RuleBase<P, S> & { readonly event: 'request'; readonly request: string; readonly bind: (request: Tagged, ctx: RuleContext<P>, state: S) => Binding | null })
  | (RuleBase<P, S> & { readonly event: 'timeout'; readonly timer: string; readonly bind: (args: readonly Data[], ctx: RuleContext<P>, state: S) => Binding | null })
  | (RuleBase<P, S> & {
      readonly event: 'indication';
      readonly module: string;
      readonly indication: string;
      readonly bind: (key: Data, indication: Tagged, ctx: RuleContext<P>, state: S) => Binding | null;
    })
  | (RuleBase<P, S> & {
      readonly event: 'receive';
      readonly message: string;
      /** Binds the pattern's fresh names (and the sender when it binds); null when the message does not match. */
      readonly bind: (message: Tagged, sender: Process, ctx: RuleContext<P>, state: S) => Binding | null;
      readonly quorum: QuorumDesc<P>;
      /** The name of the `as msgs` binding, if any. */
      readonly collectAs?: string;
      /** True when `bind` reads only the message, its sender and the parameters (not the state), so groups can be indexed. */
      readonly staticBind?: boolean;
      /** The type of each key of a binding (pattern names, `$i` for matched values): for renaming processes. */
      readonly bindingTypes?: Readonly<Record<string, TypeDesc>>;
      /**
       * True when the rule can never fire again at this process: part of its precondition is
       * false and stays false (a flag that is only ever set). The model checker then ignores
       * the messages only such rules would read.
       */
      readonly stopsWhen?: (ctx: RuleContext<P>, state: S) => boolean;
      /**
       * Conjuncts of the guard that are false for good for a message once false, if `variable`
       * never decreases (the model checker's reduction; it checks that the variable does not).
       */
      readonly staleWhen?: readonly { readonly variable: string; readonly when: (binding: any, state: S) => boolean }[];
      /** The guard's leading conjuncts that do not read the binding: when false, no binding can fire. */
      readonly precondition?: (ctx: RuleContext<P>, state: S) => boolean;
      /**
       * Binding fields the guard requires to equal values computed from the state
       * (`when b = ballot`): only groups with exactly these values can fire (staticBind rules).
       */
      readonly pin?: { readonly fields: readonly string[]; readonly values: (ctx: RuleContext<P>, state: S) => readonly Data[] };
    })
  | (RuleBase<P, S> & { readonly event: 'condition'; readonly condition: (ctx: RuleContext<P>, state: S) => boolean });

/** A sub-module declared with `uses`. */
export interface ModuleUse<P> {
  readonly alias: string;
  readonly keyed: boolean;
  readonly protocol: () => ProtocolModule<any, any>;
  readonly params: (params: P, key: Data) => Record<string, Data>;
}

/** A view of a whole run, for properties. */
export interface GlobalView<S> {
  readonly processes: RSet<Process>;
  readonly correct: RSet<Process>;
  state(p: Process): S;
  indications(p: Process, name: string): readonly Data[];
  role(name: string): RSet<Process>;
}

export interface PropertyDesc<P, S> {
  readonly name: string;
  readonly kind: 'always' | 'eventually';
  readonly source: string;
  readonly holds: (params: P, view: GlobalView<S>) => boolean;
}

export interface ScenarioDesc<P> {
  readonly name: string;
  readonly params: P;
  readonly steps: (params: P) => readonly (
    | { readonly kind: 'request'; readonly at: number; readonly process: Process; readonly request: Tagged }
    | { readonly kind: 'crash' | 'restart'; readonly at: number; readonly process: Process }
  )[];
}

/** Everything a generated module exports about its protocol. */
export interface ProtocolModule<P, S> {
  readonly name: string;
  /** The spec file and the hash of its text, to refuse traces from another version. */
  readonly source: string;
  readonly sourceHash: string;
  readonly parameters: readonly FieldDesc[];
  readonly messages: readonly EventDesc[];
  readonly requests: readonly (EventDesc & { readonly at?: (params: P) => RSet<Process> })[];
  readonly indications: readonly EventDesc[];
  readonly timers: readonly EventDesc[];
  /** Role names with their sizes, in declaration order; empty for a protocol without roles. */
  readonly roles: readonly { readonly name: string; readonly count: (params: P) => number }[];
  readonly faults: { readonly crash: (params: P) => number; readonly byzantine: (params: P) => number };
  /** `assume` clauses that fail for these parameters, as their source text. */
  readonly violatedAssumptions: (params: P) => readonly string[];
  readonly processCount: (params: P) => number;
  /** The role a process plays (undefined when the protocol has no roles). */
  readonly roleOf: (params: P, p: Process) => string | undefined;
  readonly initialState: (params: P, self: Process, role: string | undefined) => S;
  /** The state variables a process of each role has ('' for a protocol without roles). */
  readonly stateVariables: Readonly<Record<string, readonly string[]>>;
  /** Of those, the ones declared `durable`: what the network runtime keeps on disk across restarts. */
  readonly durableVariables: Readonly<Record<string, readonly string[]>>;
  /** The type of every state variable (of any role). */
  readonly stateTypes: Readonly<Record<string, TypeDesc>>;
  /**
   * Roles whose processes the spec orders by id (`<`, `min`, `max ... by` a process), '*' for
   * any: their processes are not interchangeable for symmetry reduction.
   */
  readonly orderedProcesses: readonly string[];
  readonly rules: readonly RuleDesc<P, S>[];
  /**
   * Validity predicates of message types (`M(fields) when ...`): a received message whose
   * predicate is false is dropped before any rule sees it, and reported as the sender's
   * protocol violation. (`message` is the message type's own shape, hence `any`.)
   */
  readonly validity?: Readonly<Record<string, (ctx: RuleContext<P>, state: S, message: any, sender: Process) => boolean>>;
  readonly modules: readonly ModuleUse<P>[];
  readonly properties: readonly PropertyDesc<P, S>[];
  /** The state variables the properties read, when the compiler could tell (the model checker leaves the others out for crashed processes). */
  readonly propertyReads?: readonly string[];
  /**
   * Whether some property reads `correct` (absent: unknown). When none does, a crash–stop
   * fault changes nothing the properties can see (docs/explore.md).
   */
  readonly propertiesReadCorrect?: boolean;
  readonly scenarios: readonly ScenarioDesc<P>[];
}
