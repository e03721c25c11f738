/**
 * The canonical printer: turns an AST back into `.rio` text. Output uses 2-space
 * indentation, one declaration or statement per line, ASCII spellings of operators (the
 * paper symbols `∪`, `∩` and `⊆` have no ASCII spelling and are printed as such; `∉` is
 * printed `not in`) and only the parentheses the grammar needs.
 *
 * The guarantee: for every AST the parser produces, `parse(printSpec(ast))` gives the same
 * AST again except for `id` and `span` fields. Comments and blank-line layout of the
 * original are not part of the AST and are not kept.
 *
 * Parentheses are added where the grammar needs them and in two more places: around an
 * operand of a comparison that is a `not` (`a = (not b)`, as docs/language.md writes it),
 * and around an expression that would end a line opening an indented block with the
 * closing bar of `|S|` (see `blockHeadEnd`).
 *
 * Two forms cannot be printed faithfully because the language has no spelling for them
 * (the parser never produces them): a condition event `upon <e>` whose condition is a
 * lone call `f(x)` (it reads back as a request event), and a mapping comprehension whose
 * element is itself `name in S` (it reads back as a filter). They are printed in the
 * nearest form.
 */
import * as ast from './ast.js';

// ---------------------------------------------------------------------------------------
// Expression precedence (docs/language.md 5.1, to-ast.ts; lowest first). A context asks
// for a minimum level; an expression whose own level is lower is put in parentheses.

const IMPLIES = 1;
const OR = 2;
const AND = 3;
const NOT = 4;
const COMPARISON = 5;
const RANGE = 6;
const ADDITIVE = 7;
const MULTIPLICATIVE = 8;
const NEGATION = 9;
const POSTFIX = 10;

/** The lowest level: any expression fits without parentheses. */
const ANY = IMPLIES;

interface OpInfo {
  readonly text: string;
  readonly level: number;
  /** The minimum level of the left and right operands. */
  readonly left: number;
  readonly right: number;
}

const binaryOps: Record<ast.BinaryOp, OpInfo> = {
  implies: { text: 'implies', level: IMPLIES, left: OR, right: IMPLIES },
  or: { text: 'or', level: OR, left: OR, right: AND },
  and: { text: 'and', level: AND, left: AND, right: NOT },
  '=': { text: '=', level: COMPARISON, left: RANGE, right: RANGE },
  '!=': { text: '!=', level: COMPARISON, left: RANGE, right: RANGE },
  '<': { text: '<', level: COMPARISON, left: RANGE, right: RANGE },
  '<=': { text: '<=', level: COMPARISON, left: RANGE, right: RANGE },
  '>': { text: '>', level: COMPARISON, left: RANGE, right: RANGE },
  '>=': { text: '>=', level: COMPARISON, left: RANGE, right: RANGE },
  in: { text: 'in', level: COMPARISON, left: RANGE, right: RANGE },
  notIn: { text: 'not in', level: COMPARISON, left: RANGE, right: RANGE },
  subset: { text: '⊆', level: COMPARISON, left: RANGE, right: RANGE },
  range: { text: '..', level: RANGE, left: ADDITIVE, right: ADDITIVE },
  '+': { text: '+', level: ADDITIVE, left: ADDITIVE, right: MULTIPLICATIVE },
  '-': { text: '-', level: ADDITIVE, left: ADDITIVE, right: MULTIPLICATIVE },
  union: { text: '∪', level: ADDITIVE, left: ADDITIVE, right: MULTIPLICATIVE },
  minus: { text: '\\', level: ADDITIVE, left: ADDITIVE, right: MULTIPLICATIVE },
  concat: { text: '++', level: ADDITIVE, left: ADDITIVE, right: MULTIPLICATIVE },
  '*': { text: '*', level: MULTIPLICATIVE, left: MULTIPLICATIVE, right: NEGATION },
  '/': { text: '/', level: MULTIPLICATIVE, left: MULTIPLICATIVE, right: NEGATION },
  '%': { text: '%', level: MULTIPLICATIVE, left: MULTIPLICATIVE, right: NEGATION },
  intersect: { text: '∩', level: MULTIPLICATIVE, left: MULTIPLICATIVE, right: NEGATION },
};

/** `follow` when nothing of the same expression comes next (`)`, `,`, `then`, end of line). */
const END = 0;
/**
 * `follow` in the few places where a word that is no operator comes next (`processes`,
 * `where`, the process of a scenario step): open-ended forms are parenthesised there too,
 * to be safe.
 */
