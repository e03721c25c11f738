/**
 * Expressions and statements of a spec as TypeScript source text. Types from the checker
 * choose the operation (`===` for numbers, `rio.equals` for tuples and sets, `rio.natSub`
 * for Nat subtraction). Output is fully parenthesised; prettier removes what is redundant.
 */
import type * as ast from '../ast/ast.js';
import { assertNever } from '../ast/ast.js';
import type { Span } from '../ast/span.js';
import type { ProtocolSymbols } from '../names/types.js';
import type { TypedSpec } from '../types/stage-types.js';
import * as ty from '../types/types.js';
import type { Type } from '../types/types.js';
import { safeName } from './naming.js';
import { defaultValue, isPrimitive, tsType } from './ts-types.js';

/** Names of a protocol's private process-layout helpers in its generated module. */
export function processHelpers(protocol: string): { count: string; all: string; role: string } {
  const lower = protocol.charAt(0).toLowerCase() + protocol.slice(1);
  return { count: `${lower}ProcessCount`, all: `${lower}Processes`, role: `${lower}RoleMembers` };
}

/** Where an expression is evaluated, which decides how names are reached. */
export type Mode = 'rule' | 'stateDef' | 'pureDef' | 'property' | 'static';

export interface Env {
  readonly typed: TypedSpec;
  readonly protocol: ProtocolSymbols;
  readonly mode: Mode;
  /** Spec locals in scope → their TypeScript names. */
  readonly locals: Map<string, string>;
  /** Reports a construct the generator cannot translate (RIO4001). */
  readonly fail: (span: Span, message: string) => void;
  /** Names already used in the current TypeScript function (to keep `const`s unique). */
  readonly used: Set<string>;
}

/** A child environment with one more local. Returns the TypeScript name chosen for it. */
export function bindLocal(env: Env, name: string): string {
  let candidate = safeName(name);
  for (let i = 2; env.used.has(candidate); i++) candidate = `${safeName(name)}${i}`;
  env.used.add(candidate);
  env.locals.set(name, candidate);
  return candidate;
}

/** A copy of the environment for a nested scope (lambdas, blocks). */
export function nested(env: Env): Env {
  return { ...env, locals: new Map(env.locals) };
}

const paramsOf = (env: Env): string => (env.mode === 'rule' || env.mode === 'stateDef' ? 'ctx.params' : 'params');

function typeOf(env: Env, e: ast.Expr): Type {
  return env.typed.types.get(e.id) ?? ty.unknown;
}

/** `rio.equals(a, b)` or `a === b`, by type. */
function equality(env: Env, left: ast.Expr, right: ast.Expr, negate: boolean): string {
  const a = expr(env, left);
  const b = expr(env, right);
  const lt = typeOf(env, left);
  const rt = typeOf(env, right);
  if (left.kind === 'none' || right.kind === 'none' || (isPrimitive(lt) && isPrimitive(rt))) return `(${a} ${negate ? '!==' : '==='} ${b})`;
  return `${negate ? '!' : ''}rio.equals(${a}, ${b})`;
}

function membership(env: Env, element: ast.Expr, collection: ast.Expr): string {
  const c = typeOf(env, collection);
  const x = expr(env, element);
  const s = expr(env, collection);
  if (c.kind === 'map') return `rio.hasKey(${s}, ${x})`;
  if (c.kind === 'seq') return `rio.contains(${s}, ${x})`;
  if (collection.kind === 'binary' && collection.op === 'range') {
    return `rio.has(${s}, ${x})`;
  }
  return `rio.has(${s}, ${x})`;
}

/** Iterable elements of a set, sequence or map (its keys). */
function elements(env: Env, source: ast.Expr): string {
  const t = typeOf(env, source);
  const s = expr(env, source);
  return t.kind === 'map' ? `rio.keys(${s})` : s;
}

function lambda(env: Env, variables: readonly ast.Name[], body: (inner: Env) => string): string {
  const inner = nested(env);
  const names = variables.map((v) => bindLocal(inner, v.text));
  const result = body(inner);
  // An arrow whose body starts with `{` would read it as a block: a record needs parentheses.
  const text = `(${names.join(', ')}) => ${result.startsWith('{') ? `(${result})` : result}`;
  for (const n of names) inner.used.delete(n);
  return text;
}

