/**
 * The abstract syntax of `.rio`. Every node is a readonly value with a unique `id` (unique
 * within one compilation) and the `span` of source text it came from. Later stages keep
 * what they learn in side tables keyed by `NodeId`; they never change these nodes.
 */
import type { Span } from './span.js';

export type NodeId = number;

interface NodeBase {
  readonly id: NodeId;
  readonly span: Span;
}

/** A name as written, with where it was written. Names are not nodes: they carry no id. */
export interface Name {
  readonly text: string;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------
// Types as written

/** `Nat`, `Process`, `Ballot`: a built-in or declared type name. */
export interface NamedType extends NodeBase {
  readonly kind: 'namedType';
  readonly name: Name;
}
/** `Set[T]`, `Map[K, V]`, `Option[T]`, `Seq[T]`. */
export interface GenericType extends NodeBase {
  readonly kind: 'genericType';
  readonly name: Name;
  readonly args: readonly TypeExpr[];
}
/** `(Nat, Process)`. */
export interface TupleType extends NodeBase {
  readonly kind: 'tupleType';
  readonly elements: readonly TypeExpr[];
}
export type TypeExpr = NamedType | GenericType | TupleType;

// ---------------------------------------------------------------------------------------
// Expressions

export interface NumberLit extends NodeBase {
  readonly kind: 'number';
  readonly value: number;
}
export interface BoolLit extends NodeBase {
  readonly kind: 'bool';
  readonly value: boolean;
}
export interface StringLit extends NodeBase {
  readonly kind: 'string';
  readonly value: string;
}
/** `none`: the empty option. */
export interface NoneLit extends NodeBase {
  readonly kind: 'none';
}
/** A name used as a value: a parameter, state variable, binding, constant, role, enum member. */
export interface NameExpr extends NodeBase {
  readonly kind: 'name';
  readonly name: Name;
}
export type UnaryOp = 'not' | 'neg';
export interface Unary extends NodeBase {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}
export type BinaryOp =
  | 'implies' | 'or' | 'and'
  | '=' | '!=' | '<' | '<=' | '>' | '>='
  | 'in' | 'notIn' | 'subset'
  | '+' | '-' | '*' | '/' | '%'
  | 'union' | 'intersect' | 'minus' | 'concat' | 'range';
export interface Binary extends NodeBase {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}
/**
 * `f(x, y)`: a call of a `def`, a built-in (`some`, `size`, `sign`, ...), a record
 * constructor, or a message constructor. `module.request(x)` (with `target`) appears only in
 * `trigger` statements and `upon` events.
 */
export interface Call extends NodeBase {
  readonly kind: 'call';
  readonly callee: Name;
  readonly args: readonly Expr[];
}
/** `p.x` (state of process p), `e.term` (record field), `t.1` (tuple element). */
export interface FieldAccess extends NodeBase {
  readonly kind: 'field';
  readonly target: Expr;
  readonly field: Name;
}
/** `log[i]`, `votes[r]`. */
export interface IndexExpr extends NodeBase {
  readonly kind: 'index';
  readonly target: Expr;
  readonly index: Expr;
}
/** `log[i..j]` (inclusive, 1-based, as in the papers); either end may be left out. */
export interface SliceExpr extends NodeBase {
  readonly kind: 'slice';
  readonly target: Expr;
  readonly from?: Expr;
  readonly to?: Expr;
}
/** `|S|`: size of a set, sequence or map. */
export interface Cardinality extends NodeBase {
  readonly kind: 'cardinality';
  readonly operand: Expr;
}
/** `{a, b}` or `{}`/`∅` (an empty set or map, typed from context). */
export interface SetLit extends NodeBase {
  readonly kind: 'setLit';
  readonly elements: readonly Expr[];
}
/** `{k -> v, ...}`. */
export interface MapLit extends NodeBase {
  readonly kind: 'mapLit';
  readonly entries: readonly { readonly key: Expr; readonly value: Expr }[];
}
/** `[a, b]` or `[]`. */
export interface SeqLit extends NodeBase {
  readonly kind: 'seqLit';
  readonly elements: readonly Expr[];
}
/** `(a, b)`. A single parenthesised expression is not a tuple. */
export interface TupleLit extends NodeBase {
  readonly kind: 'tupleLit';
  readonly elements: readonly Expr[];
}
/** `{ x in S | p(x) }` (filter) or `{ f(x) | x in S }` (map), with an optional filter after `if`. */
export interface Comprehension extends NodeBase {
  readonly kind: 'comprehension';
  readonly variable: Name;
  readonly source: Expr;
  /** The element expression when the form is `{ e | x in S }`; absent for a filter. */
  readonly element?: Expr;
  readonly filter?: Expr;
}
/** `forall p, q in S: e` / `exists x in S: e`. */
export interface Quantifier extends NodeBase {
  readonly kind: 'quantifier';
  readonly quantifier: 'forall' | 'exists';
  readonly variables: readonly Name[];
  readonly source: Expr;
  readonly body: Expr;
}
/** `max m in msgs by m.ballot`: the element of S with the greatest key (ties: the least element). */
export interface Extremum extends NodeBase {
  readonly kind: 'extremum';
  readonly op: 'max' | 'min';
  readonly variable: Name;
  readonly source: Expr;
  readonly key: Expr;
}
/** `if c then a else b`. */
export interface IfExpr extends NodeBase {
  readonly kind: 'ifExpr';
  readonly condition: Expr;
  readonly then: Expr;
  readonly otherwise: Expr;
}
/** `_` in a pattern: matches anything, binds nothing. */
export interface Wildcard extends NodeBase {
  readonly kind: 'wildcard';
}

export type Expr =
  | NumberLit | BoolLit | StringLit | NoneLit | NameExpr | Unary | Binary | Call | FieldAccess
  | IndexExpr | SliceExpr | Cardinality | SetLit | MapLit | SeqLit | TupleLit | Comprehension
  | Quantifier | Extremum | IfExpr | Wildcard;

// ---------------------------------------------------------------------------------------
// Statements (rule bodies)

/** `x := e`, `log[i] := e`, `votes[r] := votes[r] ∪ {p}`. */
export interface AssignStmt extends NodeBase {
  readonly kind: 'assign';
  readonly target: Expr;
  readonly value: Expr;
}
/** `send M(args) to p`. */
export interface SendStmt extends NodeBase {
  readonly kind: 'send';
  readonly message: Call;
  readonly to: Expr;
}
/** `broadcast M(args)` (to every process, the sender included) or `broadcast M(args) to S`. */
export interface BroadcastStmt extends NodeBase {
  readonly kind: 'broadcast';
  readonly message: Call;
  readonly to?: Expr;
}
/** A sub-module instance: `rb` or `rb[k]`. */
export interface ModuleRef {
  readonly module: Name;
  readonly key?: Expr;
  readonly span: Span;
}
/** `trigger deliver(m)` (an indication to the layer above) or `trigger rb.broadcast(m)`. */
export interface TriggerStmt extends NodeBase {
  readonly kind: 'trigger';
  readonly instance?: ModuleRef;
  readonly event: Name;
  readonly args: readonly Expr[];
}
/** `start timer T(args) after d`. Starting a running timer restarts it. */
export interface StartTimerStmt extends NodeBase {
  readonly kind: 'startTimer';
  readonly timer: Name;
  readonly args: readonly Expr[];
  readonly delay: Expr;
}
/** `cancel timer T(args)`. */
export interface CancelTimerStmt extends NodeBase {
  readonly kind: 'cancelTimer';
  readonly timer: Name;
  readonly args: readonly Expr[];
}
/** `let x = e` or `let x: T = e`. */
export interface LetStmt extends NodeBase {
  readonly kind: 'let';
  readonly name: Name;
  readonly type?: TypeExpr;
  readonly value: Expr;
}
/** `if c` block `else if` ... `else` block. */
export interface IfStmt extends NodeBase {
  readonly kind: 'if';
  readonly condition: Expr;
  readonly then: readonly Stmt[];
  readonly otherwise?: readonly Stmt[];
}
/** `for x in S` block: iterates in the canonical (sorted) order of S. */
export interface ForStmt extends NodeBase {
  readonly kind: 'for';
  readonly variable: Name;
  readonly source: Expr;
  readonly body: readonly Stmt[];
}
/** `choose x in S [where p]`: nondeterministic; the model checker branches on every choice. */
export interface ChooseStmt extends NodeBase {
  readonly kind: 'choose';
  readonly variable: Name;
  readonly source: Expr;
  readonly filter?: Expr;
}
/** `random x in S`: a uniform draw from the seeded generator (every outcome in the model checker). */
export interface RandomStmt extends NodeBase {
  readonly kind: 'random';
  readonly variable: Name;
  readonly source: Expr;
}
/** `assert c` or `assert c, "message"`. A failing assertion is a safety violation. */
export interface AssertStmt extends NodeBase {
  readonly kind: 'assert';
  readonly condition: Expr;
  readonly message?: StringLit;
}

export type Stmt =
  | AssignStmt | SendStmt | BroadcastStmt | TriggerStmt | StartTimerStmt | CancelTimerStmt
  | LetStmt | IfStmt | ForStmt | ChooseStmt | RandomStmt | AssertStmt;

// ---------------------------------------------------------------------------------------
// Rules

/** Who a `receiving` event waits for. */
export type Quorum =
  /** `from any`: one message from any sender. */
  | { readonly kind: 'any'; readonly span: Span }
  /** `from p`: one message from process p (an expression, or a fresh name that binds the sender). */
  | { readonly kind: 'process'; readonly span: Span; readonly process: Expr }
  /** `from e processes` / `from more than e processes`, optionally `of S`. */
  | { readonly kind: 'count'; readonly span: Span; readonly count: Expr; readonly moreThan: boolean; readonly among?: Expr }
  /** `from a majority [of S]`: more than half of S (default: all processes). */
  | { readonly kind: 'majority'; readonly span: Span; readonly among?: Expr }
  /** `from all [of S]`: every process of S (default: all processes). */
  | { readonly kind: 'all'; readonly span: Span; readonly among?: Expr };

/** `upon start`: once, when the process starts. */
export interface StartEvent {
  readonly kind: 'start';
  readonly span: Span;
}
/** `upon broadcast(m)`: a request from the layer above. */
export interface RequestEvent {
  readonly kind: 'request';
  readonly span: Span;
  readonly name: Name;
  readonly params: readonly Expr[];
}
/** `upon receiving M(pattern) from <quorum> [as msgs]`. */
export interface ReceiveEvent {
  readonly kind: 'receive';
  readonly span: Span;
  readonly message: Name;
  readonly params: readonly Expr[];
  readonly from: Quorum;
  readonly binding?: Name;
}
/** `upon timeout T(pattern)`. */
export interface TimeoutEvent {
  readonly kind: 'timeout';
  readonly span: Span;
  readonly timer: Name;
  readonly params: readonly Expr[];
}
/** `upon rb.deliver(m)` / `upon rb[p].deliver(m)`: an indication from a sub-module. */
export interface IndicationEvent {
  readonly kind: 'indication';
  readonly span: Span;
  readonly instance: ModuleRef;
  readonly name: Name;
  readonly params: readonly Expr[];
}
/** `upon <condition>`: fires when the condition becomes true. */
export interface ConditionEvent {
  readonly kind: 'condition';
  readonly span: Span;
  readonly condition: Expr;
}
export type RuleEvent = StartEvent | RequestEvent | ReceiveEvent | TimeoutEvent | IndicationEvent | ConditionEvent;

/** `[label:] upon <event> [when <guard>]` followed by a block. */
export interface Rule extends NodeBase {
  readonly kind: 'rule';
  readonly label?: Name;
  readonly event: RuleEvent;
  readonly guard?: Expr;
  readonly body: readonly Stmt[];
}

// ---------------------------------------------------------------------------------------
// Declarations

/** `name: Type`, in parameters, message fields, event parameters, record fields. */
export interface Param extends NodeBase {
  readonly kind: 'param';
  readonly name: Name;
  readonly type: TypeExpr;
}
export interface ParametersDecl extends NodeBase {
  readonly kind: 'parameters';
  readonly params: readonly Param[];
}
export interface AssumeDecl extends NodeBase {
  readonly kind: 'assume';
  readonly condition: Expr;
}
export interface FaultsDecl extends NodeBase {
  readonly kind: 'faults';
  readonly model: 'crash' | 'byzantine';
  readonly bound: Expr;
}
/** `uses P(args) as x` or `uses P(args) as x[k: T]` (an instance per key, made on first use). */
export interface UsesDecl extends NodeBase {
  readonly kind: 'uses';
  readonly protocol: Name;
  readonly args: readonly Expr[];
  readonly alias: Name;
  readonly key?: Param;
}
export interface TypeAliasDecl extends NodeBase {
  readonly kind: 'typeAlias';
  readonly name: Name;
  readonly type: TypeExpr;
}
export interface EnumDecl extends NodeBase {
  readonly kind: 'enum';
  readonly name: Name;
  readonly members: readonly Name[];
}
export interface RecordDecl extends NodeBase {
  readonly kind: 'record';
  readonly name: Name;
  readonly fields: readonly Param[];
}
export interface ConstDecl extends NodeBase {
  readonly kind: 'const';
  readonly name: Name;
  readonly type?: TypeExpr;
  readonly value: Expr;
}
export interface DefDecl extends NodeBase {
  readonly kind: 'def';
  readonly name: Name;
  readonly params: readonly Param[];
  readonly result: TypeExpr;
  readonly body: Expr;
}
export interface InterfaceEvent extends NodeBase {
  readonly kind: 'interfaceEvent';
  readonly direction: 'request' | 'indication';
  readonly name: Name;
  readonly params: readonly Param[];
  /** `request broadcast(m: Value) at sender`: only these processes take the request. */
  readonly at?: Expr;
}
export interface InterfaceDecl extends NodeBase {
  readonly kind: 'interface';
  readonly events: readonly InterfaceEvent[];
}
export interface MessageDecl extends NodeBase {
  readonly kind: 'message';
  readonly name: Name;
  readonly fields: readonly Param[];
  /**
   * The validity predicate (`when ...` after the fields), over the fields and `sender`: a
   * received message that fails it is dropped before any rule sees it, and counted against
   * its sender.
   */
  readonly valid?: Expr;
}
export interface MessagesDecl extends NodeBase {
  readonly kind: 'messages';
  readonly messages: readonly MessageDecl[];
}
export interface StateVar extends NodeBase {
  readonly kind: 'stateVar';
  readonly name: Name;
  readonly type: TypeExpr;
  /** Absent: the type's default value (0, false, none, empty). */
  readonly init?: Expr;
  readonly durable: boolean;
}
export interface StateDecl extends NodeBase {
  readonly kind: 'state';
  readonly vars: readonly StateVar[];
}
export interface TimerDecl extends NodeBase {
  readonly kind: 'timer';
  readonly name: Name;
  readonly params: readonly Param[];
}
export interface TimersDecl extends NodeBase {
  readonly kind: 'timers';
  readonly timers: readonly TimerDecl[];
}
/** `role Acceptor played by k processes` with its own state, timers, defs and rules. */
export interface RoleDecl extends NodeBase {
  readonly kind: 'role';
  readonly name: Name;
  readonly count: Expr;
  readonly members: readonly Member[];
}
export interface PropertyDecl extends NodeBase {
  readonly kind: 'property';
  readonly name: Name;
  readonly temporal: 'always' | 'eventually';
  readonly body: Expr;
}
/** One line of a scenario: `at 0 sender requests broadcast(7)`, `at 5 2 crashes` or `at 40 2 restarts`. */
export type ScenarioStep =
  | { readonly kind: 'scenarioRequest'; readonly span: Span; readonly time: Expr; readonly process: Expr; readonly request: Name; readonly args: readonly Expr[] }
  | { readonly kind: 'scenarioFault'; readonly span: Span; readonly time: Expr; readonly process: Expr; readonly fault: 'crash' | 'restart' };
/** A named workload: `scenario s with n = 4, f = 1` followed by timed steps. */
export interface ScenarioDecl extends NodeBase {
  readonly kind: 'scenario';
  readonly name: Name;
  readonly bindings: readonly { readonly name: Name; readonly value: Expr }[];
  readonly steps: readonly ScenarioStep[];
}

export type Member =
  | ParametersDecl | AssumeDecl | FaultsDecl | UsesDecl | TypeAliasDecl | EnumDecl | RecordDecl
  | ConstDecl | DefDecl | InterfaceDecl | MessagesDecl | StateDecl | TimersDecl | RoleDecl | Rule
  | PropertyDecl | ScenarioDecl;

export interface Protocol extends NodeBase {
  readonly kind: 'protocol';
  readonly name: Name;
  readonly members: readonly Member[];
}

/** One parsed `.rio` file. */
export interface Spec extends NodeBase {
  readonly kind: 'spec';
  readonly file: string;
  readonly protocols: readonly Protocol[];
}

export type Node = Spec | Protocol | Member | Param | MessageDecl | StateVar | TimerDecl | InterfaceEvent | Stmt | Expr | TypeExpr;

/** Marks a switch as exhaustive: the compiler rejects a missing case. */
export function assertNever(value: never): never {
  throw new Error(`internal: unexpected node ${JSON.stringify(value)}`);
}
