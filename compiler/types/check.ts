/**
 * Resolves every name used in expressions and rule bodies and gives every expression a
 * type. Also runs the whole-protocol checks that need both: messages sent and received,
 * timers started, requests handled, quorum thresholds, state used in properties.
 */
import type * as ast from '../ast/ast.js';
import { assertNever } from '../ast/ast.js';
import type { Span } from '../ast/span.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../names/suggest.js';
import type { DefSymbol, ProtocolSymbols, ResolvedSpec, Scope } from '../names/types.js';
import type { CallTarget, Ref, TypedSpec } from './stage-types.js';
import * as ty from './types.js';
import { elementType, hasDefault, isAssignable, isComparable, isNumeric, isOrdered, join, showType, votesForm, type Type } from './types.js';

/** `message`: a message's validity predicate (its fields and sender, no process state). */
type Mode = 'process' | 'property' | 'static' | 'message';

interface Local {
  readonly type: Type;
  readonly span: Span;
}

interface Ctx {
  readonly protocol: ProtocolSymbols;
  readonly mode: Mode;
  /** The scope whose state is visible (role or protocol level); only in process mode. */
  readonly scope?: Scope;
  readonly locals: ReadonlyMap<string, Local>;
  /**
   * Set while checking a def body: whether it runs on a process (reads state, `self`, or the
   * process's cryptography), and whether it depends on which process that is (reads state or
   * `self`, or signs); a validity predicate may call defs that use cryptography only.
   */
  readonly def?: { readonly name: string; readsState: boolean; readsProcess: boolean };
}

const builtinFunctions = new Set([
  'some', 'get', 'size', 'keys', 'values', 'elems', 'max', 'min', 'sum', 'last', 'append', 'head', 'tail',
  'sign', 'verify', 'hash', 'cert', 'signers', 'signedBy',
]);