/** Translates an expression. */
export function expr(env: Env, e: ast.Expr): string {
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'bool':
      return e.value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(e.value);
    case 'none':
      return 'null';
    case 'wildcard':
      env.fail(e.span, "'_' is not a value");
      return 'null';
    case 'name':
      return name(env, e);
    case 'unary':
      return e.op === 'not' ? `!(${expr(env, e.operand)})` : `(-(${expr(env, e.operand)}))`;
    case 'binary':
      return binary(env, e);
    case 'call':
      return call(env, e);
    case 'field': {
      const target = typeOf(env, e.target);
      if (target.kind === 'tuple') return `${expr(env, e.target)}[${Number(e.field.text) - 1}]`;
      if (target.kind === 'process') {
        const isState = env.protocol.scopes.some((s) => s.state.has(e.field.text));
        return isState
          ? `view.state(${expr(env, e.target)}).${e.field.text}`
          : `(view.indications(${expr(env, e.target)}, ${JSON.stringify(e.field.text)}) as ${tsType(typeOf(env, e))})`;
      }
      return `${expr(env, e.target)}.${e.field.text}`;
    }
    case 'index': {
      const target = typeOf(env, e.target);
      if (target.kind === 'map') return `rio.lookup(${expr(env, e.target)}, ${expr(env, e.index)}, ${defaultValue(target.value)})`;
      return `rio.at(${expr(env, e.target)}, ${expr(env, e.index)})`;
    }
    case 'slice':
      return `rio.slice(${expr(env, e.target)}, ${e.from === undefined ? 'undefined' : expr(env, e.from)}${e.to === undefined ? '' : `, ${expr(env, e.to)}`})`;
    case 'cardinality':
      return `rio.size(${expr(env, e.operand)})`;
    case 'setLit': {
      const t = typeOf(env, e);
      if (e.elements.length === 0) return t.kind === 'map' ? 'rio.emptyMap()' : '[]';
      return `rio.setOf<${tsType(t.kind === 'set' ? t.of : ty.unknown)}>([${e.elements.map((x) => expr(env, x)).join(', ')}])`;
    }
    case 'mapLit': {
      const t = typeOf(env, e);
      const types = t.kind === 'map' ? `<${tsType(t.key)}, ${tsType(t.value)}>` : '';
      return `rio.mapOf${types}([${e.entries.map((x) => `[${expr(env, x.key)}, ${expr(env, x.value)}] as const`).join(', ')}])`;
    }
    case 'seqLit':
      return `[${e.elements.map((x) => expr(env, x)).join(', ')}]`;
    case 'tupleLit':
      return `[${e.elements.map((x) => expr(env, x)).join(', ')}] as const`;
    case 'comprehension': {
      let source = elements(env, e.source);
      if (e.filter !== undefined) source = `rio.filter(${source}, ${lambda(env, [e.variable], (inner) => expr(inner, e.filter!))})`;
      if (e.element === undefined) return source;
      return `rio.image(${source}, ${lambda(env, [e.variable], (inner) => expr(inner, e.element!))})`;
    }
    case 'quantifier': {
      const fn = e.quantifier === 'forall' ? 'rio.every' : 'rio.exists';
      const source = elements(env, e.source);
      const build = (inner: Env, index: number): string => {
        if (index === e.variables.length) return expr(inner, e.body);
        return `${fn}(${source}, ${lambda(inner, [e.variables[index]!], (deeper) => build(deeper, index + 1))})`;
      };
      return build(env, 0);
    }
    case 'extremum':
      return `rio.${e.op}By(${elements(env, e.source)}, ${lambda(env, [e.variable], (inner) => expr(inner, e.key))})`;
    case 'ifExpr':
      return `(${expr(env, e.condition)} ? ${expr(env, e.then)} : ${expr(env, e.otherwise)})`;
    default:
      return assertNever(e);
  }
}

function name(env: Env, e: ast.NameExpr): string {
  const ref = env.typed.refs.get(e.id);
  const local = env.locals.get(e.name.text);
  if (ref === undefined) {
    if (local !== undefined) return local;
    env.fail(e.span, `internal: unresolved name '${e.name.text}'`);
    return 'null';
  }
  switch (ref.kind) {
    case 'local':
      return local ?? safeName(e.name.text);
    case 'param':
      return `${paramsOf(env)}.${ref.name}`;
    case 'state':
      return `state.${ref.name}`;
    case 'const':
      return `${safeName(ref.name)}(${paramsOf(env)})`;
    case 'enumMember':
      return JSON.stringify(ref.name);
    case 'self':
      return 'ctx.self';
    case 'correct':
      return 'view.correct';
    case 'allProcesses':
      return env.mode === 'property' ? 'view.processes' : env.mode === 'rule' || env.mode === 'stateDef' ? 'ctx.processes' : `${processHelpers(env.protocol.decl.name.text).all}(${paramsOf(env)})`;
    case 'role':
      return env.mode === 'property' ? `view.role(${JSON.stringify(ref.name)})` : env.mode === 'rule' || env.mode === 'stateDef' ? `ctx.role(${JSON.stringify(ref.name)})` : `${processHelpers(env.protocol.decl.name.text).role}(${paramsOf(env)}, ${JSON.stringify(ref.name)})`;
    default:
      return assertNever(ref);
  }
}