const UNKNOWN = POSTFIX + 1;

/**
 * Prints one expression. `min` is the lowest precedence level the context accepts without
 * parentheses. `follow` is the level of the operator that comes right after the
 * expression in the same expression (`END` when none does). It matters for the
 * open-ended forms, whose last part extends as far to the right as it can:
 * `forall ...: e` and `if ... else e` take any operator that follows, `max x in S by e`
 * takes `+`-level operators and tighter ones. Such a form stands bare only where it would
 * not take what follows it.
 */
function expr(e: ast.Expr, min: number, follow: number): string {
  const paren = (text: string): string => `(${text})`;
  /** An open-ended form that swallows operators of level `reach` and above. */
  const open = (reach: number, text: (follow: number) => string): string =>
    follow < reach ? text(follow) : paren(text(END));
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'bool':
      return e.value ? 'true' : 'false';
    case 'string':
      return quote(e.value);
    case 'none':
      return 'none';
    case 'name':
      return e.name.text;
    case 'wildcard':
      return '_';
    case 'unary': {
      const level = e.op === 'not' ? NOT : NEGATION;
      const bare = level >= min;
      const operand = expr(e.operand, level, bare ? follow : END);
      const text = e.op === 'not' ? `not ${operand}` : `-${operand}`;
      return bare ? text : paren(text);
    }
    case 'binary': {
      const info = binaryOps[e.op];
      const bare = info.level >= min;
      const left = expr(e.left, info.left, info.level);
      const right = expr(e.right, info.right, bare ? follow : END);
      const text = e.op === 'range' ? `${left}..${right}` : `${left} ${info.text} ${right}`;
      return bare ? text : paren(text);
    }
    case 'call':
      return `${e.callee.text}(${list(e.args)})`;
    case 'field':
      return `${expr(e.target, POSTFIX, POSTFIX)}.${e.field.text}`;
    case 'index':
      return `${expr(e.target, POSTFIX, POSTFIX)}[${expr(e.index, ADDITIVE, END)}]`;
    case 'slice': {
      const from = e.from === undefined ? '' : expr(e.from, ADDITIVE, RANGE);
      const to = e.to === undefined ? '' : expr(e.to, ADDITIVE, END);
      return `${expr(e.target, POSTFIX, POSTFIX)}[${from}..${to}]`;
    }
    case 'cardinality':
      return `|${expr(e.operand, ADDITIVE, END)}|`;
    case 'setLit':
      return `{${list(e.elements)}}`;
    case 'mapLit':
      return `{${e.entries.map((entry) => `${expr(entry.key, ANY, END)} -> ${expr(entry.value, ANY, END)}`).join(', ')}}`;
    case 'seqLit':
      return `[${list(e.elements)}]`;
    case 'tupleLit':
      return `(${list(e.elements)})`;
    case 'comprehension': {
      if (e.element === undefined) {
        // Filter form: `{ x in S | p }`.
        const filter = e.filter === undefined ? 'true' : expr(e.filter, ANY, END);
        return `{${e.variable.text} in ${expr(e.source, RANGE, END)} | ${filter}}`;
      }
      // Mapping form: `{ e | x in S }` or `{ e | x in S and p }`.
      const generator =
        e.filter === undefined
          ? `${e.variable.text} in ${expr(e.source, RANGE, END)}`
          : `${e.variable.text} in ${expr(e.source, RANGE, AND)} and ${expr(e.filter, NOT, END)}`;
      return `{${expr(e.element, ANY, END)} | ${generator}}`;
    }
    case 'quantifier':
      return open(IMPLIES, () => {
        const vars = e.variables.map((v) => v.text).join(', ');
        return `${e.quantifier} ${vars} in ${expr(e.source, RANGE, END)}: ${expr(e.body, ANY, END)}`;
      });
    case 'extremum':
      return open(ADDITIVE, (f) => `${e.op} ${e.variable.text} in ${expr(e.source, ADDITIVE, END)} by ${expr(e.key, ADDITIVE, f)}`);
    case 'ifExpr':
      return open(IMPLIES, () => `if ${expr(e.condition, ANY, END)} then ${expr(e.then, ANY, END)} else ${expr(e.otherwise, ANY, END)}`);
    default:
      return ast.assertNever(e);
  }
}

/** A comma-separated list of full expressions (call arguments, literal elements). */
function list(items: readonly ast.Expr[]): string {
  return items.map((item) => expr(item, ANY, END)).join(', ');
}

