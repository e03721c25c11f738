/**
 * Collects what each protocol declares, resolves written types, and links `uses` to the
 * protocols they name. Names used inside expressions and rule bodies are resolved later,
 * together with their types, by the types stage (they need scopes that only typing builds).
 */
import type * as ast from '../ast/ast.js';
import { assertNever } from '../ast/ast.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import * as ty from '../types/types.js';
import type { Type } from '../types/types.js';
import { didYouMean } from './suggest.js';
import type { DefSymbol, EventSymbol, MessageSymbol, ModuleSymbol, ProtocolSymbols, ResolvedSpec, Scope } from './types.js';

const builtinTypes = new Map<string, Type>([
  ['Nat', ty.nat], ['Int', ty.int], ['Bool', ty.bool], ['Process', ty.process], ['Value', ty.value],
  ['String', ty.string], ['Signature', { kind: 'signature' }], ['Digest', { kind: 'digest' }],
]);
const genericArity = new Map([['Option', 1], ['Set', 1], ['Seq', 1], ['Map', 2], ['Cert', 1]]);

type TypeDecl = ast.TypeAliasDecl | ast.EnumDecl | ast.RecordDecl;

/** Resolves the declarations of all protocols in the given files. */
export function resolveDeclarations(specs: readonly ast.Spec[]): { value: ResolvedSpec; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic) => diagnostics.push(d);
  const protocolDecls = new Map<string, ast.Protocol>();
  for (const spec of specs) {
    for (const protocol of spec.protocols) {
      const previous = protocolDecls.get(protocol.name.text);
      if (previous !== undefined) {
        report(duplicate(protocol.name, previous.name, 'protocol'));
        continue;
      }
      protocolDecls.set(protocol.name.text, protocol);
    }
  }
  const protocols = new Map<string, ProtocolSymbols>();
  const resolving = new Set<string>();
  const resolveProtocol = (name: string, usedAt?: ast.Name): ProtocolSymbols | undefined => {
    const done = protocols.get(name);
    if (done !== undefined) return done;
    const decl = protocolDecls.get(name);
    if (decl === undefined) return undefined;
    if (resolving.has(name)) {
      if (usedAt !== undefined) {
        report(diagnostic('CyclicUses', usedAt.span, `protocol '${name}' uses itself through 'uses' declarations`, {
          hint: 'a protocol is built from smaller ones; break the cycle',
        }));
      }
      return undefined;
    }
    resolving.add(name);
    const symbols = collect(decl, specs.find((s) => s.protocols.includes(decl))!.file, resolveProtocol, report, new Set(protocolDecls.keys()));
    resolving.delete(name);
    protocols.set(name, symbols);
    return symbols;
  };
  for (const name of protocolDecls.keys()) resolveProtocol(name);
  // Keep declaration order across files.
  const ordered = new Map<string, ProtocolSymbols>();
  for (const name of protocolDecls.keys()) ordered.set(name, protocols.get(name)!);
  return { value: { specs, protocols: ordered }, diagnostics };
}

function duplicate(name: ast.Name, first: ast.Name, what: string): Diagnostic {
  return diagnostic('DuplicateDeclaration', name.span, `${what} '${name.text}' is declared twice`, {
    notes: [{ message: 'first declared here', span: first.span }],
    hint: `rename one of them or remove the second declaration`,
  });
}

