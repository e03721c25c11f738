/**
 * The code generator's model: everything a generated module contains, as plain data with
 * the TypeScript text of expressions and statements already translated. `emit.ts` turns
 * it into a file with ts-morph and prettier.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type * as ast from '../ast/ast.js';
import { LineMap, type SourceFile, type Span } from '../ast/span.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { ProtocolSymbols, Scope } from '../names/types.js';
import type { TypedSpec } from '../types/stage-types.js';
import * as ty from '../types/types.js';
import type { Type } from '../types/types.js';
import { walk } from '../ast/walk.js';
import { kebab, pascal, safeName } from './naming.js';
import { bindLocal, block, expr, nested, processHelpers, type Env, type Mode } from './translate.js';
import { defaultValue, messageTypeName, tsType, typeDesc } from './ts-types.js';

/** A declaration in the generated file, in output order. */
export type Declaration =
  | { readonly kind: 'interface'; readonly name: string; readonly docs: string; readonly properties: readonly { name: string; type: string; readonly: boolean }[] }
  | { readonly kind: 'typeAlias'; readonly name: string; readonly docs: string; readonly type: string }
  | { readonly kind: 'function'; readonly name: string; readonly docs: string; readonly parameters: readonly { name: string; type: string }[]; readonly returnType: string; readonly statements: readonly string[]; readonly exported: boolean }
  | { readonly kind: 'const'; readonly name: string; readonly docs: string; readonly type?: string; readonly initializer: string; readonly exported: boolean };

export interface ModuleModel {
  /** Output file name, e.g. `bracha-broadcast.ts`. */
  readonly fileName: string;
  readonly sourcePath: string;
  readonly imports: readonly { readonly names: readonly string[]; readonly from: string }[];
  readonly declarations: readonly Declaration[];
}

export interface CodegenOptions {
  /** Import path of the runtime from the output directory. */
  readonly runtimeImport: string;
}

/** Builds the model of every spec file in a checked compilation. */
export function buildCodegenModel(typed: TypedSpec, files: ReadonlyMap<string, SourceFile>, options: CodegenOptions): { models: ModuleModel[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const models: ModuleModel[] = [];
  const fileOfProtocol = new Map<string, string>();
  for (const spec of typed.resolved.specs) for (const p of spec.protocols) fileOfProtocol.set(p.name.text, spec.file);
  for (const spec of typed.resolved.specs) {
    const source = files.get(spec.file);
    if (source === undefined || spec.protocols.length === 0) continue;
    const lines = new LineMap(source.text);
    const where = (span: Span) => `${spec.file}:${lines.position(span.start).line}`;
    const quote = (span: Span) => source.text.slice(span.start, span.end).split('\n')[0]!.trim();
    const declarations: Declaration[] = [];
    const imports = new Map<string, Set<string>>();
    imports.set(options.runtimeImport, new Set(['* as rio']));
    for (const protocol of spec.protocols) {
      const symbols = typed.resolved.protocols.get(protocol.name.text)!;
      const fail = (span: Span, message: string) =>
        diagnostics.push(diagnostic('CodegenUnsupported', span, `cannot generate code: ${message}`));
      const made = protocolModel(symbols, typed, { where, quote, fail, sourceHash: createHash('sha256').update(source.text).digest('hex').slice(0, 16), fileOfProtocol, imports });
      // Protocols of one file share one module: their generated names must not collide.
      const taken = new Set(declarations.map((d) => d.name));
      const clash = made.find((d) => taken.has(d.name) && (d.kind !== 'function' || d.exported));
      if (clash !== undefined) {
        fail(protocol.name.span, `protocol '${protocol.name.text}' would generate '${clash.name}', which another protocol of this file already defines`);
        diagnostics[diagnostics.length - 1] = { ...diagnostics[diagnostics.length - 1]!, hint: 'put each protocol in a file of its own (uses finds it beside this one), or rename the rule or message' };
      }
      declarations.push(...made);
    }
    models.push({
      fileName: `${basename(spec.file).replace(/\.rio$/, '')}.ts`,
      sourcePath: spec.file,
      imports: [...imports].map(([from, names]) => ({ from, names: [...names] })),
      declarations,
    });
  }
  return { models, diagnostics };
}

interface Helpers {
  readonly where: (span: Span) => string;
  readonly quote: (span: Span) => string;
  readonly fail: (span: Span, message: string) => void;
  readonly sourceHash: string;
  readonly fileOfProtocol: ReadonlyMap<string, string>;
  readonly imports: Map<string, Set<string>>;
}

/** Names (spec locals) referenced anywhere inside a node. */
function referencedNames(node: unknown, out = new Set<string>()): Set<string> {
  if (node === null || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const x of node) referencedNames(x, out);
    return out;
  }
  const n = node as Record<string, unknown>;
  if (n['kind'] === 'name') out.add((n['name'] as ast.Name).text);
  if (n['kind'] === 'call' && (n['args'] as unknown[]).length === 0) out.add((n['callee'] as ast.Name).text);
  for (const [k, v] of Object.entries(n)) if (k !== 'span') referencedNames(v, out);
  return out;
}

/**
 * The roles whose processes a protocol tells apart by their ids, beyond equality: it orders
 * them (`<`, `min`, `max`, `max ... by` a process). '*' stands for processes of any role
 * (an order on plain `Process` values). The model checker does not treat such processes as
 * interchangeable (symmetry reduction).
 */
