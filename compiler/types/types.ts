/** The types of `.rio` values, as the checker and code generator see them. */

export type Type =
  | { readonly kind: 'nat' }
  | { readonly kind: 'int' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' }
  /** A process id; `role` narrows it to the processes of one role. */
  | { readonly kind: 'process'; readonly role?: string }
  | { readonly kind: 'value' }
  | { readonly kind: 'signature' }
  | { readonly kind: 'digest' }
  /**
   * A certificate `Cert[T]`: a value of type T and the votes (signer, signature) of processes
   * on it; `signedBy` counts the distinct signers whose signature verifies on the value.
   */
  | { readonly kind: 'cert'; readonly of: Type }
  | { readonly kind: 'option'; readonly of: Type }
  | { readonly kind: 'set'; readonly of: Type }
  | { readonly kind: 'seq'; readonly of: Type }
  | { readonly kind: 'map'; readonly key: Type; readonly value: Type }
  | { readonly kind: 'tuple'; readonly elements: readonly Type[] }
  | { readonly kind: 'record'; readonly name: string; readonly fields: readonly Field[] }
  | { readonly kind: 'enum'; readonly name: string; readonly members: readonly string[] }
  /** A message value; elements of an `as msgs` set also carry `sender`. */
  | { readonly kind: 'message'; readonly name: string; readonly fields: readonly Field[]; readonly withSender: boolean }
  /** The type of an expression that already had an error: compatible with everything. */
  | { readonly kind: 'unknown' };

export interface Field {
  readonly name: string;
  readonly type: Type;
}

export const nat: Type = { kind: 'nat' };
export const int: Type = { kind: 'int' };
export const bool: Type = { kind: 'bool' };
export const string: Type = { kind: 'string' };
export const process: Type = { kind: 'process' };
export const value: Type = { kind: 'value' };
export const unknown: Type = { kind: 'unknown' };
export const setOf = (of: Type): Type => ({ kind: 'set', of });
export const seqOf = (of: Type): Type => ({ kind: 'seq', of });
export const optionOf = (of: Type): Type => ({ kind: 'option', of });
export const certOf = (of: Type): Type => ({ kind: 'cert', of });
export const signature: Type = { kind: 'signature' };
/** A vote of a certificate: (signer, signature). */
export const vote: Type = { kind: 'tuple', elements: [process, signature] };
/** The votes of a certificate. */
export const votes: Type = setOf(vote);

/** How a type is written in a spec, for messages. */
export function showType(t: Type): string {
  switch (t.kind) {
    case 'nat': return 'Nat';
    case 'int': return 'Int';
    case 'bool': return 'Bool';
    case 'string': return 'String';
    case 'process': return t.role === undefined ? 'Process' : `Process (${t.role})`;
    case 'value': return 'Value';
    case 'signature': return 'Signature';
    case 'digest': return 'Digest';
    case 'cert': return `Cert[${showType(t.of)}]`;
    case 'option': return `Option[${showType(t.of)}]`;
    case 'set': return `Set[${showType(t.of)}]`;
    case 'seq': return `Seq[${showType(t.of)}]`;
    case 'map': return `Map[${showType(t.key)}, ${showType(t.value)}]`;
    case 'tuple': return `(${t.elements.map(showType).join(', ')})`;
    case 'record': return t.name;
    case 'enum': return t.name;
    case 'message': return t.withSender ? `${t.name} (with sender)` : t.name;
    case 'unknown': return '?';
  }
}

/** True when a value of type `from` may be used where `to` is expected. */
export function isAssignable(from: Type, to: Type): boolean {
  if (from.kind === 'unknown' || to.kind === 'unknown') return true;
  switch (to.kind) {
    case 'int':
      return from.kind === 'int' || from.kind === 'nat';
    // Process ids and opaque values are numbers at run time; a Nat may stand for either,
    // so that `leader(v) = v % n` and `broadcast(7)` read as in the papers.
    case 'process':
      return (from.kind === 'process' && (to.role === undefined || from.role === undefined || from.role === to.role)) || from.kind === 'nat';
    case 'value':
      return from.kind === 'value' || from.kind === 'nat' || from.kind === 'string';
    case 'option':
      return from.kind === 'option' && isAssignable(from.of, to.of);
    case 'set':
      return from.kind === 'set' && isAssignable(from.of, to.of);
    case 'seq':
      return from.kind === 'seq' && isAssignable(from.of, to.of);
    case 'cert':
      return from.kind === 'cert' && isAssignable(from.of, to.of);
    case 'map':
      return (from.kind === 'map' && isAssignable(from.key, to.key) && isAssignable(from.value, to.value)) ||
        (from.kind === 'set' && from.of.kind === 'unknown');
    case 'tuple':
      return from.kind === 'tuple' && from.elements.length === to.elements.length && from.elements.every((e, i) => isAssignable(e, to.elements[i]!));
    case 'record':
    case 'enum':
      return from.kind === to.kind && from.name === to.name;
    case 'message':
      return from.kind === 'message' && from.name === to.name && (from.withSender || !to.withSender);
    default:
      return from.kind === to.kind;
  }
}

/** True when values of the two types can be compared with `=`. */
export function isComparable(a: Type, b: Type): boolean {
  return isAssignable(a, b) || isAssignable(b, a);
}

/** True when `<` orders values of this type. */
export function isOrdered(t: Type): boolean {
  switch (t.kind) {
    case 'nat': case 'int': case 'process': case 'value': case 'string': case 'unknown': case 'enum':
      return true;
    case 'tuple':
      return t.elements.every(isOrdered);
    default:
      return false;
  }
}

/** True for Nat and Int (and unknown, to avoid cascades). */
export function isNumeric(t: Type): boolean {
  return t.kind === 'nat' || t.kind === 'int' || t.kind === 'unknown';
}

/** The least type both may be assigned to, if any (used for if-branches and literals). */
export function join(a: Type, b: Type): Type | undefined {
  if (a.kind === 'unknown') return b;
  if (b.kind === 'unknown') return a;
  // Processes of different roles join to plain processes (e.g. `Learner ∪ Proposer`).
  if (a.kind === 'process' && b.kind === 'process') return a.role === b.role ? a : process;
  if ((a.kind === 'set' && b.kind === 'set') || (a.kind === 'seq' && b.kind === 'seq') || (a.kind === 'option' && b.kind === 'option') || (a.kind === 'cert' && b.kind === 'cert')) {
    const of = join(a.of, b.of);
    return of === undefined ? undefined : { kind: a.kind, of };
  }
  if (isAssignable(a, b)) return b;
  if (isAssignable(b, a)) return a;
  return undefined;
}

/** True when the type has a default value (used for uninitialised state and map lookups). */
export function hasDefault(t: Type): boolean {
  switch (t.kind) {
    case 'nat': case 'int': case 'bool': case 'string': case 'option': case 'set': case 'seq': case 'map': case 'unknown':
      return true;
    case 'enum':
      return t.members.length > 0;
    case 'tuple':
      return t.elements.every(hasDefault);
    case 'record':
      return t.fields.every((f) => hasDefault(f.type));
    default:
      return false;
  }
}

/** The element type when iterating: Set[T] and Seq[T] give T, Map[K, V] gives K. */
export function elementType(t: Type): Type | undefined {
  if (t.kind === 'set' || t.kind === 'seq') return t.of;
  if (t.kind === 'map') return t.key;
  if (t.kind === 'unknown') return t;
  return undefined;
}

/**
 * How the votes given to `cert(x, votes)` are written: (Process, Signature) pairs, or the
 * messages of an `as msgs` binding whose one Signature field is the sender's vote (`field`).
 * Undefined when the type is neither.
 */
export function votesForm(t: Type): { readonly kind: 'pairs' } | { readonly kind: 'messages'; readonly field: string } | undefined {
  if (t.kind === 'unknown') return { kind: 'pairs' };
  if (t.kind !== 'set') return undefined;
  if (t.of.kind === 'message' && t.of.withSender) {
    const signatures = t.of.fields.filter((f) => f.type.kind === 'signature');
    return signatures.length === 1 ? { kind: 'messages', field: signatures[0]!.name } : undefined;
  }
  return isAssignable(t.of, vote) ? { kind: 'pairs' } : undefined;
}
