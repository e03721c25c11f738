/** `.rio` types as TypeScript types, default values and runtime type descriptors. */
import { assertNever } from '../ast/ast.js';
import * as ty from '../types/types.js';
import type { Type } from '../types/types.js';
import { pascal } from './naming.js';

/** The TypeScript type of a `.rio` type in generated code. */
export function tsType(t: Type): string {
  switch (t.kind) {
    case 'nat': return 'rio.Nat';
    case 'int': return 'rio.Int';
    case 'bool': return 'boolean';
    case 'string': return 'string';
    case 'process': return 'rio.Process';
    case 'value': return 'rio.Value';
    case 'signature':
    case 'digest':
    case 'unknown':
      return 'rio.Data';
    case 'option': return `${tsType(t.of)} | null`;
    case 'set': return `rio.RSet<${tsType(t.of)}>`;
    case 'seq': return `rio.Seq<${tsType(t.of)}>`;
    case 'map': return `rio.RMap<${tsType(t.key)}, ${tsType(t.value)}>`;
    case 'tuple': return `readonly [${t.elements.map(tsType).join(', ')}]`;
    case 'cert': return `rio.Cert<${tsType(t.of)}>`;
    case 'record': return pascal(t.name);
    case 'enum': return pascal(t.name);
    case 'message': return t.withSender ? `rio.WithSender<${messageTypeName(t.name)}>` : messageTypeName(t.name);
    default: return assertNever(t);
  }
}

/** `ECHO` → `EchoMessage`. */
export function messageTypeName(name: string): string {
  return `${pascal(name)}Message`;
}

/** The default value of a type, as a TypeScript expression (the checker ensured there is one). */
export function defaultValue(t: Type): string {
  switch (t.kind) {
    case 'nat': case 'int': return '0';
    case 'bool': return 'false';
    case 'string': return "''";
    case 'option': return 'null';
    case 'set': case 'seq': return '[]';
    case 'map': return 'rio.emptyMap()';
    case 'enum': return JSON.stringify(t.members[0] ?? '');
    case 'tuple': return `[${t.elements.map(defaultValue).join(', ')}] as const`;
    case 'record': return `{ ${t.fields.map((f) => `${f.name}: ${defaultValue(f.type)}`).join(', ')} }`;
    default: return 'null';
  }
}

/** A runtime type descriptor (`rio.TypeDesc`) as a TypeScript expression. */
export function typeDesc(t: Type): string {
  switch (t.kind) {
    case 'nat': case 'int': case 'bool': case 'string': case 'process': case 'value': case 'signature': case 'digest':
      return `{ kind: '${t.kind}' }`;
    case 'unknown': return "{ kind: 'value' }";
    case 'option': case 'set': case 'seq': return `{ kind: '${t.kind}', of: ${typeDesc(t.of)} }`;
    case 'map': return `{ kind: 'map', key: ${typeDesc(t.key)}, value: ${typeDesc(t.value)} }`;
    case 'tuple': return `{ kind: 'tuple', elements: [${t.elements.map(typeDesc).join(', ')}] }`;
    // At run time a certificate is the record { value, votes } (runtime/replica/cert.ts).
    case 'cert':
      return `{ kind: 'record', name: 'Cert', fields: [{ name: 'value', type: ${typeDesc(t.of)} }, { name: 'votes', type: ${typeDesc(ty.votes)} }] }`;
    case 'record': case 'message':
      return `{ kind: 'record', name: '${t.name}', fields: [${t.fields.map((f) => `{ name: '${f.name}', type: ${typeDesc(f.type)} }`).join(', ')}] }`;
    case 'enum': return `{ kind: 'enum', name: '${t.name}', members: [${t.members.map((m) => JSON.stringify(m)).join(', ')}] }`;
    default: return assertNever(t);
  }
}

/** True when `===` compares values of this type correctly (no arrays or objects). */
export function isPrimitive(t: Type | undefined): boolean {
  if (t === undefined) return false;
  switch (t.kind) {
    case 'nat': case 'int': case 'bool': case 'string': case 'process': case 'value': case 'enum':
      return true;
    case 'option':
      return isPrimitive(t.of);
    default:
      return false;
  }
}