function collect(
  protocol: ast.Protocol,
  file: string,
  resolveProtocol: (name: string, usedAt?: ast.Name) => ProtocolSymbols | undefined,
  report: (d: Diagnostic) => void,
  protocolNames: ReadonlySet<string>,
): ProtocolSymbols {
  const params = new Map<string, { decl: ast.Param; type: Type }>();
  const assumes: ast.AssumeDecl[] = [];
  const faults: ast.FaultsDecl[] = [];
  const consts = new Map<string, ast.ConstDecl>();
  const typeDecls = new Map<string, TypeDecl>();
  const types = new Map<string, Type>();
  const enumMembers = new Map<string, Type & { kind: 'enum' }>();
  const messages = new Map<string, MessageSymbol>();
  const requests = new Map<string, EventSymbol>();
  const indications = new Map<string, EventSymbol>();
  const modules = new Map<string, ModuleSymbol>();
  const roles = new Map<string, ast.RoleDecl>();
  const properties: ast.PropertyDecl[] = [];
  const scenarios: ast.ScenarioDecl[] = [];

  const ruleLabels = new Map<string, ast.Name>();
  /** Top-level value names share one namespace: a second declaration is an error. */
  const valueNames = new Map<string, ast.Name>();
  const claim = (name: ast.Name, what: string): boolean => {
    const previous = valueNames.get(name.text);
    if (previous !== undefined) {
      report(duplicate(name, previous, what));
      return false;
    }
    valueNames.set(name.text, name);
    return true;
  };

  // Pass 1: type declarations and roles, so every later type can refer to them.
  const allMembers = (members: readonly ast.Member[]): ast.Member[] =>
    members.flatMap((m) => (m.kind === 'role' ? [m, ...allMembers(m.members)] : [m]));
  for (const member of allMembers(protocol.members)) {
    if (member.kind === 'typeAlias' || member.kind === 'enum' || member.kind === 'record') {
      const previous = typeDecls.get(member.name.text);
      if (previous !== undefined || builtinTypes.has(member.name.text) || genericArity.has(member.name.text)) {
        if (previous !== undefined) report(duplicate(member.name, previous.name, 'type'));
        else report(diagnostic('DuplicateDeclaration', member.name.span, `'${member.name.text}' is a built-in type and cannot be declared again`));
        continue;
      }
      typeDecls.set(member.name.text, member);
    } else if (member.kind === 'role') {
      if (claim(member.name, 'role')) roles.set(member.name.text, member);
    }
  }

  const inProgress = new Set<string>();
  const namedType = (name: ast.Name): Type => {
    const builtin = builtinTypes.get(name.text);
    if (builtin !== undefined) return builtin;
    if (roles.has(name.text)) return { kind: 'process', role: name.text };
    const known = types.get(name.text);
    if (known !== undefined) return known;
    const decl = typeDecls.get(name.text);
    if (decl === undefined) {
      const candidates = [...builtinTypes.keys(), ...genericArity.keys(), ...typeDecls.keys(), ...roles.keys()];
      report(diagnostic('UnknownType', name.span, `unknown type '${name.text}'`, didYouMean(name.text, candidates)));
      return ty.unknown;
    }
    if (inProgress.has(name.text)) {
      report(diagnostic('UnknownType', name.span, `type '${name.text}' is defined in terms of itself`, {
        hint: 'use Seq, Set or Map of an id instead of a type that contains itself',
      }));
      return ty.unknown;
    }
    inProgress.add(name.text);
    let result: Type;
    switch (decl.kind) {
      case 'typeAlias':
        result = typeOf(decl.type);
        break;
      case 'enum':
        result = { kind: 'enum', name: decl.name.text, members: decl.members.map((m) => m.text) };
        break;
      case 'record':
        result = { kind: 'record', name: decl.name.text, fields: decl.fields.map((f) => ({ name: f.name.text, type: typeOf(f.type) })) };
        break;
    }
    inProgress.delete(name.text);
    types.set(name.text, result);
    return result;
  };

  const typeOf = (t: ast.TypeExpr): Type => {
    switch (t.kind) {
      case 'namedType':
        if (genericArity.has(t.name.text)) {
          report(diagnostic('UnknownType', t.span, `'${t.name.text}' needs ${genericArity.get(t.name.text) === 2 ? 'a key and a value type' : 'an element type'}`, {
            hint: `write ${t.name.text === 'Map' ? "'Map[K, V]'" : `'${t.name.text}[T]'`}`,
          }));
          return ty.unknown;
        }
        return namedType(t.name);
      case 'tupleType':
        return { kind: 'tuple', elements: t.elements.map(typeOf) };
      case 'genericType': {
        const arity = genericArity.get(t.name.text);
        const args = t.args.map(typeOf);
        if (arity === undefined) {
          report(diagnostic('UnknownType', t.name.span, `unknown generic type '${t.name.text}'`, {
            ...didYouMean(t.name.text, genericArity.keys()),
          }));
          return ty.unknown;
        }
        if (args.length !== arity) {
          report(diagnostic('WrongArgumentCount', t.span, `'${t.name.text}' takes ${arity} type argument${arity === 1 ? '' : 's'}, not ${args.length}`));
          return ty.unknown;
        }
        switch (t.name.text) {
          case 'Option':
            // `none` and `some(none)` would be one value at run time (an option is its value or null).
            if (args[0]!.kind === 'option') {
              report(diagnostic('NestedOption', t.span, `an option of an option is not supported: 'some(none)' and 'none' would be the same value`, {
                hint: 'use an enum or a record to say which case it is, e.g. record Slot(decided: Bool, v: Option[Value])',
              }));
              return ty.unknown;
            }
            return { kind: 'option', of: args[0]! };
          case 'Set': return { kind: 'set', of: args[0]! };
          case 'Seq': return { kind: 'seq', of: args[0]! };
          case 'Cert': return { kind: 'cert', of: args[0]! };
          default: return { kind: 'map', key: args[0]!, value: args[1]! };
        }
      }
      default:
        return assertNever(t);
    }
  };

  for (const decl of typeDecls.values()) {
    namedType(decl.name);
    if (decl.kind === 'enum') {
      const enumType = types.get(decl.name.text);
      if (enumType?.kind !== 'enum') continue;
      for (const member of decl.members) {
        if (claim(member, 'enum member')) enumMembers.set(member.text, enumType);
      }
    }
  }

  const eventSymbol = (e: ast.InterfaceEvent): EventSymbol => ({ decl: e, params: e.params.map((p) => typeOf(p.type)) });

  const makeScope = (members: readonly ast.Member[], role?: ast.RoleDecl): Scope => {
    const state = new Map<string, { decl: ast.StateVar; type: Type }>();
    const timers = new Map<string, { decl: ast.TimerDecl; params: Type[] }>();
    const defs = new Map<string, DefSymbol>();
    const rules: ast.Rule[] = [];
    const scopeNames = new Map<string, ast.Name>();
    const claimLocal = (name: ast.Name, what: string): boolean => {
      const previous = scopeNames.get(name.text) ?? valueNames.get(name.text);
      if (previous !== undefined) {
        report(duplicate(name, previous, what));
        return false;
      }
      scopeNames.set(name.text, name);
      if (role === undefined) valueNames.set(name.text, name);
      return true;
    };
    for (const member of members) {
      switch (member.kind) {
        case 'state':
          for (const v of member.vars) if (claimLocal(v.name, 'state variable')) state.set(v.name.text, { decl: v, type: typeOf(v.type) });
          break;
        case 'timers':
          for (const timer of member.timers) {
            const previous = timers.get(timer.name.text);
            if (previous !== undefined) report(duplicate(timer.name, previous.decl.name, 'timer'));
            else timers.set(timer.name.text, { decl: timer, params: timer.params.map((p) => typeOf(p.type)) });
          }
          break;
        case 'def':
          if (claimLocal(member.name, 'definition')) {
            defs.set(member.name.text, {
              decl: member, params: member.params.map((p) => typeOf(p.type)), result: typeOf(member.result),
              ...(role === undefined ? {} : { role: role.name.text }),
            });
          }
          break;
        case 'rule':
          if (member.label !== undefined) {
            const previous = ruleLabels.get(member.label.text);
            if (previous !== undefined) {
              report(diagnostic('DuplicateRuleName', member.label.span, `two rules are named '${member.label.text}'`, {
                notes: [{ message: 'the other rule', span: previous.span }],
                hint: 'rule names become method names in the generated code; make them unique',
              }));
            } else ruleLabels.set(member.label.text, member.label);
          }
          rules.push(member);
          break;
        default:
          break;
      }
    }
    return { ...(role === undefined ? {} : { role }), state, timers, defs, rules };
  };

  // Pass 2: everything else at protocol level.
  for (const member of protocol.members) {
    switch (member.kind) {
      case 'parameters':
        for (const p of member.params) if (claim(p.name, 'parameter')) params.set(p.name.text, { decl: p, type: typeOf(p.type) });
        break;
      case 'assume':
        assumes.push(member);
        break;
      case 'faults':
        faults.push(member);
        break;
      case 'const':
        if (claim(member.name, 'constant')) consts.set(member.name.text, member);
        break;
      case 'interface':
        for (const e of member.events) {
          const table = e.direction === 'request' ? requests : indications;
          const other = e.direction === 'request' ? indications : requests;
          const previous = table.get(e.name.text) ?? other.get(e.name.text);
          if (previous !== undefined) report(duplicate(e.name, previous.decl.name, 'interface event'));
          else table.set(e.name.text, eventSymbol(e));
        }
        break;
      case 'messages':
        for (const m of member.messages) {
          const previous = messages.get(m.name.text);
          if (previous !== undefined) {
            report(duplicate(m.name, previous.decl.name, 'message'));
            continue;
          }
          const fields = m.fields.map((f) => ({ name: f.name.text, type: typeOf(f.type) }));
          const seen = new Map<string, ast.Name>();
          for (const f of m.fields) {
            const first = seen.get(f.name.text);
            if (first !== undefined) report(duplicate(f.name, first, 'message field'));
            seen.set(f.name.text, f.name);
          }
          messages.set(m.name.text, { decl: m, type: { kind: 'message', name: m.name.text, fields, withSender: false } });
        }
        break;
      case 'uses': {
        if (!claim(member.alias, 'sub-module')) break;
        const used = resolveProtocol(member.protocol.text, member.protocol);
        if (used === undefined && !protocolNames.has(member.protocol.text)) {
          report(diagnostic('UnknownProtocol', member.protocol.span, `unknown protocol '${member.protocol.text}'`, {
            hint: `give the file that declares 'protocol ${member.protocol.text}' to the same command`,
          }));
        }
        const keyType = member.key === undefined ? undefined : typeOf(member.key.type);
        modules.set(member.alias.text, {
          decl: member, ...(used === undefined ? {} : { protocol: used }), ...(keyType === undefined ? {} : { keyType }),
        });
        break;
      }
      case 'property':
        if (properties.some((p) => p.name.text === member.name.text)) {
          report(duplicate(member.name, properties.find((p) => p.name.text === member.name.text)!.name, 'property'));
        } else properties.push(member);
        break;
      case 'scenario':
        if (scenarios.some((p) => p.name.text === member.name.text)) {
          report(duplicate(member.name, scenarios.find((p) => p.name.text === member.name.text)!.name, 'scenario'));
        } else scenarios.push(member);
        break;
      default:
        break;
    }
  }
  const scopes: Scope[] = [makeScope(protocol.members)];
  for (const role of roles.values()) {
    for (const m of role.members) {
      if (m.kind !== 'state' && m.kind !== 'timers' && m.kind !== 'def' && m.kind !== 'rule' && m.kind !== 'const' && m.kind !== 'typeAlias' && m.kind !== 'enum' && m.kind !== 'record') {
        report(diagnostic('DuplicateRoleMember', m.span, `a role holds state, timers, definitions and rules; '${m.kind}' belongs at protocol level`, {
          hint: `move it out of role '${role.name.text}' to the protocol body`,
        }));
      }
    }
    scopes.push(makeScope(role.members, role));
  }
  for (const role of roles.values()) for (const m of role.members) if (m.kind === 'const' && claim(m.name, 'constant')) consts.set(m.name.text, m);

  if (roles.size === 0) {
    const n = params.get('n');
    if (n === undefined || (n.type.kind !== 'nat' && n.type.kind !== 'unknown')) {
      report(diagnostic('MissingProcessCount', protocol.name.span, `protocol '${protocol.name.text}' has no roles, so it needs the parameter 'n: Nat' (the number of processes)`, {
        hint: "add 'parameters n: Nat', or declare roles with 'role R played by k processes'",
      }));
    }
  }

  return {
    decl: protocol, file, params, assumes, faults, consts, types, enumMembers, messages, requests, indications, modules,
    roles, scopes, properties, scenarios,
  };
}
