/**
 * Finite domains of well-typed values: what Byzantine processes may send in simulation,
 * and what the model checker enumerates. `values` bounds Value and Nat fields.
 */
import type { EventDesc, Tagged, TypeDesc } from '../replica/contract.js';
import { symbolicCrypto } from '../replica/crypto.js';
import type { Rng } from '../replica/rng.js';
import { encode, fingerprint, setOf, type Data, type Process } from '../replica/values.js';

export interface Domain {
  /** Value and Nat fields range over 0 .. values-1. */
  readonly values: number;
  readonly processes: readonly Process[];
  /** The process that signs (Byzantine processes can only produce their own signatures). */
  readonly signer: Process;
}

/** A random well-typed value. */
export function randomValue(t: TypeDesc, d: Domain, rng: Rng, depth = 0): Data {
  switch (t.kind) {
    case 'nat': case 'value': return rng.below(d.values);
    case 'int': return rng.below(d.values) - (d.values >> 1);
    case 'bool': return rng.chance(0.5);
    case 'process': return rng.pick(d.processes);
    case 'string': return `s${rng.below(d.values)}`;
    case 'signature': return symbolicCrypto.sign(d.signer, rng.below(d.values));
    case 'digest': return fingerprint(String(rng.below(d.values)));
    case 'option': return rng.chance(0.3) ? null : randomValue(t.of, d, rng, depth + 1);
    case 'set': {
      const size = depth > 2 ? 0 : rng.below(3);
      return setOf(Array.from({ length: size }, () => randomValue(t.of, d, rng, depth + 1)));
    }
    case 'seq': {
      const size = depth > 2 ? 0 : rng.below(3);
      return Array.from({ length: size }, () => randomValue(t.of, d, rng, depth + 1));
    }
    case 'map': {
      const size = depth > 2 ? 0 : rng.below(3);
      const entries = new Map<string, [Data, Data]>();
      for (let i = 0; i < size; i++) {
        const k = randomValue(t.key, d, rng, depth + 1);
        entries.set(encode(k), [k, randomValue(t.value, d, rng, depth + 1)]);
      }
      return [...entries.keys()].sort().map((k) => entries.get(k)!);
    }
    case 'tuple': return t.elements.map((e) => randomValue(e, d, rng, depth + 1));
    case 'record': return Object.fromEntries(t.fields.map((f) => [f.name, randomValue(f.type, d, rng, depth + 1)]));
    case 'enum': return rng.pick(t.members);
  }
}

/** A random well-typed message of the given declaration. */
export function randomMessage(desc: EventDesc, d: Domain, rng: Rng): Tagged {
  const message: Record<string, Data> = { type: desc.name };
  for (const f of desc.fields) message[f.name] = randomValue(f.type, d, rng);
  return message as Tagged;
}

/** Every value of a type in the finite domain (small types only; undefined when too large). */
export function allValues(t: TypeDesc, d: Domain, limit = 64): Data[] | undefined {
  switch (t.kind) {
    case 'nat': case 'value': return Array.from({ length: d.values }, (_, i) => i);
    case 'int': return Array.from({ length: d.values }, (_, i) => i - (d.values >> 1));
    case 'bool': return [false, true];
    case 'process': return [...d.processes];
    case 'enum': return [...t.members];
    case 'signature': return Array.from({ length: d.values }, (_, i) => symbolicCrypto.sign(d.signer, i));
    case 'option': {
      const inner = allValues(t.of, d, limit);
      return inner === undefined ? undefined : [null, ...inner];
    }
    case 'tuple':
    case 'record': {
      const parts = t.kind === 'tuple' ? t.elements : t.fields.map((f) => f.type);
      let combos: Data[][] = [[]];
      for (const part of parts) {
        const values = allValues(part, d, limit);
        if (values === undefined) return undefined;
        combos = combos.flatMap((c) => values.map((v) => [...c, v]));
        if (combos.length > limit) return undefined;
      }
      if (t.kind === 'tuple') return combos;
      return combos.map((c) => Object.fromEntries(t.fields.map((f, i) => [f.name, c[i]!])));
    }
    default:
      return undefined;
  }
}

/** Every well-typed message of a declaration, or undefined when there are too many. */
export function allMessages(desc: EventDesc, d: Domain, limit = 64): Tagged[] | undefined {
  const values = allValues({ kind: 'record', name: desc.name, fields: desc.fields }, d, limit);
  return values?.map((v) => ({ type: desc.name, ...(v as Record<string, Data>) }) as Tagged);
}