/** A string literal, escaped so that the lexer reads back exactly `value`. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/**
 * Prints the expression that ends a line opening an indented block (a rule head, `if`,
 * `for`, `scenario ... with`). The layout pass reads a line ending in `|` (the closing
 * bar of `|S|`) as continued by the deeper-indented line below, so such an expression is
 * put in parentheses.
 */
function blockHeadEnd(e: ast.Expr, min: number, follow: number): string {
  const text = expr(e, min, follow);
  return text.endsWith('|') ? `(${text})` : text;
}

/** Prints an expression on its own, as it would appear after `assume`. */
export function printExpr(e: ast.Expr): string {
  return expr(e, ANY, END);
}

/** Prints a type as written: `Nat`, `Map[Process, Set[Value]]`, `(Nat, Process)`. */
export function printType(t: ast.TypeExpr): string {
  switch (t.kind) {
    case 'namedType':
      return t.name.text;
    case 'genericType':
      return `${t.name.text}[${t.args.map(printType).join(', ')}]`;
    case 'tupleType':
      return `(${t.elements.map(printType).join(', ')})`;
    default:
      return ast.assertNever(t);
  }
}

// ---------------------------------------------------------------------------------------
// Declarations, rules and statements

const param = (p: ast.Param): string => `${p.name.text}: ${printType(p.type)}`;
/** `(a: T, b: U)`, or nothing at all for an empty list where the parentheses are optional. */
const optionalParams = (ps: readonly ast.Param[]): string => (ps.length === 0 ? '' : `(${ps.map(param).join(', ')})`);
/** `(a, b)`, or nothing for an empty list where the parentheses are optional. */
const optionalArgs = (args: readonly ast.Expr[]): string => (args.length === 0 ? '' : `(${list(args)})`);
const moduleRef = (ref: ast.ModuleRef): string =>
  ref.key === undefined ? ref.module.text : `${ref.module.text}[${expr(ref.key, ADDITIVE, END)}]`;
/** A message in `send`/`broadcast`: `M(args)`, or `M` when it has none. */
const message = (m: ast.Call): string => `${m.callee.text}${optionalArgs(m.args)}`;

/** Accumulates indented lines. */
class Out {
  readonly lines: string[] = [];
  line(depth: number, text: string): void {
    this.lines.push(`${'  '.repeat(depth)}${text}`);
  }
  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }
}

/** Members that take one line; consecutive ones are not separated by blank lines. */
function isOneLine(m: ast.Member): boolean {
  switch (m.kind) {
    case 'parameters':
    case 'assume':
    case 'faults':
    case 'uses':
    case 'typeAlias':
    case 'enum':
    case 'record':
    case 'const':
    case 'def':
      return true;
    default:
      return false;
  }
}

function members(out: Out, depth: number, ms: readonly ast.Member[]): void {
  ms.forEach((m, i) => {
    if (i > 0 && !(isOneLine(m) && isOneLine(ms[i - 1]!))) out.blank();
    member(out, depth, m);
  });
}

/** Prints a quorum expression, shielding it from being read as `all`/`any`. */
function quorumExpr(e: ast.Expr, endsHead: boolean): string {
  const text = endsHead ? blockHeadEnd(e, ADDITIVE, UNKNOWN) : expr(e, ADDITIVE, UNKNOWN);
  return /^(all|any)\b/.test(text) ? `(${text})` : text;
}

/** A quorum; `endsHead` when nothing follows it on the rule's head line. */
function quorum(q: ast.Quorum, endsHead: boolean): string {
  const among = (s: ast.Expr | undefined): string => (s === undefined ? '' : ` of ${endsHead ? blockHeadEnd(s, ADDITIVE, UNKNOWN) : expr(s, ADDITIVE, UNKNOWN)}`);
  switch (q.kind) {
    case 'any':
      return 'any';
    case 'process':
      return quorumExpr(q.process, endsHead);
    case 'count':
      return `${q.moreThan ? 'more than ' : ''}${quorumExpr(q.count, false)} processes${among(q.among)}`;
    case 'majority':
      return `a majority${among(q.among)}`;
    case 'all':
      return `all${among(q.among)}`;
    default:
      return ast.assertNever(q);
  }
}

