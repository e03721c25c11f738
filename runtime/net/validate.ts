/**
 * Checking that decoded data is a well-typed message of the protocol before it reaches a
 * replica. A Byzantine peer controls every byte it sends, so nothing is assumed: a "set"
 * must be sorted in the canonical order without duplicates, a map's keys likewise, a
 * record must have exactly its fields, a process id must name a process, and `$via`
 * envelopes must name a sub-module whose own message types then check the inner message.
 * Problems are returned as text (diagnostics as data); nothing here throws.
 */
import type { EventDesc, ProtocolModule, Tagged, TypeDesc, Wire } from '../replica/contract.js';
import { compare, type Data } from '../replica/values.js';

/** What values must respect beyond their type. */
export interface ValidationLimits {
  /** Process ids are 0 .. processCount-1. */
  readonly processCount: number;
  /** Nesting depth of arrays and records (a deeply nested payload must not exhaust the stack). */
  readonly maxDepth: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Null when `v` is a well-formed value of type `t`, else what is wrong with it and where. */
export function checkValue(t: TypeDesc, v: unknown, limits: ValidationLimits, path: string, depth = 0): string | null {
  if (depth > limits.maxDepth) return `${path}: nested deeper than ${limits.maxDepth}`;
  const bad = (what: string) => `${path}: expected ${what}, got ${describe(v)}`;
  switch (t.kind) {
    case 'nat':
    case 'value':
      return Number.isSafeInteger(v) && (v as number) >= 0 ? null : bad(`a ${t.kind === 'nat' ? 'Nat' : 'Value'} (a non-negative integer)`);
    case 'int':
      return Number.isSafeInteger(v) ? null : bad('an Int');
    case 'process':
      return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < limits.processCount ? null : bad(`a Process (0..${limits.processCount - 1})`);
    case 'bool':
      return typeof v === 'boolean' ? null : bad('a Bool');
    case 'string':
    case 'signature':
    case 'digest':
      return typeof v === 'string' ? null : bad(`a ${t.kind}`);
    case 'enum':
      return typeof v === 'string' && t.members.includes(v) ? null : bad(`one of ${t.members.join(', ')}`);
    case 'option':
      return v === null ? null : checkValue(t.of, v, limits, path, depth + 1);
    case 'seq':
    case 'set': {
      if (!Array.isArray(v)) return bad(`a ${t.kind === 'set' ? 'Set' : 'Seq'} (an array)`);
      for (let i = 0; i < v.length; i++) {
        const problem = checkValue(t.of, v[i], limits, `${path}[${i}]`, depth + 1);
        if (problem !== null) return problem;
        if (t.kind === 'set' && i > 0 && compare(v[i - 1], v[i]) >= 0) return `${path}: a Set must be sorted without duplicates (element ${i} is not greater than element ${i - 1})`;
      }
      return null;
    }
    case 'map': {
      if (!Array.isArray(v)) return bad('a Map (an array of [key, value] pairs)');
      for (let i = 0; i < v.length; i++) {
        const entry: unknown = v[i];
        if (!Array.isArray(entry) || entry.length !== 2) return `${path}[${i}]: expected a [key, value] pair, got ${describe(entry)}`;
        const problem = checkValue(t.key, entry[0], limits, `${path}[${i}].key`, depth + 1) ?? checkValue(t.value, entry[1], limits, `${path}[${i}].value`, depth + 1);
        if (problem !== null) return problem;
        if (i > 0 && compare((v[i - 1] as unknown[])[0], entry[0]) >= 0) return `${path}: a Map's keys must be sorted without duplicates (key ${i} is not greater than key ${i - 1})`;
      }
      return null;
    }
    case 'tuple': {
      if (!Array.isArray(v) || v.length !== t.elements.length) return bad(`a tuple of ${t.elements.length}`);
      for (let i = 0; i < v.length; i++) {
        const problem = checkValue(t.elements[i]!, v[i], limits, `${path}[${i}]`, depth + 1);
        if (problem !== null) return problem;
      }
      return null;
    }
    case 'record':
      return checkFields(t.name, t.fields, v, limits, path, depth, false);
  }
}

function checkFields(name: string, fields: EventDesc['fields'], v: unknown, limits: ValidationLimits, path: string, depth: number, tagged: boolean): string | null {
  if (!isPlainObject(v)) return `${path}: expected a ${name} record, got ${describe(v)}`;
  const expected = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(v)) {
    if (tagged && key === 'type') continue;
    if (!expected.has(key)) return `${path === name ? '' : `${path}: `}${name} has no field '${key}'`;
  }
  for (const field of fields) {
    if (!Object.hasOwn(v, field.name)) return `${path === name ? '' : `${path}: `}${name} lacks field '${field.name}'`;
    const problem = checkValue(field.type, v[field.name], limits, `${path}.${field.name}`, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}

/** Null when `v` is a well-typed event of one of `events` (a `{type, ...fields}` object). */
export function checkEvent(events: readonly EventDesc[], v: unknown, limits: ValidationLimits, what: string): string | null {
  if (!isPlainObject(v)) return `expected a ${what} (an object with a "type"), got ${describe(v)}`;
  const type = v['type'];
  const desc = typeof type === 'string' ? events.find((e) => e.name === type) : undefined;
  if (desc === undefined) return `${typeof type === 'string' ? `'${type}'` : describe(type)} is not a ${what} (known: ${events.map((e) => e.name).join(', ') || 'none'})`;
  return checkFields(desc.name, desc.fields, v, limits, desc.name, 0, true);
}

/** True when `v` is plain JSON data no deeper than `maxDepth` (sub-module keys are untyped in the contract). */
function checkData(v: unknown, maxDepth: number, path: string, depth = 0): string | null {
  if (depth > maxDepth) return `${path}: nested deeper than ${maxDepth}`;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path}: not a finite number`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const problem = checkData(v[i], maxDepth, `${path}[${i}]`, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const problem = checkData(x, maxDepth, `${path}.${k}`, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  return `${path}: not JSON data`;
}

/**
 * Null when `v` is a message a replica of `module` may receive: one of its message types,
 * or a `$via` envelope for one of its sub-modules carrying one of that sub-module's messages.
 */
export function checkWire(module: ProtocolModule<any, any>, v: unknown, limits: ValidationLimits, depth = 0): string | null {
  if (depth > 8) return 'sub-module envelopes nested deeper than 8';
  if (isPlainObject(v) && v['type'] === '$via') {
    const keys = Object.keys(v).sort().join(',');
    if (keys !== 'key,message,type,via') return `a $via envelope has exactly the fields type, via, key, message (got ${keys})`;
    const use = module.modules.find((m) => m.alias === v['via']);
    if (use === undefined) return `$via: ${describe(v['via'])} is not a sub-module of ${module.name} (known: ${module.modules.map((m) => m.alias).join(', ') || 'none'})`;
    if (!use.keyed && v['key'] !== null) return `$via ${use.alias}: the sub-module is not keyed, so its key must be null`;
    const keyProblem = checkData(v['key'], limits.maxDepth, `$via ${use.alias} key`);
    if (keyProblem !== null) return keyProblem;
    const inner = checkWire(use.protocol(), v['message'], limits, depth + 1);
    return inner === null ? null : `$via ${use.alias}: ${inner}`;
  }
  return checkEvent(module.messages, v, limits, `message of ${module.name}`);
}

/** Narrows after a successful check. */
export function asWire(v: unknown): Wire {
  return v as Wire;
}

/** Narrows after a successful check. */
export function asTagged(v: unknown): Tagged {
  return v as Tagged;
}

/** A short description of a value for error messages (never the whole of a huge payload). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const text = JSON.stringify(v as Data);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