/** Checks every protocol of a resolved compilation. */
export function checkSpec(resolved: ResolvedSpec): { value: TypedSpec; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic) => diagnostics.push(d);
  const types = new Map<ast.NodeId, Type>();
  const refs = new Map<ast.NodeId, Ref>();
  const binds = new Set<ast.NodeId>();
  const calls = new Map<ast.NodeId, CallTarget>();
  const stateReadingDefs = new Set<string>();
  /** Defs that read the state or identity of the process running them (a subset of the above). */
  const processDefs = new Set<string>();

  for (const protocol of resolved.protocols.values()) {
    checkProtocol(protocol);
  }
  return { value: { resolved, types, refs, binds, calls, stateReadingDefs }, diagnostics };

  function checkProtocol(protocol: ProtocolSymbols): void {
    const staticCtx: Ctx = { protocol, mode: 'static', locals: new Map() };
    const constTypes = new Map<string, Type>();
    const constsInProgress = new Set<string>();
    const defsChecked = new Set<string>();
    const usage = {
      sent: new Set<string>(),
      received: new Map<string, Span[]>(),
      timersStarted: new Set<string>(),
      handledRequests: new Set<string>(),
      readState: new Set<string>(),
    };
    const protocolScope = protocol.scopes[0]!;
    const scopeOfRole = (role: string | undefined): Scope | undefined =>
      role === undefined ? protocolScope : protocol.scopes.find((s) => s.role?.name.text === role);

    const constType = (decl: ast.ConstDecl): Type => {
      const known = constTypes.get(decl.name.text);
      if (known !== undefined) return known;
      if (constsInProgress.has(decl.name.text)) {
        report(diagnostic('RecursiveDefinition', decl.name.span, `constant '${decl.name.text}' is defined in terms of itself`));
        return ty.unknown;
      }
      constsInProgress.add(decl.name.text);
      const declared = decl.type === undefined ? undefined : typeOfWritten(decl.type);
      const actual = expr(decl.value, staticCtx, declared);
      if (declared === undefined) cannotInfer(decl.value, actual, decl.name);
      if (declared !== undefined) expect(decl.value.span, actual, declared, `constant '${decl.name.text}'`);
      constsInProgress.delete(decl.name.text);
      const result = declared ?? actual;
      constTypes.set(decl.name.text, result);
      return result;
    };

    /** Type of a written type in this protocol (declarations were resolved by the names stage). */
    function typeOfWritten(t: ast.TypeExpr): Type {
      switch (t.kind) {
        case 'namedType': {
          const builtin = ({ Nat: ty.nat, Int: ty.int, Bool: ty.bool, Process: ty.process, Value: ty.value, String: ty.string } as Record<string, Type>)[t.name.text];
          if (builtin !== undefined) return builtin;
          if (protocol.roles.has(t.name.text)) return { kind: 'process', role: t.name.text };
          if (t.name.text === 'Signature') return { kind: 'signature' };
          if (t.name.text === 'Digest') return { kind: 'digest' };
          return protocol.types.get(t.name.text) ?? ty.unknown;
        }
        case 'tupleType':
          return { kind: 'tuple', elements: t.elements.map(typeOfWritten) };
        case 'genericType': {
          const args = t.args.map(typeOfWritten);
          switch (t.name.text) {
            case 'Option': return args.length === 1 ? ty.optionOf(args[0]!) : ty.unknown;
            case 'Set': return args.length === 1 ? ty.setOf(args[0]!) : ty.unknown;
            case 'Seq': return args.length === 1 ? ty.seqOf(args[0]!) : ty.unknown;
            case 'Cert': return args.length === 1 ? ty.certOf(args[0]!) : ty.unknown;
            case 'Map': return args.length === 2 ? { kind: 'map', key: args[0]!, value: args[1]! } : ty.unknown;
            default: return ty.unknown;
          }
        }
        default:
          return assertNever(t);
      }
    }

    function checkDef(def: DefSymbol): void {
      if (defsChecked.has(def.decl.name.text)) return;
      defsChecked.add(def.decl.name.text);
      const locals = new Map<string, Local>();
      def.decl.params.forEach((p, i) => locals.set(p.name.text, { type: def.params[i]!, span: p.name.span }));
      const marker = { name: def.decl.name.text, readsState: false, readsProcess: false };
      const scope = scopeOfRole(def.role);
      const ctx: Ctx = { protocol, mode: 'process', ...(scope === undefined ? {} : { scope }), locals, def: marker };
      const actual = expr(def.decl.body, ctx, def.result);
      expect(def.decl.body.span, actual, def.result, `the result of '${def.decl.name.text}'`);
      if (marker.readsState) stateReadingDefs.add(def.decl.name.text);
      if (marker.readsProcess) processDefs.add(def.decl.name.text);
    }

    /**
     * A message's validity predicate: a Bool over its fields, `sender`, parameters, constants,
     * `verify`, `hash` and defs that read no process state, so that every correct process
     * judges a message alike, whoever receives it.
     */
    function checkValidity(message: ast.MessageDecl, fieldTypes: readonly Type[]): void {
      if (message.valid === undefined) return;
      const locals = new Map<string, Local>();
      message.fields.forEach((f, i) => locals.set(f.name.text, { type: fieldTypes[i]!, span: f.name.span }));
      const clash = message.fields.find((f) => f.name.text === 'sender');
      if (clash !== undefined) {
        report(diagnostic('SenderFieldWithValidity', clash.name.span, `a message with a validity predicate cannot have a field named 'sender': in the predicate, 'sender' is the process that sent it`, {
          hint: 'rename the field',
        }));
      } else locals.set('sender', { type: ty.process, span: message.name.span });
      const t = expr(message.valid, { protocol, mode: 'message', locals }, ty.bool);
      if (!isAssignable(t, ty.bool)) {
        report(diagnostic('ValidityNotBool', message.valid.span, `the validity predicate of '${message.name.text}' must be a Bool, but this is ${showType(t)}`));
      }
    }

    // --- declarations ---
    for (const decl of protocol.consts.values()) constType(decl);
    for (const assume of protocol.assumes) {
      const t = expr(assume.condition, staticCtx, ty.bool);
      if (!isAssignable(t, ty.bool)) {
        report(diagnostic('AssumeNotBool', assume.condition.span, `'assume' needs a Bool condition, but this is ${showType(t)}`));
      }
    }
    for (const fault of protocol.faults) {
      const t = expr(fault.bound, staticCtx, ty.nat);
      if (!isAssignable(t, ty.nat)) {
        report(diagnostic('FaultBoundNotNat', fault.bound.span, `the number of faulty processes must be a Nat, but this is ${showType(t)}`));
      }
    }
    for (const role of protocol.roles.values()) {
      const t = expr(role.count, staticCtx, ty.nat);
      if (!isAssignable(t, ty.nat)) {
        report(diagnostic('RoleCountNotNat', role.count.span, `the number of processes playing '${role.name.text}' must be a Nat, but this is ${showType(t)}`));
      }
    }
    for (const request of protocol.requests.values()) {
      if (request.decl.at !== undefined) {
        const t = expr(request.decl.at, staticCtx, ty.process);
        if (!isAssignable(t, ty.process) && !isAssignable(t, ty.setOf(ty.process))) {
          report(diagnostic('TypeMismatch', request.decl.at.span, `'at' names the process (or set of processes) that takes the request, but this is ${showType(t)}`));
        }
      }
    }
    for (const module of protocol.modules.values()) {
      const used = module.protocol;
      const locals = new Map<string, Local>();
      if (module.decl.key !== undefined && module.keyType !== undefined) {
        locals.set(module.decl.key.name.text, { type: module.keyType, span: module.decl.key.name.span });
      }
      const ctx: Ctx = { ...staticCtx, locals };
      const params = used === undefined ? undefined : [...used.params.values()];
      if (params !== undefined && params.length !== module.decl.args.length) {
        report(diagnostic('WrongArgumentCount', module.decl.protocol.span, `protocol '${module.decl.protocol.text}' takes ${params.length} parameter${params.length === 1 ? '' : 's'} (${params.map((p) => p.decl.name.text).join(', ')}), but ${module.decl.args.length} ${module.decl.args.length === 1 ? 'is' : 'are'} given`));
      }
      module.decl.args.forEach((arg, i) => {
        const expected = params?.[i]?.type;
        const t = expr(arg, ctx, expected);
        if (expected !== undefined) expect(arg.span, t, expected, `parameter '${params![i]!.decl.name.text}' of '${module.decl.protocol.text}'`);
      });
    }
    for (const scope of protocol.scopes) {
      for (const { decl, type } of scope.state.values()) {
        if (decl.init === undefined) {
          if (!hasDefault(type)) {
            report(diagnostic('NoDefaultValue', decl.name.span, `state variable '${decl.name.text}' of type ${showType(type)} needs an initial value`, {
              hint: `write '${decl.name.text}: ${showType(type)} = ...', or use Option[${showType(type)}] (starts as none)`,
            }));
          }
        } else {
          const t = expr(decl.init, staticCtx, type);
          expect(decl.init.span, t, type, `state variable '${decl.name.text}'`);
        }
      }
      for (const def of scope.defs.values()) checkDef(def);
    }
    for (const message of protocol.messages.values()) checkValidity(message.decl, message.type.fields.map((f) => f.type));
    for (const scope of protocol.scopes) {
      for (const rule of scope.rules) checkRule(rule, scope);
    }
    for (const property of protocol.properties) {
      const ctx: Ctx = { protocol, mode: 'property', locals: new Map() };
      const t = expr(property.body, ctx, ty.bool);
      if (!isAssignable(t, ty.bool)) {
        report(diagnostic('PropertyNotBool', property.body.span, `property '${property.name.text}' must be a Bool formula, but this is ${showType(t)}`));
      }
    }
    for (const scenario of protocol.scenarios) checkScenario(scenario);
    wholeProtocolChecks();

    // --- rules ---
    function checkRule(rule: ast.Rule, scope: Scope): void {
      const locals = new Map<string, Local>();
      const ctx: Ctx = { protocol, mode: 'process', scope, locals };
      const event = rule.event;
      switch (event.kind) {
        case 'start':
          break;
        case 'request': {
          const request = protocol.requests.get(event.name.text);
          if (request === undefined) {
            const isIndication = protocol.indications.has(event.name.text);
            report(diagnostic('UnknownRequest', event.name.span, isIndication
              ? `'${event.name.text}' is an indication this protocol triggers, not a request it receives`
              : `unknown request '${event.name.text}'`, isIndication ? {} : {
              ...didYouMean(event.name.text, [...protocol.requests.keys(), ...protocol.modules.keys()]),
              ...(protocol.requests.size === 0 && !didYouMean(event.name.text, protocol.requests.keys()).hint
                ? { hint: "declare it in the 'interface' block: 'request " + event.name.text + "(...)'" }
                : {}),
            }));
            event.params.forEach((p) => pattern(p, ty.unknown, ctx, locals));
            break;
          }
          usage.handledRequests.add(event.name.text);
          patterns(event.params, request.params, event.name, ctx, locals, 'request');
          break;
        }
        case 'receive': {
          const message = protocol.messages.get(event.message.text);
          if (message === undefined) {
            report(diagnostic('UnknownMessage', event.message.span, `unknown message '${event.message.text}'`, didYouMean(event.message.text, protocol.messages.keys())));
            event.params.forEach((p) => pattern(p, ty.unknown, ctx, locals));
          } else {
            const list = usage.received.get(event.message.text) ?? [];
            list.push(event.message.span);
            usage.received.set(event.message.text, list);
            patterns(event.params, message.type.fields.map((f) => f.type), event.message, ctx, locals, 'message');
          }
          quorum(event.from, ctx, locals);
          if (event.binding !== undefined) {
            if (event.from.kind === 'any' || event.from.kind === 'process') {
              report(diagnostic('MsgsWithoutQuorum', event.binding.span, `'as ${event.binding.text}' collects the messages of a quorum, but this rule waits for a single message`, {
                hint: "use the pattern's names directly, or wait for a quorum: 'from n - f processes as msgs'",
              }));
            }
            const elementType: Type = message === undefined ? ty.unknown : { ...message.type, withSender: true };
            declareLocal(locals, event.binding, ty.setOf(elementType));
          }
          break;
        }
        case 'timeout': {
          const timer = scope.timers.get(event.timer.text) ?? protocolScope.timers.get(event.timer.text);
          if (timer === undefined) {
            report(diagnostic('UnknownTimer', event.timer.span, `unknown timer '${event.timer.text}'`, {
              ...didYouMean(event.timer.text, [...scope.timers.keys(), ...protocolScope.timers.keys()]),
              ...(scope.timers.size + protocolScope.timers.size === 0 ? { hint: `declare it in a 'timers' block: 'timers ${event.timer.text}'` } : {}),
            }));
            event.params.forEach((p) => pattern(p, ty.unknown, ctx, locals));
          } else {
            patterns(event.params, timer.params, event.timer, ctx, locals, 'timer');
          }
          break;
        }
        case 'indication': {
          const module = protocol.modules.get(event.instance.module.text);
          if (module === undefined) {
            report(diagnostic('UnknownModule', event.instance.module.span, `unknown sub-module '${event.instance.module.text}'`, {
              ...didYouMean(event.instance.module.text, protocol.modules.keys()),
              hint: `declare it with 'uses Protocol(...) as ${event.instance.module.text}'`,
            }));
            event.params.forEach((p) => pattern(p, ty.unknown, ctx, locals));
            break;
          }
          moduleKey(event.instance, module.keyType, ctx, locals, true);
          const indication = module.protocol?.indications.get(event.name.text);
          if (module.protocol !== undefined && indication === undefined) {
            report(diagnostic('UnknownIndication', event.name.span, `protocol '${module.protocol.decl.name.text}' has no indication '${event.name.text}'`, didYouMean(event.name.text, module.protocol.indications.keys())));
          }
          if (indication === undefined) event.params.forEach((p) => pattern(p, ty.unknown, ctx, locals));
          else patterns(event.params, indication.params, event.name, ctx, locals, 'indication');
          break;
        }
        case 'condition': {
          const t = expr(event.condition, ctx, ty.bool);
          if (!isAssignable(t, ty.bool)) {
            report(diagnostic('ConditionNotBool', event.condition.span, `an 'upon' condition must be Bool, but this is ${showType(t)}`, {
              hint: "to react to a request, declare it in the 'interface' block",
            }));
          }
          break;
        }
        default:
          assertNever(event);
      }
      if (rule.guard !== undefined) {
        const t = expr(rule.guard, ctx, ty.bool);
        if (!isAssignable(t, ty.bool)) {
          report(diagnostic('GuardNotBool', rule.guard.span, `a 'when' guard must be Bool, but this is ${showType(t)}`));
        } else if (rule.guard.kind === 'bool') {
          report(diagnostic('ConstantGuard', rule.guard.span, rule.guard.value ? "'when true' never blocks the rule" : "'when false': this rule can never fire", {
            hint: rule.guard.value ? "remove the 'when' clause" : 'remove the rule, or give it a real guard',
          }));
        }
      }
      block(rule.body, ctx, new Map(locals));
    }

    /** `let x = {}`: an empty literal whose element type nothing tells. */
    function cannotInfer(value: ast.Expr, t: Type, name: ast.Name): void {
      const empty = (value.kind === 'setLit' || value.kind === 'seqLit') && value.elements.length === 0;
      if (!empty && value.kind !== 'none') return;
      if ((t.kind === 'set' || t.kind === 'seq' || t.kind === 'option') && t.of.kind === 'unknown') {
        report(diagnostic('CannotInferEmpty', value.span, `the type of '${name.text}' cannot be inferred from an empty value`, {
          hint: `write its type: '${name.text}: ${value.kind === 'seqLit' ? 'Seq[T]' : value.kind === 'none' ? 'Option[T]' : 'Set[T]'} = ...'`,
        }));
      }
    }

    function declareLocal(locals: Map<string, Local>, name: ast.Name, type: Type): void {
      locals.set(name.text, { type, span: name.span });
    }

    /** Whether a name is already visible (then a pattern name matches rather than binds). */
    function isVisible(name: string, ctx: Ctx, locals: ReadonlyMap<string, Local>): boolean {
      return locals.has(name) || lookup(name, ctx, locals) !== undefined;
    }

    function patterns(params: readonly ast.Expr[], expected: readonly Type[], what: ast.Name, ctx: Ctx, locals: Map<string, Local>, kind: string): void {
      if (params.length !== expected.length) {
        const span = params.length > 0 ? { ...params[0]!.span, end: params[params.length - 1]!.span.end } : what.span;
        report(diagnostic('PatternArity', span, `${kind} '${what.text}' has ${expected.length} field${expected.length === 1 ? '' : 's'}, but the pattern has ${params.length}`, {
          hint: "give one name or value per field; use '_' for fields you do not need",
        }));
      }
      params.forEach((p, i) => pattern(p, expected[i] ?? ty.unknown, ctx, locals));
    }

    function pattern(p: ast.Expr, expected: Type, ctx: Ctx, locals: Map<string, Local>): void {
      if (p.kind === 'wildcard') {
        types.set(p.id, expected);
        return;
      }
      if (p.kind === 'name' && !isVisible(p.name.text, ctx, locals)) {
        binds.add(p.id);
        types.set(p.id, expected);
        refs.set(p.id, { kind: 'local', name: p.name.text });
        declareLocal(locals, p.name, expected);
        return;
      }
      const t = expr(p, { ...ctx, locals }, expected);
      if (!isComparable(t, expected)) {
        report(diagnostic('TypeMismatch', p.span, `this pattern matches a ${showType(expected)} field, but the value is ${showType(t)}`));
      }
    }

    function quorum(q: ast.Quorum, ctx: Ctx, locals: Map<string, Local>): void {
      const among = (e: ast.Expr | undefined) => {
        if (e === undefined) return;
        const t = expr(e, { ...ctx, locals }, ty.setOf(ty.process));
        if (!isAssignable(t, ty.setOf(ty.process))) {
          report(diagnostic('TypeMismatch', e.span, `'of' needs a set of processes, but this is ${showType(t)}`));
        }
      };
      switch (q.kind) {
        case 'any':
          return;
        case 'process': {
          if (q.process.kind === 'name' && !isVisible(q.process.name.text, ctx, locals)) {
            binds.add(q.process.id);
            types.set(q.process.id, ty.process);
            refs.set(q.process.id, { kind: 'local', name: q.process.name.text });
            declareLocal(locals, q.process.name, ty.process);
            return;
          }
          const t = expr(q.process, { ...ctx, locals }, ty.process);
          if (!isAssignable(t, ty.process)) {
            report(diagnostic('TypeMismatch', q.process.span, `'from' needs a process, a fresh name for the sender, or a quorum such as 'f + 1 processes', but this is ${showType(t)}`));
          }
          return;
        }
        case 'count': {
          const t = expr(q.count, { ...ctx, locals }, ty.nat);
          if (!isAssignable(t, ty.nat)) {
            report(diagnostic('QuorumNotNat', q.count.span, `a quorum size must be a Nat, but this is ${showType(t)}`, {
              hint: t.kind === 'int' ? 'an Int may be negative; compute the threshold from Nat parameters' : 'write a number of processes, such as 2 * f + 1',
            }));
          }
          among(q.among);
          return;
        }
        case 'majority':
        case 'all':
          among(q.among);
          return;
        default:
          assertNever(q);
      }
    }

    function moduleKey(instance: ast.ModuleRef, keyType: Type | undefined, ctx: Ctx, locals: Map<string, Local>, mayBind: boolean): void {
      if (instance.key === undefined) {
        if (keyType !== undefined) {
          report(diagnostic('TypeMismatch', instance.span, `sub-module '${instance.module.text}' has one instance per key; write '${instance.module.text}[key]'`));
        }
        return;
      }
      if (keyType === undefined) {
        report(diagnostic('NotIndexable', instance.key.span, `sub-module '${instance.module.text}' has a single instance; remove '[...]'`));
        return;
      }
      if (mayBind) pattern(instance.key, keyType, ctx, locals);
      else expect(instance.key.span, expr(instance.key, { ...ctx, locals }, keyType), keyType, 'the instance key');
    }

    // --- statements ---
    function block(stmts: readonly ast.Stmt[], outer: Ctx, locals: Map<string, Local>): void {
      const ctx: Ctx = outer.locals === locals ? outer : { ...outer, locals };
      for (const s of stmts) stmt(s, ctx, locals);
    }

    function stmt(s: ast.Stmt, ctx: Ctx, locals: Map<string, Local>): void {
      const outer = ctx;
      switch (s.kind) {
        case 'assign': {
          const root = rootName(s.target);
          if (root === undefined) {
            report(diagnostic('InvalidTarget', s.target.span, 'only a state variable (or an element or field of one) can be assigned'));
            expr(s.value, ctx);
            return;
          }
          const ref = lookup(root.name.text, ctx, locals);
          if (ref !== undefined && ref.ref.kind !== 'state') {
            if (ref.ref.kind === 'param') {
              report(diagnostic('AssignToParameter', root.name.span, `'${root.name.text}' is a parameter, fixed for the whole run, and cannot be assigned`, {
                hint: `declare a state variable ('state ${root.name.text}Now: ... = ${root.name.text}') if it must change`,
              }));
            } else {
              const what = ref.ref.kind === 'local' ? 'a local name (from let, a pattern or a loop)' : ref.ref.kind === 'const' ? 'a constant' : `a ${ref.ref.kind === 'enumMember' ? 'enum member' : ref.ref.kind}`;
              report(diagnostic('AssignToNonState', root.name.span, `'${root.name.text}' is ${what}; only state variables can be assigned`, {
                hint: ref.ref.kind === 'local' ? "use 'let' for a new value, or declare a state variable" : 'declare a state variable',
              }));
            }
            expr(s.value, ctx);
            return;
          }
          // Writing a variable is not reading it (for the unused-state warning).
          const target = s.target.kind === 'name' && ref !== undefined ? ref.type : expr(s.target, ctx);
          if (s.target.kind === 'name' && ref !== undefined) {
            refs.set(s.target.id, ref.ref);
            types.set(s.target.id, ref.type);
          }
          const value = expr(s.value, ctx, target);
          expect(s.value.span, value, target, `'${root.name.text}'`);
          return;
        }
        case 'send': {
          messageCall(s.message, ctx);
          const t = expr(s.to, ctx, ty.process);
          if (!isAssignable(t, ty.process)) {
            report(diagnostic('SendTargetNotProcess', s.to.span, `'send ... to' needs one process, but this is ${showType(t)}`, {
              ...(t.kind === 'set' ? { hint: "to send to a set of processes, write 'broadcast M(...) to S'" } : {}),
            }));
          }
          return;
        }
        case 'broadcast': {
          messageCall(s.message, ctx);
          if (s.to !== undefined) {
            const t = expr(s.to, ctx, ty.setOf(ty.process));
            if (!isAssignable(t, ty.setOf(ty.process))) {
              report(diagnostic('BroadcastTargetNotSet', s.to.span, `'broadcast ... to' needs a set of processes, but this is ${showType(t)}`, {
                ...(isAssignable(t, ty.process) ? { hint: "to send to one process, write 'send M(...) to p'" } : {}),
              }));
            }
          }
          return;
        }
        case 'trigger': {
          if (s.instance === undefined) {
            const indication = outer.protocol.indications.get(s.event.text);
            if (indication === undefined) {
              if (outer.protocol.requests.has(s.event.text)) {
                report(diagnostic('TriggerRequestOfSelf', s.event.span, `'${s.event.text}' is a request this protocol receives from the layer above; it cannot trigger it`, {
                  hint: 'trigger an indication, or a request of a sub-module (trigger sub.request(...))',
                }));
              } else {
                report(diagnostic('UnknownIndication', s.event.span, `unknown indication '${s.event.text}'`, {
                  ...didYouMean(s.event.text, outer.protocol.indications.keys()),
                  ...(outer.protocol.indications.size === 0 ? { hint: `declare it in the 'interface' block: 'indication ${s.event.text}(...)'` } : {}),
                }));
              }
              s.args.forEach((a) => expr(a, ctx));
              return;
            }
            args(s.args, indication.params, s.event, ctx, 'indication');
            return;
          }
          const module = outer.protocol.modules.get(s.instance.module.text);
          if (module === undefined) {
            report(diagnostic('UnknownModule', s.instance.module.span, `unknown sub-module '${s.instance.module.text}'`, didYouMean(s.instance.module.text, outer.protocol.modules.keys())));
            s.args.forEach((a) => expr(a, ctx));
            return;
          }
          moduleKey(s.instance, module.keyType, ctx, locals, false);
          const request = module.protocol?.requests.get(s.event.text);
          if (module.protocol !== undefined && request === undefined) {
            report(diagnostic('UnknownRequest', s.event.span, `protocol '${module.protocol.decl.name.text}' has no request '${s.event.text}'`, didYouMean(s.event.text, module.protocol.requests.keys())));
          }
          if (request === undefined) s.args.forEach((a) => expr(a, ctx));
          else args(s.args, request.params, s.event, ctx, 'request');
          return;
        }
        case 'startTimer':
        case 'cancelTimer': {
          const timer = outer.scope?.timers.get(s.timer.text) ?? protocolScope.timers.get(s.timer.text);
          if (timer === undefined) {
            report(diagnostic('UnknownTimer', s.timer.span, `unknown timer '${s.timer.text}'`, {
              ...didYouMean(s.timer.text, [...(outer.scope?.timers.keys() ?? []), ...protocolScope.timers.keys()]),
              ...((outer.scope?.timers.size ?? 0) + protocolScope.timers.size === 0 ? { hint: `declare it in a 'timers' block: 'timers ${s.timer.text}'` } : {}),
            }));
            s.args.forEach((a) => expr(a, ctx));
          } else {
            args(s.args, timer.params, s.timer, ctx, 'timer');
            if (s.kind === 'startTimer') usage.timersStarted.add(s.timer.text);
          }
          if (s.kind === 'startTimer') {
            const t = expr(s.delay, ctx, ty.nat);
            if (!isAssignable(t, ty.nat)) report(diagnostic('DelayNotNat', s.delay.span, `a timer delay is a Nat number of time units, but this is ${showType(t)}`));
          }
          return;
        }
        case 'let': {
          const declared = s.type === undefined ? undefined : typeOfWritten(s.type);
          const t = expr(s.value, ctx, declared);
          if (declared !== undefined) expect(s.value.span, t, declared, `'${s.name.text}'`);
          else cannotInfer(s.value, t, s.name);
          shadowCheck(s.name, ctx, locals);
          declareLocal(locals, s.name, declared ?? t);
          return;
        }
        case 'if': {
          condition(s.condition, ctx, "'if'");
          block(s.then, ctx, new Map(locals));
          if (s.otherwise !== undefined) block(s.otherwise, ctx, new Map(locals));
          return;
        }
        case 'for': {
          const element = iterate(s.source, ctx, "'for'");
          const inner = new Map(locals);
          shadowCheck(s.variable, ctx, locals);
          declareLocal(inner, s.variable, element);
          block(s.body, ctx, inner);
          return;
        }
        case 'choose':
        case 'random': {
          const element = iterate(s.source, ctx, `'${s.kind}'`);
          if (s.source.kind === 'setLit' && s.source.elements.length === 0) {
            report(diagnostic('EmptyChoose', s.source.span, `'${s.kind}' from an empty set blocks the rule forever`));
          }
          shadowCheck(s.variable, ctx, locals);
          declareLocal(locals, s.variable, element);
          if (s.kind === 'choose' && s.filter !== undefined) condition(s.filter, { ...ctx, locals }, "'where'");
          return;
        }
        case 'assert':
          condition(s.condition, ctx, "'assert'");
          return;
        default:
          assertNever(s);
      }
    }

    function shadowCheck(name: ast.Name, ctx: Ctx, locals: ReadonlyMap<string, Local>): void {
      const existing = lookup(name.text, ctx, locals);
      if (existing !== undefined) {
        report(diagnostic('ShadowedName', name.span, `'${name.text}' hides the ${existing.ref.kind === 'local' ? 'earlier local' : existing.ref.kind} of the same name`, {
          ...(existing.span === undefined ? {} : { notes: [{ message: 'the hidden declaration', span: existing.span }] }),
          hint: 'choose another name, so that each name means one thing in the rule',
        }));
      }
    }

    function condition(e: ast.Expr, ctx: Ctx, what: string): void {
      const t = expr(e, ctx, ty.bool);
      if (!isAssignable(t, ty.bool)) report(diagnostic('ConditionNotBool', e.span, `${what} needs a Bool condition, but this is ${showType(t)}`));
    }

    function iterate(source: ast.Expr, ctx: Ctx, what: string): Type {
      const t = expr(source, ctx);
      const element = elementType(t);
      if (element === undefined) {
        report(diagnostic('NotACollection', source.span, `${what} needs a set, sequence or map to range over, but this is ${showType(t)}`));
        return ty.unknown;
      }
      return element;
    }

    function messageCall(call: ast.Call, ctx: Ctx): void {
      const message = ctx.protocol.messages.get(call.callee.text);
      const local = call.args.length === 0 ? ctx.locals.get(call.callee.text) : undefined;
      if (local !== undefined && (local.type.kind === 'message' || local.type.kind === 'unknown')) {
        calls.set(call.id, { kind: 'local', name: call.callee.text });
        types.set(call.id, local.type);
        if (local.type.kind === 'message') usage.sent.add(local.type.name);
        return;
      }
      if (message === undefined) {
        report(diagnostic('UnknownMessage', call.callee.span, `unknown message '${call.callee.text}'`, {
          ...didYouMean(call.callee.text, ctx.protocol.messages.keys()),
          ...(ctx.protocol.messages.size === 0 ? { hint: `declare it in a 'messages' block: 'messages ${call.callee.text}(...)'` } : {}),
        }));
        call.args.forEach((a) => expr(a, ctx));
        return;
      }
      usage.sent.add(call.callee.text);
      calls.set(call.id, { kind: 'message', name: call.callee.text });
      types.set(call.id, message.type);
      args(call.args, message.type.fields.map((f) => f.type), call.callee, ctx, 'message');
    }

    function args(given: readonly ast.Expr[], expected: readonly Type[], what: ast.Name, ctx: Ctx, kind: string): void {
      if (given.length !== expected.length) {
        report(diagnostic('WrongArgumentCount', what.span, `${kind} '${what.text}' takes ${expected.length} argument${expected.length === 1 ? '' : 's'}, but ${given.length} ${given.length === 1 ? 'is' : 'are'} given`));
      }
      given.forEach((a, i) => {
        const e = expected[i];
        const t = expr(a, ctx, e);
        if (e !== undefined) expect(a.span, t, e, `argument ${i + 1} of '${what.text}'`);
      });
    }

    function rootName(e: ast.Expr): ast.NameExpr | undefined {
      if (e.kind === 'name') return e;
      if (e.kind === 'index' || e.kind === 'field') return rootName(e.target);
      return undefined;
    }

    // --- scenarios ---
    function checkScenario(scenario: ast.ScenarioDecl): void {
      const given = new Set<string>();
      for (const binding of scenario.bindings) {
        const param = protocol.params.get(binding.name.text);
        if (param === undefined) {
          report(diagnostic('UnknownScenarioParameter', binding.name.span, `'${binding.name.text}' is not a parameter of '${protocol.decl.name.text}'`, didYouMean(binding.name.text, protocol.params.keys())));
          expr(binding.value, staticCtx);
          continue;
        }
        given.add(binding.name.text);
        expect(binding.value.span, expr(binding.value, staticCtx, param.type), param.type, `parameter '${binding.name.text}'`);
      }
      const missing = [...protocol.params.keys()].filter((p) => !given.has(p));
      if (missing.length > 0) {
        report(diagnostic('MissingScenarioParameter', scenario.name.span, `scenario '${scenario.name.text}' does not give ${missing.map((m) => `'${m}'`).join(', ')}`, {
          hint: `add 'with ${missing.map((m) => `${m} = ...`).join(', ')}'`,
        }));
      }
      for (const step of scenario.steps) {
        const time = expr(step.time, staticCtx, ty.nat);
        if (!isAssignable(time, ty.nat)) report(diagnostic('ScenarioTimeNotNat', step.time.span, `a scenario time is a Nat, but this is ${showType(time)}`));
        const p = expr(step.process, staticCtx, ty.process);
        if (!isAssignable(p, ty.process)) report(diagnostic('TypeMismatch', step.process.span, `a scenario step needs a process, but this is ${showType(p)}`));
        if (step.kind === 'scenarioRequest') {
          const request = protocol.requests.get(step.request.text);
          if (request === undefined) {
            report(diagnostic('UnknownRequest', step.request.span, `unknown request '${step.request.text}'`, didYouMean(step.request.text, protocol.requests.keys())));
            step.args.forEach((a) => expr(a, staticCtx));
          } else {
            args(step.args, request.params, step.request, staticCtx, 'request');
          }
        }
      }
    }

    // --- whole-protocol checks ---
    function wholeProtocolChecks(): void {
      for (const [name, message] of protocol.messages) {
        const received = usage.received.get(name);
        if (!usage.sent.has(name) && received === undefined) {
          report(diagnostic('UnusedMessage', message.decl.name.span, `message '${name}' is never sent nor received`, { hint: 'remove it, or add the rule that uses it' }));
        } else if (!usage.sent.has(name) && received !== undefined) {
          for (const span of received) {
            report(diagnostic('NeverSentMessage', span, `no rule sends '${name}', so a correct process never receives it and this rule can never fire`, {
              hint: `add 'send ${name}(...) to p' or 'broadcast ${name}(...)' where the protocol produces it`,
            }));
          }
        }
      }
      for (const scope of protocol.scopes) {
        for (const [name, timer] of scope.timers) {
          if (!usage.timersStarted.has(name)) {
            report(diagnostic('TimerNeverStarted', timer.decl.name.span, `timer '${name}' is never started, so its timeout never fires`, {
              hint: `add 'start timer ${name}${timer.params.length > 0 ? '(...)' : ''} after d' where it should begin`,
            }));
          }
        }
        for (const [name, state] of scope.state) {
          const key = `${scope.role?.name.text ?? ''}.${name}`;
          if (!usage.readState.has(key) && !usage.readState.has(`*.${name}`)) {
            report(diagnostic('UnusedState', state.decl.name.span, `state variable '${name}' is never read`, { hint: 'remove it, or use it in a rule, definition or property' }));
          }
        }
      }
      for (const [name, request] of protocol.requests) {
        if (!usage.handledRequests.has(name)) {
          report(diagnostic('UnhandledRequest', request.decl.name.span, `request '${name}' has no 'upon ${name}(...)' rule, so it does nothing`));
        }
      }
    }

    // --- names ---
    function lookup(name: string, ctx: Ctx, locals: ReadonlyMap<string, Local> = ctx.locals): { ref: Ref; type: Type; span?: Span } | undefined {
      const local = locals.get(name);
      if (local !== undefined) return { ref: { kind: 'local', name }, type: local.type, span: local.span };
      if (ctx.mode === 'process' && ctx.scope !== undefined) {
        for (const scope of ctx.scope === protocolScope ? [protocolScope] : [ctx.scope, protocolScope]) {
          const state = scope.state.get(name);
          if (state !== undefined) {
            return { ref: { kind: 'state', name, ...(scope.role === undefined ? {} : { role: scope.role.name.text }) }, type: state.type, span: state.decl.name.span };
          }
        }
      }
      const param = ctx.protocol.params.get(name);
      if (param !== undefined) return { ref: { kind: 'param', name }, type: param.type, span: param.decl.name.span };
      const constant = ctx.protocol.consts.get(name);
      if (constant !== undefined) return { ref: { kind: 'const', name }, type: constType(constant), span: constant.name.span };
      const role = ctx.protocol.roles.get(name);
      if (role !== undefined) return { ref: { kind: 'role', name }, type: ty.setOf({ kind: 'process', role: name }), span: role.name.span };
      const enumType = ctx.protocol.enumMembers.get(name);
      if (enumType !== undefined) return { ref: { kind: 'enumMember', name, enumName: enumType.name }, type: enumType };
      if (name === 'Process') return { ref: { kind: 'allProcesses' }, type: ty.setOf(ty.process) };
      if (name === 'self' && ctx.mode === 'process') {
        return { ref: { kind: 'self' }, type: ctx.scope?.role === undefined ? ty.process : { kind: 'process', role: ctx.scope.role.name.text } };
      }
      if (name === 'correct' && ctx.mode === 'property') return { ref: { kind: 'correct' }, type: ty.setOf(ty.process) };
      return undefined;
    }

    function unknownName(e: ast.NameExpr, ctx: Ctx): void {
      const name = e.name.text;
      if (name === 'self' && ctx.mode === 'message') {
        report(diagnostic('SelfOutsideProcess', e.span, "a validity predicate is about the message alone, not about the process receiving it: 'self' cannot be used here", {
          hint: "'sender' is the process that sent the message",
        }));
        return;
      }
      if (name === 'self' || name === 'correct') {
        report(diagnostic('SelfOutsideProcess', e.span, name === 'self'
          ? "'self' is the process running a rule; it has no meaning here"
          : "'correct' (the set of correct processes) can only be used in properties"));
        return;
      }
      if (ctx.mode !== 'process') {
        const stateScope = protocol.scopes.find((s) => s.state.has(name));
        if (stateScope !== undefined && ctx.mode === 'message') {
          report(diagnostic('StateOutsideProcess', e.span, `'${name}' is the state of the receiving process; a validity predicate is about the message alone`, {
            hint: 'check it in the guard of the rule that receives the message',
          }));
          return;
        }
        if (stateScope !== undefined) {
          report(diagnostic('StateOutsideProcess', e.span, `'${name}' is the state of each process; ${ctx.mode === 'property' ? 'a property' : 'this declaration'} must say whose`, {
            hint: ctx.mode === 'property' ? `write 'p.${name}' for a process p, e.g. 'forall p in correct: p.${name} ...'` : 'use parameters and constants here',
          }));
          return;
        }
      }
      const candidates = [
        ...ctx.locals.keys(), ...protocol.params.keys(), ...protocol.consts.keys(), ...protocol.roles.keys(), ...protocol.enumMembers.keys(),
        ...(ctx.mode === 'process' ? [...(ctx.scope?.state.keys() ?? []), ...protocolScope.state.keys()] : []),
      ];
      report(diagnostic('UnknownName', e.span, `unknown name '${name}'`, didYouMean(name, candidates)));
    }

    // --- expressions ---
    function expr(e: ast.Expr, ctx: Ctx, expected?: Type): Type {
      const t = exprInner(e, ctx, expected);
      types.set(e.id, t);
      return t;
    }

    function expect(span: Span, actual: Type, expected: Type, what: string): void {
      if (!isAssignable(actual, expected)) {
        report(diagnostic('TypeMismatch', span, `${what} is ${showType(expected)}, but this value is ${showType(actual)}`));
      }
    }

    function exprInner(e: ast.Expr, ctx: Ctx, expected?: Type): Type {
      switch (e.kind) {
        case 'number':
          return ty.nat;
        case 'bool':
          return ty.bool;
        case 'string':
          return ty.string;
        case 'none':
          return expected?.kind === 'option' ? expected : ty.optionOf(ty.unknown);
        case 'wildcard':
          report(diagnostic('BindInsideExpression', e.span, "'_' matches anything in a pattern, but it is not a value"));
          return ty.unknown;
        case 'name': {
          const found = lookup(e.name.text, ctx);
          if (found === undefined) {
            unknownName(e, ctx);
            return ty.unknown;
          }
          refs.set(e.id, found.ref);
          if (found.ref.kind === 'state') {
            usage.readState.add(`${found.ref.role ?? ''}.${found.ref.name}`);
            if (ctx.def !== undefined) ctx.def.readsState = ctx.def.readsProcess = true;
          }
          if (found.ref.kind === 'self' && ctx.def !== undefined) ctx.def.readsState = ctx.def.readsProcess = true;
          return found.type;
        }
        case 'unary': {
          if (e.op === 'not') {
            const t = expr(e.operand, ctx, ty.bool);
            if (!isAssignable(t, ty.bool)) report(diagnostic('OperandType', e.operand.span, `'not' needs a Bool, but this is ${showType(t)}`));
            return ty.bool;
          }
          const t = expr(e.operand, ctx, ty.int);
          if (!isNumeric(t)) report(diagnostic('OperandType', e.operand.span, `'-' needs a number, but this is ${showType(t)}`));
          return ty.int;
        }
        case 'binary':
          return binary(e, ctx, expected);
        case 'call':
          return call(e, ctx, expected);
        case 'field':
          return field(e, ctx);
        case 'index': {
          const target = expr(e.target, ctx);
          if (target.kind === 'seq') {
            const i = expr(e.index, ctx, ty.nat);
            if (!isAssignable(i, ty.nat)) report(diagnostic('TypeMismatch', e.index.span, `a sequence index is a Nat (from 1), but this is ${showType(i)}`));
            return target.of;
          }
          if (target.kind === 'map') {
            const k = expr(e.index, ctx, target.key);
            expect(e.index.span, k, target.key, 'the key');
            if (!hasDefault(target.value)) {
              report(diagnostic('NoDefaultValue', e.span, `a missing key of this map has no value: ${showType(target.value)} has no default`, {
                hint: `declare the map as Map[${showType(target.key)}, Option[${showType(target.value)}]], or test 'k in keys(m)' first and use get()`,
              }));
            }
            return target.value;
          }
          expr(e.index, ctx);
          if (target.kind !== 'unknown') {
            report(diagnostic('NotIndexable', e.target.span, `only sequences and maps can be indexed, but this is ${showType(target)}`, {
              ...(target.kind === 'tuple' ? { hint: "take a tuple's elements with '.1', '.2', ..." } : {}),
            }));
          }
          return ty.unknown;
        }
        case 'slice': {
          const target = expr(e.target, ctx);
          for (const bound of [e.from, e.to]) {
            if (bound === undefined) continue;
            const b = expr(bound, ctx, ty.nat);
            if (!isAssignable(b, ty.nat)) report(diagnostic('TypeMismatch', bound.span, `a slice bound is a Nat, but this is ${showType(b)}`));
          }
          if (target.kind !== 'seq' && target.kind !== 'unknown') {
            report(diagnostic('NotIndexable', e.target.span, `only sequences can be sliced, but this is ${showType(target)}`));
            return ty.unknown;
          }
          return target;
        }
        case 'cardinality': {
          const t = expr(e.operand, ctx);
          if (elementType(t) === undefined) report(diagnostic('NotACollection', e.operand.span, `'|...|' is the size of a set, sequence or map, but this is ${showType(t)}`));
          return ty.nat;
        }
        case 'setLit': {
          if (e.elements.length === 0) {
            if (expected?.kind === 'set' || expected?.kind === 'map') return expected;
            return ty.setOf(ty.unknown);
          }
          return ty.setOf(elements(e.elements, ctx, expected?.kind === 'set' ? expected.of : undefined, 'set'));
        }
        case 'seqLit': {
          if (e.elements.length === 0) return expected?.kind === 'seq' ? expected : ty.seqOf(ty.unknown);
          return ty.seqOf(elements(e.elements, ctx, expected?.kind === 'seq' ? expected.of : undefined, 'sequence'));
        }
        case 'mapLit': {
          const key = elements(e.entries.map((x) => x.key), ctx, expected?.kind === 'map' ? expected.key : undefined, 'map key');
          const value = elements(e.entries.map((x) => x.value), ctx, expected?.kind === 'map' ? expected.value : undefined, 'map value');
          return { kind: 'map', key, value };
        }
        case 'tupleLit':
          return {
            kind: 'tuple',
            elements: e.elements.map((x, i) => expr(x, ctx, expected?.kind === 'tuple' ? expected.elements[i] : undefined)),
          };
        case 'comprehension': {
          const element = iterate(e.source, ctx, 'a comprehension');
          const locals = new Map(ctx.locals);
          locals.set(e.variable.text, { type: element, span: e.variable.span });
          const inner = { ...ctx, locals };
          if (e.filter !== undefined) condition(e.filter, inner, 'a comprehension filter');
          if (e.element !== undefined) return ty.setOf(expr(e.element, inner));
          return ty.setOf(element);
        }
        case 'quantifier': {
          const element = iterate(e.source, ctx, `'${e.quantifier}'`);
          const locals = new Map(ctx.locals);
          for (const v of e.variables) locals.set(v.text, { type: element, span: v.span });
          condition(e.body, { ...ctx, locals }, `the body of '${e.quantifier}'`);
          return ty.bool;
        }
        case 'extremum': {
          const element = iterate(e.source, ctx, `'${e.op}'`);
          const locals = new Map(ctx.locals);
          locals.set(e.variable.text, { type: element, span: e.variable.span });
          const key = expr(e.key, { ...ctx, locals });
          if (!isOrdered(key)) report(diagnostic('NotOrdered', e.key.span, `'${e.op} ... by' needs a key that can be ordered, but this is ${showType(key)}`));
          return element;
        }
        case 'ifExpr': {
          condition(e.condition, ctx, "'if'");
          const a = expr(e.then, ctx, expected);
          const b = expr(e.otherwise, ctx, expected ?? a);
          const joined = join(a, b);
          if (joined === undefined) {
            report(diagnostic('BranchMismatch', e.span, `the branches of 'if' have different types: ${showType(a)} and ${showType(b)}`));
            return ty.unknown;
          }
          return joined;
        }
        default:
          return assertNever(e);
      }
    }

    function elements(list: readonly ast.Expr[], ctx: Ctx, expected: Type | undefined, what: string): Type {
      let result: Type | undefined = expected;
      for (const x of list) {
        const t = expr(x, ctx, result);
        const joined = result === undefined ? t : join(result, t);
        if (joined === undefined) {
          report(diagnostic('TypeMismatch', x.span, `every ${what} element must have the same type: ${showType(result!)} and ${showType(t)} differ`));
        } else result = joined;
      }
      return result ?? ty.unknown;
    }

    function binary(e: ast.Binary, ctx: Ctx, expected?: Type): Type {
      switch (e.op) {
        case 'and': case 'or': case 'implies': {
          for (const side of [e.left, e.right]) {
            const t = expr(side, ctx, ty.bool);
            if (!isAssignable(t, ty.bool)) report(diagnostic('OperandType', side.span, `'${e.op}' needs Bool operands, but this is ${showType(t)}`));
          }
          return ty.bool;
        }
        case '=': case '!=': {
          const a = expr(e.left, ctx);
          const b = expr(e.right, ctx, a);
          if (!isComparable(a, b)) report(diagnostic('NotComparable', e.span, `cannot compare ${showType(a)} with ${showType(b)}`));
          return ty.bool;
        }
        case '<': case '<=': case '>': case '>=': {
          const a = expr(e.left, ctx);
          const b = expr(e.right, ctx, a);
          if (!isComparable(a, b)) report(diagnostic('NotComparable', e.span, `cannot compare ${showType(a)} with ${showType(b)}`));
          else if (!isOrdered(a) || !isOrdered(b)) report(diagnostic('NotOrdered', e.span, `'${e.op}' needs ordered values (numbers, processes, tuples of them), but this is ${showType(isOrdered(a) ? b : a)}`));
          return ty.bool;
        }
        case 'in': case 'notIn': {
          const collection = expr(e.right, ctx);
          const element = elementType(collection);
          const item = expr(e.left, ctx, element);
          if (element === undefined) {
            report(diagnostic('NotACollection', e.right.span, `'${e.op === 'in' ? 'in' : 'not in'}' needs a set, sequence or map on the right, but this is ${showType(collection)}`));
          } else if (!isComparable(item, element)) {
            report(diagnostic('TypeMismatch', e.left.span, `this collection holds ${showType(element)}, but the value is ${showType(item)}`));
          }
          return ty.bool;
        }
        case 'subset': {
          const a = expr(e.left, ctx);
          const b = expr(e.right, ctx, a);
          if (a.kind !== 'set' && a.kind !== 'unknown') report(diagnostic('OperandType', e.left.span, `'⊆' needs sets, but this is ${showType(a)}`));
          else if (!isComparable(a, b)) report(diagnostic('TypeMismatch', e.span, `cannot compare ${showType(a)} with ${showType(b)}`));
          return ty.bool;
        }
        case '+': case '-': case '*': case '/': case '%': {
          const a = expr(e.left, ctx, expected);
          const b = expr(e.right, ctx, expected);
          for (const [side, t] of [[e.left, a], [e.right, b]] as const) {
            if (!isNumeric(t)) report(diagnostic('OperandType', side.span, `'${e.op}' needs numbers, but this is ${showType(t)}`, {
              ...(e.op === '+' && (t.kind === 'set' || t.kind === 'seq') ? { hint: t.kind === 'set' ? "use '∪' for the union of sets" : "use '++' to concatenate sequences" } : {}),
            }));
          }
          if ((e.op === '/' || e.op === '%') && e.right.kind === 'number' && e.right.value === 0) {
            report(diagnostic('DivisionByZero', e.right.span, 'division by zero'));
          }
          if (!isNumeric(a) || !isNumeric(b) || a.kind === 'unknown' || b.kind === 'unknown') return ty.unknown;
          return a.kind === 'int' || b.kind === 'int' ? ty.int : ty.nat;
        }
        case 'union': case 'intersect': case 'minus': {
          const a = expr(e.left, ctx, expected);
          if (e.op === 'minus' && a.kind === 'map') {
            // `m \ K`: the map without the keys in K, to drop state for old slots or views.
            const keySet = ty.setOf(a.key);
            const b = expr(e.right, ctx, keySet);
            if (b.kind !== 'unknown' && join(keySet, b) === undefined) {
              report(diagnostic('OperandType', e.right.span, `'\\' on a map removes a set of its keys: expected ${showType(keySet)}, but this is ${showType(b)}`));
            }
            return a;
          }
          const b = expr(e.right, ctx, a.kind === 'set' ? a : expected);
          const symbol = e.op === 'union' ? '∪' : e.op === 'intersect' ? '∩' : '\\';
          if ((a.kind !== 'set' && a.kind !== 'unknown') || (b.kind !== 'set' && b.kind !== 'unknown')) {
            report(diagnostic('OperandType', a.kind !== 'set' && a.kind !== 'unknown' ? e.left.span : e.right.span, `'${symbol}' needs sets, but this is ${showType(a.kind !== 'set' && a.kind !== 'unknown' ? a : b)}`));
            return ty.unknown;
          }
          const joined = join(a, b);
          if (joined === undefined) {
            report(diagnostic('TypeMismatch', e.span, `'${symbol}' needs sets of the same type: ${showType(a)} and ${showType(b)} differ`));
            return ty.unknown;
          }
          return joined;
        }
        case 'concat': {
          const a = expr(e.left, ctx, expected);
          const b = expr(e.right, ctx, a.kind === 'seq' ? a : expected);
          if ((a.kind !== 'seq' && a.kind !== 'unknown') || (b.kind !== 'seq' && b.kind !== 'unknown')) {
            report(diagnostic('OperandType', e.span, `'++' concatenates sequences, but the operands are ${showType(a)} and ${showType(b)}`));
            return ty.unknown;
          }
          const joined = join(a, b);
          if (joined === undefined) {
            report(diagnostic('TypeMismatch', e.span, `'++' needs sequences of the same type: ${showType(a)} and ${showType(b)} differ`));
            return ty.unknown;
          }
          return joined;
        }
        case 'range': {
          const a = expr(e.left, ctx, ty.nat);
          const b = expr(e.right, ctx, ty.nat);
          for (const [side, t] of [[e.left, a], [e.right, b]] as const) {
            if (!isNumeric(t)) report(diagnostic('OperandType', side.span, `'..' needs numbers, but this is ${showType(t)}`));
          }
          return ty.setOf(a.kind === 'int' || b.kind === 'int' ? ty.int : ty.nat);
        }
        default:
          return assertNever(e.op);
      }
    }

    function call(e: ast.Call, ctx: Ctx, expected?: Type): Type {
      const name = e.callee.text;
      const def = (ctx.scope?.defs.get(name)) ?? protocolScope.defs.get(name) ?? protocol.scopes.find((s) => s.defs.has(name))?.defs.get(name);
      if (def !== undefined) {
        if (def.role !== undefined && ctx.mode === 'process' && ctx.scope?.role?.name.text !== def.role) {
          report(diagnostic('UnknownName', e.callee.span, `'${name}' is defined in role '${def.role}' and reads its state; it cannot be used here`));
        }
        checkDef(def);
        if (ctx.mode === 'message' && processDefs.has(name)) {
          report(diagnostic('StateOutsideProcess', e.callee.span, `'${name}' reads the state of the process running it; a validity predicate is about the message alone`, {
            hint: 'use only the fields, sender, parameters, constants, verify, hash and defs that read no state',
          }));
        } else if (ctx.mode !== 'process' && ctx.mode !== 'message' && stateReadingDefs.has(name)) {
          report(diagnostic('StateOutsideProcess', e.callee.span, `'${name}' reads the state of the process running it, so it cannot be used ${ctx.mode === 'property' ? 'in a property' : 'here'}`, {
            hint: 'give it the values it needs as parameters',
          }));
        }
        if (ctx.def !== undefined && stateReadingDefs.has(name)) ctx.def.readsState = true;
        if (ctx.def !== undefined && processDefs.has(name)) ctx.def.readsProcess = true;
        if (ctx.def !== undefined && ctx.def.name === name) {
          report(diagnostic('RecursiveDefinition', e.callee.span, `'${name}' calls itself; definitions must not be recursive`, {
            hint: "use a comprehension, a quantifier or 'max ... by' instead of recursion",
          }));
        }
        calls.set(e.id, { kind: 'def', name, ...(def.role === undefined ? {} : { role: def.role }) });
        args(e.args, def.params, e.callee, ctx, 'definition');
        return def.result;
      }
      const message = protocol.messages.get(name);
      if (message !== undefined) {
        calls.set(e.id, { kind: 'message', name });
        args(e.args, message.type.fields.map((f) => f.type), e.callee, ctx, 'message');
        return message.type;
      }
      const record = protocol.types.get(name);
      if (record !== undefined && record.kind === 'record') {
        calls.set(e.id, { kind: 'record', name });
        args(e.args, record.fields.map((f) => f.type), e.callee, ctx, 'record');
        return record;
      }
      if (builtinFunctions.has(name)) {
        calls.set(e.id, { kind: 'builtin', name });
        return builtin(e, ctx, expected);
      }
      const found = lookup(name, ctx);
      if (found !== undefined) {
        const what: Record<Ref['kind'], string> = {
          param: 'parameter', state: 'state variable', const: 'constant', local: 'local value', role: 'role',
          enumMember: 'enum member', self: 'process id', correct: 'set of processes', allProcesses: 'set of processes',
        };
        report(diagnostic('NotAFunction', e.callee.span, `'${name}' is a ${what[found.ref.kind]}, not something that can be called`));
      } else if (protocol.requests.has(name) || protocol.indications.has(name)) {
        report(diagnostic('NotAFunction', e.callee.span, `'${name}' is an interface event; ${protocol.requests.has(name) ? `react to it with 'upon ${name}(...)'` : `emit it with 'trigger ${name}(...)'`}`));
      } else {
        const candidates = [...protocol.scopes.flatMap((s) => [...s.defs.keys()]), ...protocol.messages.keys(), ...builtinFunctions];
        report(diagnostic('UnknownName', e.callee.span, `unknown function '${name}'`, didYouMean(name, candidates)));
      }
      e.args.forEach((a) => expr(a, ctx));
      return ty.unknown;
    }

    function builtin(e: ast.Call, ctx: Ctx, expected?: Type): Type {
      const name = e.callee.text;
      const arity: Record<string, number> = {
        some: 1, get: 1, size: 1, keys: 1, values: 1, elems: 1, max: 1, min: 1, sum: 1, last: 1, append: 2, head: 1, tail: 1,
        sign: 1, verify: 3, hash: 1, cert: 2, signers: 1, signedBy: 2,
      };
      const want = arity[name]!;
      // `signedBy(c, k)` or `signedBy(c, k, S)`: k signers among S.
      const wantOk = e.args.length === want || (name === 'signedBy' && e.args.length === 3);
      if (!wantOk) {
        const takes = name === 'signedBy' ? '2 or 3 arguments' : `${want} argument${want === 1 ? '' : 's'}`;
        report(diagnostic('WrongArgumentCount', e.callee.span, `'${name}' takes ${takes}, but ${e.args.length} ${e.args.length === 1 ? 'is' : 'are'} given`));
        e.args.forEach((a) => expr(a, ctx));
        return ty.unknown;
      }
      const [first, second, third] = e.args as [ast.Expr, ast.Expr | undefined, ast.Expr | undefined];
      switch (name) {
        case 'some':
          return ty.optionOf(expr(first, ctx, expected?.kind === 'option' ? expected.of : undefined));
        case 'get': {
          const t = expr(first, ctx);
          if (t.kind === 'option') return t.of;
          if (t.kind !== 'unknown') report(diagnostic('NotAnOption', first.span, `'get' unwraps an Option, but this is ${showType(t)}`));
          return ty.unknown;
        }
        case 'size': {
          const t = expr(first, ctx);
          if (elementType(t) === undefined) report(diagnostic('NotACollection', first.span, `'size' needs a set, sequence or map, but this is ${showType(t)}`));
          return ty.nat;
        }
        case 'keys': case 'values': {
          const t = expr(first, ctx);
          if (t.kind === 'map') return ty.setOf(name === 'keys' ? t.key : t.value);
          if (t.kind !== 'unknown') report(diagnostic('OperandType', first.span, `'${name}' needs a map, but this is ${showType(t)}`));
          return ty.setOf(ty.unknown);
        }
        case 'elems': {
          const t = expr(first, ctx);
          if (t.kind === 'seq') return ty.setOf(t.of);
          if (t.kind !== 'unknown') report(diagnostic('OperandType', first.span, `'elems' needs a sequence, but this is ${showType(t)}`));
          return ty.setOf(ty.unknown);
        }
        case 'max': case 'min': case 'sum': {
          const t = expr(first, ctx);
          const element = elementType(t);
          if (element === undefined || (t.kind !== 'set' && t.kind !== 'seq' && t.kind !== 'unknown')) {
            report(diagnostic('NotACollection', first.span, `'${name}' needs a set or sequence, but this is ${showType(t)}`));
            return ty.unknown;
          }
          if (name === 'sum' ? !isNumeric(element) : !isOrdered(element)) {
            report(diagnostic('NotOrdered', first.span, `'${name}' needs ${name === 'sum' ? 'numbers' : 'ordered elements'}, but the elements are ${showType(element)}`));
          }
          return element;
        }
        case 'last': case 'head': {
          const t = expr(first, ctx);
          if (t.kind === 'seq') return t.of;
          if (t.kind !== 'unknown') report(diagnostic('OperandType', first.span, `'${name}' needs a sequence, but this is ${showType(t)}`));
          return ty.unknown;
        }
        case 'tail': {
          const t = expr(first, ctx);
          if (t.kind !== 'seq' && t.kind !== 'unknown') report(diagnostic('OperandType', first.span, `'tail' needs a sequence, but this is ${showType(t)}`));
          return t;
        }
        case 'append': {
          const t = expr(first, ctx, expected);
          if (t.kind !== 'seq' && t.kind !== 'unknown') {
            report(diagnostic('OperandType', first.span, `'append' needs a sequence, but this is ${showType(t)}`));
            expr(second!, ctx);
            return ty.unknown;
          }
          const element = t.kind === 'seq' ? t.of : ty.unknown;
          const x = expr(second!, ctx, element);
          if (element.kind === 'unknown') return ty.seqOf(x);
          expect(second!.span, x, element, 'an element of this sequence');
          return t;
        }
        case 'sign':
          expr(first, ctx);
          if (ctx.mode === 'message') report(diagnostic('SelfOutsideProcess', e.callee.span, "'sign' signs as the process running a rule; a validity predicate checks signatures with 'verify'"));
          else if (ctx.mode !== 'process') report(diagnostic('SelfOutsideProcess', e.callee.span, "'sign' signs as the process running the rule; it has no meaning here"));
          if (ctx.def !== undefined) ctx.def.readsState = ctx.def.readsProcess = true; // it signs as the process running it
          return { kind: 'signature' };
        case 'verify': {
          needsCrypto(e, ctx);
          const s = expr(first, ctx, { kind: 'signature' });
          expect(first.span, s, { kind: 'signature' }, "the first argument of 'verify'");
          const p = expr(second!, ctx, ty.process);
          expect(second!.span, p, ty.process, "the signer given to 'verify'");
          expr(third!, ctx);
          return ty.bool;
        }
        case 'hash':
          needsCrypto(e, ctx);
          expr(first, ctx);
          return { kind: 'digest' };
        case 'cert': {
          // Forming a certificate keeps the votes whose signature verifies on the value.
          needsCrypto(e, ctx);
          const value = expr(first, ctx, expected?.kind === 'cert' ? expected.of : undefined);
          const votes = expr(second!, ctx, ty.votes);
          if (votesForm(votes) === undefined) {
            report(diagnostic('NotVotes', second!.span, `'cert' takes the votes as a set of (Process, Signature) pairs or as the messages of an 'as' binding, but this is ${showType(votes)}`, {
              hint: votes.kind === 'set' && votes.of.kind === 'message' && votes.of.withSender
                ? `message '${votes.of.name}' must have exactly one Signature field to be a vote`
                : "write cert(x, msgs) with the 'as msgs' of a quorum, or cert(x, { (m.sender, m.sig) | m in msgs })",
            }));
          }
          return ty.certOf(value);
        }
        case 'signers': {
          needsCrypto(e, ctx);
          certificate(first, ctx, name);
          return ty.setOf(ty.process);
        }
        case 'signedBy': {
          needsCrypto(e, ctx);
          certificate(first, ctx, name);
          const k = expr(second!, ctx, ty.nat);
          if (!isAssignable(k, ty.nat)) {
            report(diagnostic('QuorumNotNat', second!.span, `the number of signers 'signedBy' asks for must be a Nat, but this is ${showType(k)}`, {
              ...(k.kind === 'int' ? { hint: 'an Int may be negative; compute the threshold from Nat parameters' } : {}),
            }));
          }
          if (third !== undefined) {
            const among = expr(third, ctx, ty.setOf(ty.process));
            expect(third.span, among, ty.setOf(ty.process), "the processes 'signedBy' counts signers among");
          }
          return ty.bool;
        }
        default:
          throw new Error(`internal: unknown builtin ${name}`);
      }
    }

    /** Checks that the argument of `signers` or `signedBy` is a certificate. */
    function certificate(arg: ast.Expr, ctx: Ctx, name: string): void {
      const t = expr(arg, ctx);
      if (t.kind !== 'cert' && t.kind !== 'unknown') {
        report(diagnostic('NotACertificate', arg.span, `'${name}' needs a certificate (Cert[T]), but this is ${showType(t)}`, {
          hint: 'form one with cert(value, votes)',
        }));
      }
    }

    /** `verify` and `hash` run on the process's cryptography (symbolic or real): only in rules and the defs they call. */
    function needsCrypto(e: ast.Call, ctx: Ctx): void {
      if (ctx.mode !== 'process' && ctx.mode !== 'message') {
        report(diagnostic('SelfOutsideProcess', e.callee.span, `'${e.callee.text}' needs the cryptography of the process running a rule; it cannot be used here`, {
          hint: 'compute it in a rule (for example in `upon start`) and keep the result in the state',
        }));
      }
      if (ctx.def !== undefined) ctx.def.readsState = true;
    }

    function field(e: ast.FieldAccess, ctx: Ctx): Type {
      const target = expr(e.target, ctx);
      const name = e.field.text;
      switch (target.kind) {
        case 'unknown':
          return ty.unknown;
        case 'tuple': {
          const index = Number(name);
          if (!Number.isInteger(index) || index < 1 || index > target.elements.length) {
            report(diagnostic('UnknownField', e.field.span, `a ${target.elements.length}-tuple has elements .1 to .${target.elements.length}, not .${name}`));
            return ty.unknown;
          }
          return target.elements[index - 1]!;
        }
        case 'record':
        case 'message': {
          const f = target.fields.find((x) => x.name === name);
          if (f !== undefined) return f.type;
          if (target.kind === 'message' && target.withSender && name === 'sender') return ty.process;
          const names = target.fields.map((x) => x.name).concat(target.kind === 'message' && target.withSender ? ['sender'] : []);
          report(diagnostic('UnknownField', e.field.span, `${target.kind === 'record' ? 'record' : 'message'} '${target.name}' has no field '${name}'`, {
            ...didYouMean(name, names),
            notes: [{ message: `its fields are: ${names.join(', ') || '(none)'}` }],
          }));
          return ty.unknown;
        }
        case 'cert': {
          if (name === 'value') return target.of;
          if (name === 'votes') return ty.votes;
          report(diagnostic('UnknownField', e.field.span, `a certificate has the fields 'value' and 'votes', not '${name}'`, {
            ...(name === 'signers' ? { hint: 'signers(c) is the set of processes whose signature on c.value verifies' } : didYouMean(name, ['value', 'votes'])),
          }));
          return ty.unknown;
        }
        case 'process': {
          if (ctx.mode !== 'property') {
            report(diagnostic('RemoteStateRead', e.span, `a process cannot read the state of another process ('${name}' of a process)`, {
              ...(ctx.mode === 'process' ? { hint: "send the value in a message; only properties may read every process's state" } : {}),
            }));
            return ty.unknown;
          }
          const scopes = target.role === undefined ? protocol.scopes : protocol.scopes.filter((s) => s.role === undefined || s.role.name.text === target.role);
          for (const scope of scopes) {
            const state = scope.state.get(name);
            if (state !== undefined) {
              usage.readState.add(`${scope.role?.name.text ?? ''}.${name}`);
              return state.type;
            }
          }
          const indication = protocol.indications.get(name);
          if (indication !== undefined) {
            return ty.seqOf(indication.params.length === 1 ? indication.params[0]! : { kind: 'tuple', elements: indication.params });
          }
          const candidates = [...scopes.flatMap((s) => [...s.state.keys()]), ...protocol.indications.keys()];
          report(diagnostic('UnknownStateField', e.field.span, `processes have no state variable or indication '${name}'`, {
            ...didYouMean(name, candidates),
            notes: [{ message: `state variables: ${scopes.flatMap((s) => [...s.state.keys()]).join(', ') || '(none)'}` }],
          }));
          return ty.unknown;
        }
        default:
          report(diagnostic('NoFields', e.field.span, `a value of type ${showType(target)} has no fields; '.${name}' is not defined`));
          return ty.unknown;
      }
    }
  }
}