function orderedProcessRoles(protocol: ast.Protocol, typed: TypedSpec): Set<string> {
  const roles = new Set<string>();
  const taint = (t: Type | undefined): void => {
    if (t === undefined) return;
    switch (t.kind) {
      case 'process': roles.add(t.role ?? '*'); return;
      case 'option': case 'set': case 'seq': taint(t.of); return;
      case 'map': taint(t.key); taint(t.value); return;
      case 'tuple': t.elements.forEach(taint); return;
      case 'record': case 'message': t.fields.forEach((f) => taint(f.type)); return;
      default: return;
    }
  };
  const typeOf = (e: ast.Expr) => typed.types.get(e.id);
  const roleOf = (t: Type | undefined) => (t?.kind === 'process' ? t.role : undefined);
  // Scenarios are left out: the model checker takes only their parameters and requests, and
  // a request's process is never permuted.
  const members = protocol.members.filter((m) => m.kind !== 'scenario');
  walk({ ...protocol, members } as ast.Protocol, (n) => {
    if (n.kind === 'binary' && (n.op === '<' || n.op === '<=' || n.op === '>' || n.op === '>=')) {
      // `q < p` with q of role R and p any process orders R's processes (q ranges over R).
      const [l, r] = [typeOf(n.left), typeOf(n.right)];
      if (roleOf(l) !== undefined || roleOf(r) !== undefined) {
        for (const t of [l, r]) if (roleOf(t) !== undefined) roles.add(roleOf(t)!);
      } else {
        taint(l);
        taint(r);
      }
    } else if (n.kind === 'call' && (n.callee.text === 'min' || n.callee.text === 'max') && n.args.length === 1) {
      taint(typeOf(n.args[0]!));
    } else if (n.kind === 'extremum') {
      taint(typeOf(n.key));
    }
  });
  return roles;
}