/** A rule's event; `endsHead` when no `when` guard follows it. */
function event(e: ast.RuleEvent, endsHead: boolean): string {
  switch (e.kind) {
    case 'start':
      return 'start';
    case 'request':
      return `${e.name.text}(${list(e.params)})`;
    case 'receive':
      return `receiving ${e.message.text}${optionalArgs(e.params)} from ${quorum(e.from, endsHead && e.binding === undefined)}${e.binding === undefined ? '' : ` as ${e.binding.text}`}`;
    case 'timeout':
      return `timeout ${e.timer.text}${optionalArgs(e.params)}`;
    case 'indication':
      return `${moduleRef(e.instance)}.${e.name.text}(${list(e.params)})`;
    case 'condition': {
      // A lone `start` would read back as the start event.
      if (e.condition.kind === 'name' && e.condition.name.text === 'start') return '(start)';
      return endsHead ? blockHeadEnd(e.condition, ANY, END) : expr(e.condition, ANY, END);
    }
    default:
      return ast.assertNever(e);
  }
}

function block(out: Out, depth: number, stmts: readonly ast.Stmt[]): void {
  for (const s of stmts) stmt(out, depth, s);
}

function stmt(out: Out, depth: number, s: ast.Stmt): void {
  switch (s.kind) {
    case 'assign':
      out.line(depth, `${expr(s.target, POSTFIX, UNKNOWN)} := ${expr(s.value, ANY, END)}`);
      return;
    case 'send':
      out.line(depth, `send ${message(s.message)} to ${expr(s.to, ANY, END)}`);
      return;
    case 'broadcast':
      out.line(depth, `broadcast ${message(s.message)}${s.to === undefined ? '' : ` to ${expr(s.to, ANY, END)}`}`);
      return;
    case 'trigger':
      out.line(depth, `trigger ${s.instance === undefined ? '' : `${moduleRef(s.instance)}.`}${s.event.text}(${list(s.args)})`);
      return;
    case 'startTimer':
      out.line(depth, `start timer ${s.timer.text}${optionalArgs(s.args)} after ${expr(s.delay, ANY, END)}`);
      return;
    case 'cancelTimer':
      out.line(depth, `cancel timer ${s.timer.text}${optionalArgs(s.args)}`);
      return;
    case 'let':
      out.line(depth, `let ${s.name.text}${s.type === undefined ? '' : `: ${printType(s.type)}`} = ${expr(s.value, ANY, END)}`);
      return;
    case 'if': {
      let current: ast.IfStmt = s;
      let keyword = 'if';
      for (;;) {
        out.line(depth, `${keyword} ${blockHeadEnd(current.condition, ANY, END)}`);
        block(out, depth + 1, current.then);
        const otherwise = current.otherwise;
        if (otherwise === undefined) return;
        const only = otherwise.length === 1 ? otherwise[0]! : undefined;
        if (only?.kind === 'if') {
          current = only;
          keyword = 'else if';
          continue;
        }
        out.line(depth, 'else');
        block(out, depth + 1, otherwise);
        return;
      }
    }
    case 'for':
      out.line(depth, `for ${s.variable.text} in ${blockHeadEnd(s.source, ANY, END)}`);
      block(out, depth + 1, s.body);
      return;
    case 'choose':
      out.line(
        depth,
        s.filter === undefined
          ? `choose ${s.variable.text} in ${expr(s.source, ADDITIVE, END)}`
          : `choose ${s.variable.text} in ${expr(s.source, ADDITIVE, UNKNOWN)} where ${expr(s.filter, ANY, END)}`,
      );
      return;
    case 'random':
      out.line(depth, `random ${s.variable.text} in ${expr(s.source, ANY, END)}`);
      return;
    case 'assert':
      out.line(depth, `assert ${expr(s.condition, ANY, END)}${s.message === undefined ? '' : `, ${quote(s.message.value)}`}`);
      return;
    default:
      ast.assertNever(s);
  }
}