function binary(env: Env, e: ast.Binary): string {
  const l = () => expr(env, e.left);
  const r = () => expr(env, e.right);
  const lt = typeOf(env, e.left);
  const rt = typeOf(env, e.right);
  switch (e.op) {
    case 'and': return `(${l()} && ${r()})`;
    case 'or': return `(${l()} || ${r()})`;
    case 'implies': return `(!(${l()}) || ${r()})`;
    case '=': return equality(env, e.left, e.right, false);
    case '!=': return equality(env, e.left, e.right, true);
    case '<': case '<=': case '>': case '>=': {
      const numeric = (t: Type) => t.kind === 'nat' || t.kind === 'int' || t.kind === 'process' || t.kind === 'value';
      if (numeric(lt) && numeric(rt)) return `(${l()} ${e.op} ${r()})`;
      return `(rio.compare(${l()}, ${r()}) ${e.op} 0)`;
    }
    case 'in': return membership(env, e.left, e.right);
    case 'notIn': return `!${membership(env, e.left, e.right)}`;
    case 'subset': return `rio.isSubset(${l()}, ${r()})`;
    case '+': return `(${l()} + ${r()})`;
    case '-': return lt.kind === 'int' || rt.kind === 'int' ? `(${l()} - ${r()})` : `rio.natSub(${l()}, ${r()})`;
    case '*': return `(${l()} * ${r()})`;
    case '/': return `rio.div(${l()}, ${r()})`;
    case '%': return `rio.mod(${l()}, ${r()})`;
    case 'union': return `rio.union(${l()}, ${r()})`;
    case 'intersect': return `rio.intersect(${l()}, ${r()})`;
    case 'minus': return lt.kind === 'map' ? `rio.withoutKeys(${l()}, ${r()})` : `rio.difference(${l()}, ${r()})`;
    case 'concat': return `rio.concat(${l()}, ${r()})`;
    case 'range': return `rio.range(${l()}, ${r()})`;
    default: return assertNever(e.op);
  }
}

/** A message, request or indication literal: `{ type: 'ECHO', m: ... }`. */
export function tagged(env: Env, tag: string, fields: readonly string[], args: readonly ast.Expr[]): string {
  const parts = [`type: ${JSON.stringify(tag)}`, ...fields.map((f, i) => {
    const value = args[i] === undefined ? 'null' : expr(env, args[i]!);
    return value === f ? f : `${f}: ${value}`;
  })];
  return `{ ${parts.join(', ')} }`;
}

function call(env: Env, e: ast.Call): string {
  const target = env.typed.calls.get(e.id);
  const args = () => e.args.map((a) => expr(env, a));
  if (target === undefined) {
    env.fail(e.span, `internal: unresolved call '${e.callee.text}'`);
    return 'null';
  }
  switch (target.kind) {
    case 'local':
      return env.locals.get(target.name) ?? safeName(target.name);
    case 'message': {
      const message = env.protocol.messages.get(target.name)!;
      return tagged(env, target.name, message.type.fields.map((f) => f.name), e.args);
    }
    case 'record': {
      const record = env.protocol.types.get(target.name);
      const fields = record?.kind === 'record' ? record.fields.map((f) => f.name) : [];
      return `{ ${fields.map((f, i) => `${f}: ${expr(env, e.args[i]!)}`).join(', ')} }`;
    }
    case 'def': {
      const stateful = env.typed.stateReadingDefs.has(target.name);
      const head = stateful ? 'ctx, state' : paramsOf(env);
      return `${safeName(target.name)}(${[head, ...args()].join(', ')})`;
    }
    case 'builtin': {
      const a = args();
      switch (target.name) {
        case 'some': return a[0]!;
        case 'get': return `rio.unwrap(${a[0]})`;
        case 'sign': return `ctx.crypto.sign(ctx.self, ${a[0]})`;
        case 'verify': return `ctx.crypto.verify(${a.join(', ')})`;
        case 'hash': return `ctx.crypto.hash(${a[0]})`;
        case 'cert': {
          // The messages of an `as msgs` binding give their sender and their Signature field.
          const form = ty.votesForm(typeOf(env, e.args[1]!));
          const votes = form?.kind === 'messages' ? `rio.image(${a[1]}, (m) => [m.sender, m.${form.field}] as const)` : a[1];
          return `rio.certify(ctx.crypto, ${a[0]}, ${votes})`;
        }
        case 'signers': return `rio.signers(ctx.crypto, ${a[0]})`;
        case 'signedBy': return `rio.signedBy(ctx.crypto, ${a.join(', ')})`;
        case 'keys': case 'values': case 'elems': case 'max': case 'min': case 'sum': case 'last': case 'append':
        case 'head': case 'tail': case 'size':
          return `rio.${target.name}(${a.join(', ')})`;
        default:
          env.fail(e.span, `no translation for built-in '${target.name}'`);
          return 'null';
      }
    }
    default:
      return assertNever(target);
  }
}