function protocolModel(p: ProtocolSymbols, typed: TypedSpec, h: Helpers): Declaration[] {
  const prefix = p.decl.name.text;
  const P = `${prefix}Params`;
  const S = `${prefix}State`;
  const out: Declaration[] = [];
  const envFor = (mode: Mode): Env => ({ typed, protocol: p, mode, locals: new Map(), fail: h.fail, used: new Set() });
  /**
   * State variables that change only one way: a `Bool` only ever assigned `true`, an
   * `Option` only ever assigned `some(...)` (whole-variable assignments, anywhere in the
   * protocol). Once `x` is true or set it stays so, so a guard `not x` or `x = none` that
   * is false is false for good (crash–stop; a restart resets such variables).
   */
  const oneWay = new Map<string, 'true' | 'some'>();
  {
    const seen = new Map<string, 'true' | 'some' | 'other'>();
    walk(p.decl, (n) => {
      if (n.kind !== 'assign') return;
      const target = n.target.kind === 'name' ? typed.refs.get(n.target.id) : undefined;
      const root = (e: ast.Expr): ast.Expr => (e.kind === 'index' ? root(e.target) : e.kind === 'field' ? root(e.target) : e);
      if (target === undefined || target.kind !== 'state') {
        const r = root(n.target);
        const ref = r.kind === 'name' ? typed.refs.get(r.id) : undefined;
        if (ref?.kind === 'state') seen.set(ref.name, 'other');
        return;
      }
      const v = n.value;
      const kind = v.kind === 'bool' && v.value ? 'true' : v.kind === 'call' && v.callee.text === 'some' && typed.calls.get(v.id)?.kind === 'builtin' ? 'some' : 'other';
      const before = seen.get(target.name);
      seen.set(target.name, before === undefined || before === kind ? kind : 'other');
    });
    for (const [name, kind] of seen) if (kind !== 'other') oneWay.set(name, kind);
  }


  // ---- types ----
  out.push({
    kind: 'interface', name: P, docs: `Parameters of ${prefix} (${h.where(p.decl.name.span)}).`,
    properties: [...p.params.values()].map((x) => ({ name: x.decl.name.text, type: tsType(x.type), readonly: true })),
  });
  for (const [name, t] of p.types) {
    if (t.kind === 'record') {
      // A type alias, not an interface: records travel in messages and signed values, which
      // must be `Data`, and only an object type alias gets the implicit index signature.
      out.push({ kind: 'typeAlias', name: pascal(name), docs: `Record ${name}.`, type: `{ ${t.fields.map((f) => `readonly ${f.name}: ${tsType(f.type)};`).join(' ')} }` });
    } else if (t.kind === 'enum') {
      out.push({ kind: 'typeAlias', name: pascal(name), docs: `Enum ${name}.`, type: t.members.map((m) => JSON.stringify(m)).join(' | ') });
    }
  }
  const taggedType = (tag: string, fields: readonly { name: string; type: Type }[]) =>
    `{ readonly type: ${JSON.stringify(tag)}; ${fields.map((f) => `readonly ${f.name}: ${tsType(f.type)};`).join(' ')} }`;
  for (const [name, m] of p.messages) {
    for (const f of m.type.fields) if (f.name === 'type' || f.name === 'sender') h.fail(m.decl.span, `a message field cannot be named '${f.name}'`);
    out.push({ kind: 'typeAlias', name: messageTypeName(name), docs: `Message \`${h.quote(m.decl.span)}\` (${h.where(m.decl.span)}).`, type: taggedType(name, m.type.fields) });
  }
  if (p.messages.size > 0) {
    // `protocol Ping` with a message PING would otherwise name both `PingMessage`.
    const union = [...p.messages.keys()].some((m) => messageTypeName(m) === `${prefix}Message`) ? `${prefix}AnyMessage` : `${prefix}Message`;
    out.push({ kind: 'typeAlias', name: union, docs: `Every message of ${prefix}.`, type: [...p.messages.keys()].map(messageTypeName).join(' | ') });
  }
  for (const [kind, table] of [['Request', p.requests], ['Indication', p.indications]] as const) {
    for (const [name, e] of table) {
      out.push({
        kind: 'typeAlias', name: `${pascal(name)}${kind}`, docs: `\`${h.quote(e.decl.span)}\` (${h.where(e.decl.span)}).`,
        type: taggedType(name, e.decl.params.map((x, i) => ({ name: x.name.text, type: e.params[i]! }))),
      });
    }
  }
  const allState = new Map<string, { type: Type; decls: { scope: Scope; decl: ast.StateVar }[] }>();
  for (const scope of p.scopes) {
    for (const [name, v] of scope.state) {
      const entry = allState.get(name);
      if (entry === undefined) allState.set(name, { type: v.type, decls: [{ scope, decl: v.decl }] });
      else {
        if (!ty.isAssignable(v.type, entry.type) || !ty.isAssignable(entry.type, v.type)) {
          h.fail(v.decl.name.span, `state variable '${name}' has different types in different roles`);
        }
        entry.decls.push({ scope, decl: v.decl });
      }
    }
  }
  out.push({
    kind: 'interface', name: S, docs: `The state of one ${prefix} process.`,
    properties: [...allState].map(([name, v]) => ({ name, type: tsType(v.type), readonly: false })),
  });
  out.push({ kind: 'typeAlias', name: `${prefix}Context`, docs: 'What rule bodies may do (send, broadcast, trigger, timers, choose).', type: `rio.RuleContext<${P}>` });
  const Ctx = `${prefix}Context`;

  // ---- process layout helpers ----
  const staticEnv = () => envFor('static');
  const roleCounts = [...p.roles.values()].map((r) => ({ name: r.name.text, count: expr(staticEnv(), r.count) }));
  const processCount = roleCounts.length === 0 ? 'params.n' : roleCounts.map((r) => `(${r.count})`).join(' + ');
  const helpers = processHelpers(prefix);
  out.push({
    kind: 'function', name: helpers.count, exported: false, docs: 'The number of processes.',
    parameters: [{ name: 'params', type: P }], returnType: 'number', statements: [`return ${processCount};`],
  });
  const countFn = helpers.count;
  {
    out.push({
      kind: 'function', name: helpers.all, exported: false, docs: 'Every process id, 0 .. n-1.',
      parameters: [{ name: 'params', type: P }], returnType: 'rio.RSet<rio.Process>', statements: [`return rio.range(0, ${countFn}(params) - 1);`],
    });
    const roleLines: string[] = ['let first = 0;'];
    for (const r of roleCounts) {
      roleLines.push(`const ${safeName(r.name)}Count = ${r.count};`);
      roleLines.push(`if (role === ${JSON.stringify(r.name)}) return rio.range(first, first + ${safeName(r.name)}Count - 1);`);
      roleLines.push(`first += ${safeName(r.name)}Count;`);
    }
    roleLines.push('return [];');
    out.push({
      kind: 'function', name: helpers.role, exported: false, docs: 'The processes playing a role (roles take consecutive ids in declaration order).',
      parameters: [{ name: 'params', type: P }, { name: 'role', type: 'string' }], returnType: 'rio.RSet<rio.Process>',
      statements: roleCounts.length === 0 ? ['return [];'] : roleLines,
    });
  }

  // ---- constants and definitions ----
  for (const [name, decl] of p.consts) {
    const env = staticEnv();
    const t = typed.types.get(decl.value.id) ?? ty.unknown;
    out.push({
      kind: 'function', name: safeName(name), exported: true, docs: `\`${h.quote(decl.span)}\` (${h.where(decl.span)})`,
      parameters: [{ name: 'params', type: P }], returnType: tsType(t), statements: [`return ${expr(env, decl.value)};`],
    });
  }
  for (const scope of p.scopes) {
    for (const [name, def] of scope.defs) {
      const stateful = typed.stateReadingDefs.has(name);
      const env = envFor(stateful ? 'stateDef' : 'pureDef');
      const params = def.decl.params.map((x, i) => ({ name: bindLocal(env, x.name.text), type: tsType(def.params[i]!) }));
      out.push({
        kind: 'function', name: safeName(name), exported: true, docs: `\`${h.quote(def.decl.span)}\` (${h.where(def.decl.span)})`,
        parameters: [...(stateful ? [{ name: 'ctx', type: Ctx }, { name: 'state', type: S }] : [{ name: 'params', type: P }]), ...params],
        returnType: tsType(def.result), statements: [`return ${expr(env, def.decl.body)};`],
      });
    }
  }

  // ---- rules ----
  const ruleEntries: string[] = [];
  const usedNames = new Set<string>();
  for (const scope of p.scopes) {
    for (const rule of scope.rules) {
      const generated = ruleModel(rule, scope);
      out.push(generated.fn);
      ruleEntries.push(generated.entry);
    }
  }

  function ruleName(rule: ast.Rule): string {
    let base: string;
    if (rule.label !== undefined) base = rule.label.text;
    else {
      const e = rule.event;
      switch (e.kind) {
        case 'start': base = 'onStart'; break;
        case 'request': base = `on${pascal(e.name.text)}`; break;
        case 'timeout': base = `onTimeout${pascal(e.timer.text)}`; break;
        case 'indication': base = `on${pascal(e.instance.module.text)}${pascal(e.name.text)}`; break;
        case 'condition': base = 'onCondition'; break;
        case 'receive': {
          const q = e.from;
          const from = q.kind === 'any' ? 'FromAny'
            : q.kind === 'process' ? (q.process.kind === 'name' && typed.binds.has(q.process.id) ? '' : q.process.kind === 'name' ? `From${pascal(q.process.name.text)}` : 'FromProcess')
            : q.kind === 'majority' ? 'FromMajority' : q.kind === 'all' ? 'FromAll' : 'FromQuorum';
          base = `onReceiving${pascal(e.message.text)}${from}`;
          break;
        }
      }
    }
    let name = safeName(base);
    for (let i = 2; usedNames.has(name); i++) name = `${safeName(base)}${i}`;
    usedNames.add(name);
    return name;
  }

  function ruleModel(rule: ast.Rule, scope: Scope): { fn: Declaration; entry: string } {
    const name = ruleName(rule);
    const event = rule.event;
    const bindEnv = envFor('rule');
    const bindLines: string[] = [];
    const bindingFields: { name: string; ts: string; type: string }[] = [];
    const matchKeys: string[] = [];
    /** The type of each key of the binding, for renaming processes (symmetry reduction). */
    const bindingTypes: string[] = [];
    /** Pattern element i, read from `source`, either binds a fresh name or must match. */
    const pattern = (element: ast.Expr, source: string, index: number, fieldType: Type) => {
      if (element.kind === 'wildcard') return;
      if (element.kind === 'name' && typed.binds.has(element.id)) {
        const ts = bindLocal(bindEnv, element.name.text);
        bindLines.push(`const ${ts} = ${source};`);
        bindingFields.push({ name: element.name.text, ts, type: tsType(fieldType) });
        bindingTypes.push(`${JSON.stringify(element.name.text)}: ${typeDesc(fieldType)}`);
        return;
      }
      const expected = expr(bindEnv, element);
      const primitive = ['nat', 'int', 'bool', 'process', 'value', 'enum', 'string'].includes(fieldType.kind);
      bindLines.push(primitive ? `if (${source} !== ${expected}) return null;` : `if (!rio.equals(${source}, ${expected})) return null;`);
      // Matched values are part of the binding, so a rule fires once per value they take.
      matchKeys.push(`$${index + 1}: ${source}`);
      bindingTypes.push(`${JSON.stringify(`$${index + 1}`)}: ${typeDesc(fieldType)}`);
    };
    const finishBind = (extra: string[] = []) => {
      const fields = [...bindingFields.map((f) => (f.ts === f.name ? f.ts : `${f.name}: ${f.ts}`)), ...matchKeys, ...extra];
      return [...bindLines, `return { ${fields.join(', ')} };`];
    };
    /** A lambda over the first parameters it needs (unused trailing ones are left out). */
    const lambdaOf = (params: string, lines: string[]) => {
      const names = params.split(',').map((x) => x.trim());
      const text = lines.join(' ');
      let needed = names.length;
      while (needed > 0 && !new RegExp(`\\b${names[needed - 1]}\\b`).test(text)) needed--;
      const list = names.slice(0, needed).map((n, i) => (new RegExp(`\\b${n}\\b`).test(text) || i === needed - 1 ? n : `_${n}`)).join(', ');
      return lines.length === 1 && lines[0]!.startsWith('return ') ? `(${list}) => (${lines[0]!.slice(7, -1)})` : `(${list}) => { ${text} }`;
    };

    let entry: string[];
    let eventDoc: string;
    switch (event.kind) {
      case 'start':
        entry = [];
        eventDoc = 'start';
        break;
      case 'request': {
        const request = p.requests.get(event.name.text)!;
        event.params.forEach((x, i) => pattern(x, `request.${request.decl.params[i]!.name.text}`, i, request.params[i]!));
        entry = [`request: ${JSON.stringify(event.name.text)}`, `bind: ${lambdaOf('request, ctx, state', finishBind())}`];
        eventDoc = 'request';
        break;
      }
      case 'timeout': {
        const timer = scope.timers.get(event.timer.text) ?? p.scopes[0]!.timers.get(event.timer.text)!;
        event.params.forEach((x, i) => pattern(x, `args[${i}] as ${tsType(timer.params[i]!)}`, i, timer.params[i]!));
        entry = [`timer: ${JSON.stringify(event.timer.text)}`, `bind: ${lambdaOf('args, ctx, state', finishBind())}`];
        eventDoc = 'timeout';
        break;
      }
      case 'indication': {
        const module = p.modules.get(event.instance.module.text)!;
        const indication = module.protocol?.indications.get(event.name.text);
        if (event.instance.key !== undefined && module.keyType !== undefined) pattern(event.instance.key, `key as ${tsType(module.keyType)}`, -1, module.keyType);
        event.params.forEach((x, i) => {
          const t = indication?.params[i] ?? ty.unknown;
          pattern(x, `indication.${indication?.decl.params[i]?.name.text ?? `f${i}`} as ${tsType(t)}`, i, t);
        });
        entry = [`module: ${JSON.stringify(event.instance.module.text)}`, `indication: ${JSON.stringify(event.name.text)}`, `bind: ${lambdaOf('key, indication, ctx, state', finishBind())}`];
        eventDoc = 'indication';
        break;
      }
      case 'condition': {
        entry = [`condition: (ctx, state) => ${expr(bindEnv, event.condition)}`];
        eventDoc = 'condition';
        break;
      }
      case 'receive': {
        const message = p.messages.get(event.message.text)!;
        event.params.forEach((x, i) => pattern(x, `message.${message.type.fields[i]!.name}`, i, message.type.fields[i]!.type));
        const q = event.from;
        let quorum: string;
        const among = (e: ast.Expr | undefined) => (e === undefined ? '' : `, among: (ctx, state) => ${expr(envFor('rule'), e)}`);
        switch (q.kind) {
          case 'any':
            quorum = "{ kind: 'single' }";
            break;
          case 'process':
            if (q.process.kind === 'name' && typed.binds.has(q.process.id)) {
              const ts = bindLocal(bindEnv, q.process.name.text);
              bindLines.push(`const ${ts} = sender;`);
              bindingFields.push({ name: q.process.name.text, ts, type: 'rio.Process' });
              bindingTypes.push(`${JSON.stringify(q.process.name.text)}: { kind: 'process' }`);
            } else {
              bindLines.push(`if (sender !== ${expr(bindEnv, q.process)}) return null;`);
            }
            quorum = "{ kind: 'single' }";
            break;
          case 'count':
            quorum = `{ kind: 'count', threshold: (ctx, state) => ${expr(envFor('rule'), q.count)}${q.moreThan ? ' + 1' : ''}${among(q.among)} }`;
            break;
          case 'majority': {
            const set = q.among === undefined ? 'ctx.processes' : expr(envFor('rule'), q.among);
            quorum = `{ kind: 'count', threshold: (ctx, state) => rio.div(rio.size(${set}), 2) + 1${among(q.among)} }`;
            break;
          }
          case 'all': {
            const set = q.among === undefined ? 'ctx.processes' : expr(envFor('rule'), q.among);
            quorum = `{ kind: 'count', threshold: (ctx, state) => rio.size(${set})${among(q.among)} }`;
            break;
          }
        }
        entry = [`message: ${JSON.stringify(event.message.text)}`, `quorum: ${quorum}`];
        if (event.binding !== undefined) {
          entry.push(`collectAs: ${JSON.stringify(event.binding.text)}`);
          bindingFields.push({ name: event.binding.text, ts: safeName(event.binding.text), type: `rio.RSet<rio.WithSender<${messageTypeName(event.message.text)}>>` });
        }
        const bindFields = bindingFields.filter((f) => f.name !== event.binding?.text);
        const savedFields = bindingFields.splice(0, bindingFields.length, ...bindFields);
        const bindText = finishBind();
        // A pattern that matches against parameters only (not state) can be indexed.
        const staticBind = !/\bstate\b/.test(bindText.join(' '));
        if (staticBind) entry.push('staticBind: true');
        entry.push(`bind: ${lambdaOf('message, sender, ctx, state', bindText)}`);
        entry.push(...guardShortcuts(rule.guard, bindFields.map((f) => f.name), event.binding?.text, staticBind));
        entry.push(`bindingTypes: { ${bindingTypes.join(', ')} }`);
        bindingFields.splice(0, bindingFields.length, ...savedFields);
        eventDoc = 'receive';
        break;
      }
    }
    void eventDoc;
    /**
     * What the engine may use to skip work the guard would reject anyway (the guard itself
     * is still evaluated in full): the leading conjuncts that do not read the binding
     * (`precondition`: when false, no binding fires), and conjuncts `x = e` that pin a pattern
     * variable to a value computed from the state (`pin`: only the groups with those values
     * can fire, so `when b = ballot` finds its group directly instead of scanning every old
     * ballot's).
     */
    function guardShortcuts(guardExpr: ast.Expr | undefined, patternNames: readonly string[], collectName: string | undefined, indexed: boolean): string[] {
      if (guardExpr === undefined) return [];
      const conjuncts: ast.Expr[] = [];
      const flatten = (e: ast.Expr): void => {
        if (e.kind === 'binary' && e.op === 'and') {
          flatten(e.left);
          flatten(e.right);
        } else conjuncts.push(e);
      };
      flatten(guardExpr);
      const bindingNames = new Set([...patternNames, ...(collectName === undefined ? [] : [collectName])]);
      const readsBinding = (e: ast.Expr) => [...referencedNames(e)].some((n) => bindingNames.has(n));
      const env = envFor('rule');
      const out: string[] = [];
      const lambda = (text: string) => `(${/\bctx\b/.test(text) ? 'ctx' : '_ctx'}, ${/\bstate\b/.test(text) ? 'state' : '_state'}) => ${text}`;
      const leading = conjuncts.findIndex(readsBinding);
      const pre = leading === -1 ? conjuncts : conjuncts.slice(0, leading);
      if (pre.length > 0) out.push(`precondition: ${lambda(pre.map((c) => expr(nested(env), c)).join(' && '))}`);
      // Conjuncts that, once false, stay false: the rule can never fire again.
      const stops = pre.flatMap((c): string[] => {
        const stateName = (e: ast.Expr) => (e.kind === 'name' && typed.refs.get(e.id)?.kind === 'state' ? e.name.text : undefined);
        if (c.kind === 'unary' && c.op === 'not') {
          const x = stateName(c.operand);
          return x !== undefined && oneWay.get(x) === 'true' ? [expr(nested(env), c.operand)] : [];
        }
        if (c.kind === 'binary' && c.op === '=') {
          const [name, other] = c.right.kind === 'none' ? [c.left, c.right] : [c.right, c.left];
          const x = stateName(name);
          return other.kind === 'none' && x !== undefined && oneWay.get(x) === 'some' ? [`${expr(nested(env), name)} !== null`] : [];
        }
        return [];
      });
      if (stops.length > 0) out.push(`stopsWhen: ${lambda(stops.join(' || '))}`);
      // Conjuncts comparing a Nat field of the message with a Nat state variable, false for
      // this message and false for good if the variable never decreases (`b = ballot` once
      // b < ballot): the model checker leaves such messages out of a state's identity,
      // assuming the variable never decreases and checking that it does not.
      const stale: string[] = [];
      const isNat = (e: ast.Expr) => typed.types.get(e.id)?.kind === 'nat';
      const flipped: Record<string, string> = { '=': '=', '>': '<', '>=': '<=', '<': '>', '<=': '>=' };
      for (const c of indexed ? conjuncts : []) {
        if (c.kind !== 'binary' || flipped[c.op] === undefined) continue;
        for (const [field, variable, op] of [[c.left, c.right, c.op], [c.right, c.left, flipped[c.op]!]] as const) {
          if (field.kind !== 'name' || !patternNames.includes(field.name.text) || !isNat(field)) continue;
          if (variable.kind !== 'name' || typed.refs.get(variable.id)?.kind !== 'state' || !isNat(variable)) continue;
          // field op x is false for good once: field < x (op '=' or '>='), field <= x (op '>').
          const test = op === '=' || op === '>=' ? '<' : op === '>' ? '<=' : undefined;
          if (test === undefined) continue;
          const ts = bindingFields.find((f) => f.name === field.name.text)!.ts;
          stale.push(`{ variable: ${JSON.stringify(variable.name.text)}, when: (binding, state) => binding.${ts} ${test} ${expr(nested(env), variable)} }`);
        }
      }
      if (stale.length > 0) out.push(`staleWhen: [${stale.join(', ')}]`);
      if (!indexed) return out;
      const pins: { field: string; value: string }[] = [];
      for (const c of conjuncts) {
        if (c.kind !== 'binary' || c.op !== '=') continue;
        for (const [side, other] of [[c.left, c.right], [c.right, c.left]] as const) {
          if (side.kind !== 'name' || !patternNames.includes(side.name.text) || readsBinding(other)) continue;
          if (pins.some((x) => x.field === side.name.text)) continue;
          pins.push({ field: side.name.text, value: expr(nested(env), other) });
          break;
        }
      }
      if (pins.length > 0) {
        const fieldsTs = pins.map((x) => JSON.stringify(bindingFields.find((f) => f.name === x.field)!.ts));
        out.push(`pin: { fields: [${fieldsTs.join(', ')}], values: ${lambda(`[${pins.map((x) => x.value).join(', ')}]`)} }`);
      }
      return out;
    }
    // Guard and body see the binding's names.
    const bodyEnv = envFor('rule');
    for (const f of bindingFields) bodyEnv.locals.set(f.name, f.ts);
    for (const f of bindingFields) bodyEnv.used.add(f.ts);
    const referenced = referencedNames([rule.guard, rule.body]);
    const used = bindingFields.filter((f) => referenced.has(f.name));
    const bindingType = `{ ${bindingFields.map((f) => `readonly ${f.ts}: ${f.type};`).join(' ')} }`;
    const destructure = used.length === 0 ? undefined : `{ ${used.map((f) => f.ts).join(', ')} }`;
    const guard = rule.guard === undefined ? undefined : expr(nested(bodyEnv), rule.guard);
    const body = block(bodyEnv, rule.body);
    const parameters = [{ name: 'ctx', type: Ctx }, { name: 'state', type: S }, ...(destructure === undefined ? [] : [{ name: destructure, type: bindingType }])];
    function guardLambda(text: string): string {
      const usedInGuard = bindingFields.filter((f) => referencedNames(rule.guard).has(f.name)).map((f) => f.ts);
      if (usedInGuard.length > 0) return `(ctx, state, { ${usedInGuard.join(', ')} }) => ${text}`;
      return /\bctx\b/.test(text) ? `(ctx, state) => ${text}` : `(_ctx, state) => ${text}`;
    }
    const fn: Declaration = {
      kind: 'function', name, exported: true,
      docs: `\`${h.quote(rule.span)}\` (${h.where(rule.span)})`,
      parameters, returnType: 'void', statements: body,
    };
    const helper = event.kind === 'start' ? 'onStart' : event.kind === 'request' ? 'onRequest' : event.kind === 'timeout' ? 'onTimeout' : event.kind === 'indication' ? 'onIndication' : event.kind === 'condition' ? 'onCondition' : 'onReceive';
    const typeArgs = event.kind === 'start' || event.kind === 'condition' ? `<${P}, ${S}>`
      : event.kind === 'request' ? `<${P}, ${S}, ${pascal(event.name.text)}Request, ${bindingType}>`
      : event.kind === 'receive' && event.binding !== undefined
        ? `<${P}, ${S}, ${messageTypeName(event.message.text)}, { ${bindingFields.filter((f) => f.name !== event.binding!.text).map((f) => `readonly ${f.ts}: ${f.type};`).join(' ')} }, { ${bindingFields.filter((f) => f.name === event.binding!.text).map((f) => `readonly ${f.ts}: ${f.type};`).join(' ')} }>`
      : event.kind === 'receive' ? `<${P}, ${S}, ${messageTypeName(event.message.text)}, ${bindingType}>`
      : event.kind === 'indication' ? `<${P}, ${S}, rio.Tagged, ${bindingType}>`
      : `<${P}, ${S}, ${bindingType}>`;
    const fields = [
      `name: ${JSON.stringify(name)}`,
      `source: ${JSON.stringify(h.where(rule.span))}`,
      ...(scope.role === undefined ? [] : [`role: ${JSON.stringify(scope.role.name.text)}`]),
      ...entry,
      ...(guard === undefined ? [] : [`guard: ${guardLambda(guard)}`]),
      `body: ${name}`,
    ];
    return { fn, entry: `rio.${helper}${typeArgs}({ ${fields.join(', ')} })` };
  }

  // ---- the module object ----
  const fieldsDesc = (params: readonly ast.Param[], types: readonly Type[]) => `[${params.map((x, i) => `{ name: ${JSON.stringify(x.name.text)}, type: ${typeDesc(types[i]!)} }`).join(', ')}]`;
  const requests = [...p.requests.values()].map((r) => {
    let at = '';
    if (r.decl.at !== undefined) {
      const t = typed.types.get(r.decl.at.id);
      const e = expr(staticEnv(), r.decl.at);
      at = `, at: (params) => ${t?.kind === 'set' ? e : `rio.setOf([${e}])`}`;
    }
    return `{ name: ${JSON.stringify(r.decl.name.text)}, fields: ${fieldsDesc(r.decl.params, r.params)}${at} }`;
  });
  const timers = p.scopes.flatMap((s) => [...s.timers.values()]).map((t) => `{ name: ${JSON.stringify(t.decl.name.text)}, fields: ${fieldsDesc(t.decl.params, t.params)} }`);
  const faultBound = (model: 'crash' | 'byzantine') => {
    const decl = p.faults.find((f) => f.model === model);
    return decl === undefined ? '() => 0' : `(params) => ${expr(staticEnv(), decl.bound)}`;
  };
  const assumptions = p.assumes.map((a) => `...(${expr(staticEnv(), a.condition)} ? [] : [${JSON.stringify(h.quote(a.condition.span))}])`);
  const roleOf = roleCounts.length === 0
    ? '() => undefined'
    : `(params, p) => { ${roleCounts.map((r) => `if (rio.has(${helpers.role}(params, ${JSON.stringify(r.name)}), p)) return ${JSON.stringify(r.name)};`).join(' ')} return undefined; }`;
  const initFields = [...allState].map(([name, v]) => {
    const values = v.decls.map((d) => ({ role: d.scope.role?.name.text, value: d.decl.init === undefined ? defaultValue(v.type) : expr(staticEnv(), d.decl.init) }));
    if (values.length === 1) return `${name}: ${values[0]!.value}`;
    return `${name}: ${values.slice(0, -1).map((x) => `role === ${JSON.stringify(x.role)} ? ${x.value} : `).join('')}${values[values.length - 1]!.value}`;
  });
  const modules = [...p.modules.values()].map((m) => {
    const child = m.protocol;
    if (child === undefined) return 'null';
    const childFile = h.fileOfProtocol.get(child.decl.name.text)!;
    const childName = child.decl.name.text;
    const from = `./${basename(childFile).replace(/\.rio$/, '')}.js`;
    if (h.fileOfProtocol.get(prefix) !== childFile) {
      const set = h.imports.get(from) ?? new Set<string>();
      set.add(childName);
      h.imports.set(from, set);
    }
    const env = staticEnv();
    const keyName = m.decl.key === undefined ? '_key' : bindLocal(env, m.decl.key.name.text);
    const args = [...child.params.keys()].map((name, i) => `${name}: ${m.decl.args[i] === undefined ? 'null' : expr(env, m.decl.args[i]!)}`);
    return `{ alias: ${JSON.stringify(m.decl.alias.text)}, keyed: ${m.decl.key !== undefined}, protocol: () => ${childName}, params: (params, ${keyName}) => ({ ${args.join(', ')} }) }`;
  });
  void kebab;
  /**
   * The state variables the properties read (`view.state(p).x`), for the model checker to
   * leave the others out for crashed processes; undefined when the properties pass the view
   * or a process's state along some other way.
   */
  let propertyReads: Set<string> | undefined = new Set<string>();
  /** Whether a property reads `correct` (a crash then changes what it says). */
  let readsCorrect = false;
  const properties = p.properties.map((prop) => {
    const env = envFor('property');
    const body = expr(env, prop.body);
    if (/\bview\.correct\b/.test(body)) readsCorrect = true;
    const uses = body.match(/\bview\b/g)?.length ?? 0;
    const other = body.match(/\bview\.(processes|correct|role\(|indications\()/g)?.length ?? 0;
    const reads = [...body.matchAll(/\bview\.state\((?:[^()]|\([^()]*\))*\)\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!);
    if (propertyReads !== undefined && uses === other + reads.length) for (const r of reads) propertyReads.add(r);
    else propertyReads = undefined;
    return `{ name: ${JSON.stringify(prop.name.text)}, kind: '${prop.temporal}', source: ${JSON.stringify(h.where(prop.span))}, holds: (params, view) => ${body} }`;
  });
  const scenarios = p.scenarios.map((sc) => {
    const env = staticEnv();
    for (const b of sc.bindings) {
      for (const n of referencedNames(b.value)) if (p.params.has(n) || p.consts.has(n)) h.fail(b.value.span, 'scenario parameter values must be constants');
    }
    const paramsObj = `{ ${sc.bindings.map((b) => `${b.name.text}: ${expr(env, b.value)}`).join(', ')} }`;
    const steps = sc.steps.map((step) => {
      if (step.kind === 'scenarioFault') return `{ kind: '${step.fault}', at: ${expr(env, step.time)}, process: ${expr(env, step.process)} }`;
      const request = p.requests.get(step.request.text);
      const fields = request?.decl.params.map((x) => x.name.text) ?? [];
      const args = [`type: ${JSON.stringify(step.request.text)}`, ...fields.map((f, i) => `${f}: ${step.args[i] === undefined ? 'null' : expr(env, step.args[i]!)}`)];
      return `{ kind: 'request', at: ${expr(env, step.time)}, process: ${expr(env, step.process)}, request: { ${args.join(', ')} } }`;
    });
    return `{ name: ${JSON.stringify(sc.name.text)}, params: ${paramsObj}, steps: (params) => [${steps.join(', ')}] }`;
  });
  // Per role ('' without roles): the state variables its processes have whose declaration satisfies `keep`.
  const variablesByRole = (keep: (decl: ast.StateVar) => boolean): string =>
    `{ ${(roleCounts.length === 0 ? [''] : roleCounts.map((r) => r.name))
      .map((role) => {
        const names = [...allState]
          .filter(([, v]) => v.decls.some((d) => (d.scope.role === undefined || d.scope.role.name.text === role) && keep(d.decl)))
          .map(([name]) => JSON.stringify(name));
        return `${JSON.stringify(role)}: [${names.join(', ')}]`;
      })
      .join(', ')} }`;
  // Validity predicates (`M(fields) when ...`): run by the engine on each received message
  // before any rule sees it, with the receiving process's context (for its cryptography).
  const validity = [...p.messages.values()].flatMap((m) => {
    if (m.decl.valid === undefined) return [];
    const env = envFor('rule');
    const fields = m.decl.fields.map((f) => bindLocal(env, f.name.text));
    const sender = m.decl.fields.some((f) => f.name.text === 'sender') ? '_sender' : bindLocal(env, 'sender');
    const body = expr(env, m.decl.valid);
    const used = referencedNames(m.decl.valid);
    const destructure = m.decl.fields.map((f, i) => (used.has(f.name.text) ? fields[i]! : undefined)).filter((x) => x !== undefined);
    const messageParam = destructure.length === 0 ? '_message' : `{ ${destructure.join(', ')} }: ${messageTypeName(m.decl.name.text)}`;
    const ctxName = /\bctx\b/.test(body) ? 'ctx' : '_ctx';
    const stateName = /\bstate\b/.test(body) ? 'state' : '_state';
    const senderName = used.has('sender') ? sender : '_sender';
    return [`${JSON.stringify(m.decl.name.text)}: (${ctxName}, ${stateName}, ${messageParam}, ${senderName}) => ${body}`];
  });
  const moduleObject = `{
    name: ${JSON.stringify(prefix)},
    source: ${JSON.stringify(h.fileOfProtocol.get(prefix))},
    sourceHash: ${JSON.stringify(h.sourceHash)},
    parameters: ${fieldsDesc([...p.params.values()].map((x) => x.decl), [...p.params.values()].map((x) => x.type))},
    messages: [${[...p.messages.values()].map((m) => `{ name: ${JSON.stringify(m.decl.name.text)}, fields: ${fieldsDesc(m.decl.fields, m.type.fields.map((f) => f.type))} }`).join(', ')}],
    requests: [${requests.join(', ')}],
    indications: [${[...p.indications.values()].map((r) => `{ name: ${JSON.stringify(r.decl.name.text)}, fields: ${fieldsDesc(r.decl.params, r.params)} }`).join(', ')}],
    timers: [${timers.join(', ')}],
    roles: [${roleCounts.map((r) => `{ name: ${JSON.stringify(r.name)}, count: (params) => ${r.count} }`).join(', ')}],
    faults: { crash: ${faultBound('crash')}, byzantine: ${faultBound('byzantine')} },
    violatedAssumptions: (${assumptions.length === 0 ? '' : 'params'}) => [${assumptions.join(', ')}],
    processCount: ${countFn},
    roleOf: ${roleOf},
    stateVariables: ${variablesByRole(() => true)},
    stateTypes: { ${[...allState].map(([name, v]) => `${JSON.stringify(name)}: ${typeDesc(v.type)}`).join(', ')} },
    orderedProcesses: [${[...orderedProcessRoles(p.decl, typed)].map((r) => JSON.stringify(r)).join(', ')}],
    durableVariables: ${variablesByRole((d) => d.durable)},
    initialState: (${/\bparams\b/.test(initFields.join()) || /\brole\b/.test(initFields.join()) ? 'params' : '_params'}${/\brole\b/.test(initFields.join()) ? ', _self, role' : ''}) => ({ ${initFields.join(', ')} }),
    rules: [${ruleEntries.join(',\n')}],${validity.length === 0 ? '' : `\n    validity: { ${validity.join(',\n')} },`}
    modules: [${modules.join(', ')}],
    properties: [${properties.join(',\n')}],${propertyReads === undefined ? '' : `\n    propertyReads: [${[...propertyReads].sort().map((r) => JSON.stringify(r)).join(', ')}],`}
    propertiesReadCorrect: ${readsCorrect},
    scenarios: [${scenarios.join(',\n')}],
  }`;
  out.push({
    kind: 'const', name: prefix, exported: true, type: `rio.ProtocolModule<${P}, ${S}>`,
    docs: `${prefix}, compiled from ${h.fileOfProtocol.get(prefix)}.`, initializer: moduleObject,
  });
  return out;
}