/** A scenario step: `at <time> <process> crashes`, keeping the two expressions apart. */
function step(s: ast.ScenarioStep): string {
  let time = expr(s.time, ADDITIVE, UNKNOWN);
  let process = expr(s.process, ADDITIVE, UNKNOWN);
  // `at t (p)`/`at t [p]`/`at t -p` would read as a call, an index or a subtraction.
  if (/^[-[(]/.test(process)) {
    time = `(${time})`;
    process = `(${process})`;
  }
  switch (s.kind) {
    case 'scenarioRequest':
      return `at ${time} ${process} requests ${s.request.text}(${list(s.args)})`;
    case 'scenarioFault':
      return `at ${time} ${process} ${s.fault === 'crash' ? 'crashes' : 'restarts'}`;
    default:
      return ast.assertNever(s);
  }
}

function member(out: Out, depth: number, m: ast.Member): void {
  switch (m.kind) {
    case 'parameters':
      out.line(depth, `parameters ${m.params.map(param).join(', ')}`);
      return;
    case 'assume':
      out.line(depth, `assume ${expr(m.condition, ANY, END)}`);
      return;
    case 'faults':
      out.line(depth, `faults ${m.model} ${expr(m.bound, ANY, END)}`);
      return;
    case 'uses':
      out.line(
        depth,
        `uses ${m.protocol.text}${optionalArgs(m.args)} as ${m.alias.text}${m.key === undefined ? '' : `[${param(m.key)}]`}`,
      );
      return;
    case 'typeAlias':
      out.line(depth, `type ${m.name.text} = ${printType(m.type)}`);
      return;
    case 'enum':
      out.line(depth, `enum ${m.name.text} = ${m.members.map((x) => x.text).join(' | ')}`);
      return;
    case 'record':
      out.line(depth, `record ${m.name.text}(${m.fields.map(param).join(', ')})`);
      return;
    case 'const':
      out.line(depth, `const ${m.name.text}${m.type === undefined ? '' : `: ${printType(m.type)}`} = ${expr(m.value, ANY, END)}`);
      return;
    case 'def':
      out.line(depth, `def ${m.name.text}(${m.params.map(param).join(', ')}): ${printType(m.result)} = ${expr(m.body, ANY, END)}`);
      return;
    case 'interface':
      out.line(depth, 'interface');
      for (const e of m.events) {
        const at = e.at === undefined ? '' : ` at ${expr(e.at, ADDITIVE, END)}`;
        out.line(depth + 1, `${e.direction} ${e.name.text}${optionalParams(e.params)}${at}`);
      }
      return;
    case 'messages':
      out.line(depth, 'messages');
      for (const msg of m.messages) out.line(depth + 1, `${msg.name.text}${optionalParams(msg.fields)}${msg.valid === undefined ? '' : ` when ${expr(msg.valid, ANY, END)}`}`);
      return;
    case 'state':
      out.line(depth, 'state');
      for (const v of m.vars) {
        const init = v.init === undefined ? '' : ` = ${expr(v.init, ANY, END)}`;
        out.line(depth + 1, `${v.durable ? 'durable ' : ''}${v.name.text}: ${printType(v.type)}${init}`);
      }
      return;
    case 'timers':
      out.line(depth, 'timers');
      for (const timer of m.timers) out.line(depth + 1, `${timer.name.text}${optionalParams(timer.params)}`);
      return;
    case 'role':
      out.line(depth, `role ${m.name.text} played by ${expr(m.count, ADDITIVE, UNKNOWN)} processes`);
      members(out, depth + 1, m.members);
      return;
    case 'rule': {
      const label = m.label === undefined ? '' : `${m.label.text}: `;
      const guard = m.guard === undefined ? '' : ` when ${blockHeadEnd(m.guard, ANY, END)}`;
      out.line(depth, `${label}upon ${event(m.event, m.guard === undefined)}${guard}`);
      block(out, depth + 1, m.body);
      return;
    }
    case 'property':
      out.line(depth, `property ${m.name.text}`);
      out.line(depth + 1, `${m.temporal} ${expr(m.body, ANY, END)}`);
      return;
    case 'scenario': {
      const last = m.bindings.length - 1;
      const bindings = m.bindings
        .map((b, i) => `${b.name.text} = ${i === last ? blockHeadEnd(b.value, ADDITIVE, END) : expr(b.value, ADDITIVE, END)}`)
        .join(', ');
      out.line(depth, `scenario ${m.name.text}${bindings === '' ? '' : ` with ${bindings}`}`);
      for (const s of m.steps) out.line(depth + 1, step(s));
      return;
    }
    default:
      ast.assertNever(m);
  }
}

/** Prints a whole file in canonical form, ending with a newline. */
export function printSpec(spec: ast.Spec): string {
  const out = new Out();
  spec.protocols.forEach((p, i) => {
    if (i > 0) out.blank();
    out.line(0, `protocol ${p.name.text}`);
    members(out, 1, p.members);
  });
  return out.lines.length === 0 ? '' : `${out.lines.join('\n')}\n`;
}