// ---- statements ----

/** Translates a block of statements into lines of TypeScript. */
export function block(env: Env, stmts: readonly ast.Stmt[]): string[] {
  const inner = nested(env);
  const lines = stmts.flatMap((s) => stmt(inner, s));
  return lines;
}

/** The TypeScript statement that stores `value` into an assignable target. */
function assign(env: Env, target: ast.Expr, value: string): string {
  switch (target.kind) {
    case 'name':
      return `${expr(env, target)} = ${value};`;
    case 'index': {
      const container = typeOf(env, target.target);
      const current = expr(env, target.target);
      const updated = container.kind === 'map'
        ? `rio.put(${current}, ${expr(env, target.index)}, ${value})`
        : `rio.setAt(${current}, ${expr(env, target.index)}, ${value})`;
      return assign(env, target.target, updated);
    }
    case 'field': {
      const container = typeOf(env, target.target);
      if (container.kind !== 'record') {
        env.fail(target.span, 'only record fields can be assigned one by one; assign the whole value');
        return '';
      }
      return assign(env, target.target, `{ ...${expr(env, target.target)}, ${target.field.text}: ${value} }`);
    }
    default:
      env.fail(target.span, 'this cannot be assigned');
      return '';
  }
}

function stmt(env: Env, s: ast.Stmt): string[] {
  switch (s.kind) {
    case 'assign':
      return [assign(env, s.target, expr(env, s.value))];
    case 'send':
      return [`ctx.send(${expr(env, s.to)}, ${expr(env, s.message)});`];
    case 'broadcast':
      return [`ctx.broadcast(${expr(env, s.message)}${s.to === undefined ? '' : `, ${expr(env, s.to)}`});`];
    case 'trigger': {
      if (s.instance === undefined) {
        const indication = env.protocol.indications.get(s.event.text);
        const fields = indication?.decl.params.map((p) => p.name.text) ?? [];
        return [`ctx.indicate(${tagged(env, s.event.text, fields, s.args)});`];
      }
      const module = env.protocol.modules.get(s.instance.module.text);
      const request = module?.protocol?.requests.get(s.event.text);
      const fields = request?.decl.params.map((p) => p.name.text) ?? [];
      const key = s.instance.key === undefined ? 'null' : expr(env, s.instance.key);
      return [`ctx.request(${JSON.stringify(s.instance.module.text)}, ${key}, ${tagged(env, s.event.text, fields, s.args)});`];
    }
    case 'startTimer':
      return [`ctx.startTimer(${JSON.stringify(s.timer.text)}, [${s.args.map((a) => expr(env, a)).join(', ')}], ${expr(env, s.delay)});`];
    case 'cancelTimer':
      return [`ctx.cancelTimer(${JSON.stringify(s.timer.text)}, [${s.args.map((a) => expr(env, a)).join(', ')}]);`];
    case 'let': {
      const value = expr(env, s.value);
      const annotation = s.type === undefined ? '' : `: ${tsType(typeOf(env, s.value))}`;
      return [`const ${bindLocal(env, s.name.text)}${annotation} = ${value};`];
    }
    case 'if': {
      const lines = [`if (${expr(env, s.condition)}) {`, ...block(env, s.then)];
      if (s.otherwise === undefined) return [...lines, '}'];
      if (s.otherwise.length === 1 && s.otherwise[0]!.kind === 'if') {
        const [first, ...rest] = stmt(env, s.otherwise[0]!);
        return [...lines, `} else ${first}`, ...rest];
      }
      return [...lines, '} else {', ...block(env, s.otherwise), '}'];
    }
    case 'for': {
      const inner = nested(env);
      const source = elements(env, s.source);
      const variable = bindLocal(inner, s.variable.text);
      const body = block(inner, s.body);
      inner.used.delete(variable);
      return [`for (const ${variable} of ${source}) {`, ...body, '}'];
    }
    case 'choose': {
      let source = elements(env, s.source);
      if (s.filter !== undefined) source = `rio.filter(${source}, ${lambda(env, [s.variable], (inner) => expr(inner, s.filter!))})`;
      return [`const ${bindLocal(env, s.variable.text)} = ctx.choose(${source});`];
    }
    case 'random':
      return [`const ${bindLocal(env, s.variable.text)} = ctx.random(${elements(env, s.source)});`];
    case 'assert':
      return [`ctx.assert(${expr(env, s.condition)}, ${JSON.stringify(s.message?.value ?? 'assertion failed')});`];
    default:
      return assertNever(s);
  }
}
