/**
 * Runtime values of `.rio` and the operations generated code uses on them.
 *
 * Every value is plain, immutable data: numbers (Nat, Int, Process, Value), booleans,
 * strings (enum members), `null` (none), arrays (tuples, sequences, sets, maps) and
 * records (plain objects). Sets are arrays kept sorted in the canonical order with no
 * duplicates; maps are arrays of [key, value] pairs sorted by key. Operations never
 * modify their arguments, so a replica's state is snapshotted by copying its top-level
 * object, and two equal states always have the same canonical encoding.
 *
 * ```ts
 * const s = setOf([3, 1, 3]);            // [1, 3]
 * has(union(s, setOf([2])), 2);         // true
 * const m = put(emptyMap<number, number>(), 1, 10);
 * lookup(m, 1, 0) + lookup(m, 2, 0);     // 10
 * ```
 */

export type Nat = number;
export type Int = number;
/** A process id: 0 .. n-1. */
export type Process = number;
/** An opaque payload; numbers in simulation, model checking and over the network. */
export type Value = number;
/** A value of any `.rio` type. */
export type Data = null | boolean | number | string | readonly Data[] | { readonly [field: string]: Data };
/** A set: sorted in canonical order, without duplicates. */
export type RSet<T> = readonly T[];
/** A map: [key, value] pairs sorted by key. */
export type RMap<K, V> = readonly (readonly [K, V])[];
export type Seq<T> = readonly T[];

/** An error in a spec's own logic at run time (Nat underflow, index out of range, ...). */
export class SpecError extends Error {
  override readonly name = 'SpecError';
}

const typeRank = (v: unknown): number => {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean': return 1;
    case 'number': return 2;
    case 'string': return 3;
    default: return Array.isArray(v) ? 4 : 5;
  }
};

/** The canonical total order on values: the order of sets, map keys, `for` and `max by`. */
export function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0: return 0;
    case 1: return a ? 1 : -1;
    case 3: return (a as string) < (b as string) ? -1 : 1;
    case 4: {
      const x = a as readonly unknown[];
      const y = b as readonly unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x).sort();
      const ky = Object.keys(y).sort();
      const c = compare(kx, ky);
      if (c !== 0) return c;
      for (const k of kx) {
        const d = compare(x[k], y[k]);
        if (d !== 0) return d;
      }
      return 0;
    }
  }
}

/** Structural equality. */
export function equals(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && compare(a, b) === 0);
}

function search<T>(s: readonly T[], x: unknown, key: (e: T) => unknown = (e) => e): number {
  let lo = 0;
  let hi = s.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compare(key(s[mid]!), x);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

// ---- sets ----

/** A set of the given elements (any order, duplicates allowed). */
export function setOf<T>(elements: readonly T[]): RSet<T> {
  if (elements.length <= 1) return elements;
  const sorted = [...elements].sort(compare);
  const out: T[] = [sorted[0]!];
  for (let i = 1; i < sorted.length; i++) if (compare(sorted[i], out[out.length - 1]) !== 0) out.push(sorted[i]!);
  return out;
}
export const emptySet: RSet<never> = [];
export function has<T>(s: RSet<T>, x: T): boolean {
  return search(s, x) >= 0;
}
export function add<T>(s: RSet<T>, x: T): RSet<T> {
  const i = search(s, x);
  if (i >= 0) return s;
  const at = -i - 1;
  return [...s.slice(0, at), x, ...s.slice(at)];
}
export function remove<T>(s: RSet<T>, x: T): RSet<T> {
  const i = search(s, x);
  return i < 0 ? s : [...s.slice(0, i), ...s.slice(i + 1)];
}
export function union<T>(a: RSet<T>, b: RSet<T>): RSet<T> {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  // s ∪ {x}, the usual case (a server's set of commands): a binary search, not a sort of s.
  if (b.length === 1) return add(a, b[0]!);
  if (a.length === 1) return add(b, a[0]!);
  return setOf([...a, ...b]);
}
export function intersect<T>(a: RSet<T>, b: RSet<T>): RSet<T> {
  return a.filter((x) => has(b, x));
}
export function difference<T>(a: RSet<T>, b: RSet<T>): RSet<T> {
  return a.filter((x) => !has(b, x));
}
export function isSubset<T>(a: RSet<T>, b: RSet<T>): boolean {
  return a.every((x) => has(b, x));
}
/** `a..b` as a set of numbers (empty when a > b). */
export function range(a: number, b: number): RSet<number> {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}
/** `{ x in S | p(x) }`. */
export function filter<T>(s: RSet<T>, p: (x: T) => boolean): RSet<T> {
  return s.filter((x) => p(x));
}
/** `{ f(x) | x in S }`. */
export function image<T, U>(s: readonly T[], f: (x: T) => U): RSet<U> {
  return setOf(s.map((x) => f(x)));
}
export function every<T>(s: readonly T[], p: (x: T) => boolean): boolean {
  return s.every((x) => p(x));
}
export function exists<T>(s: readonly T[], p: (x: T) => boolean): boolean {
  return s.some((x) => p(x));
}
/** `max x in S by key`: the element with the greatest key; the first such in canonical order. */
export function maxBy<T>(s: readonly T[], key: (x: T) => unknown): T {
  if (s.length === 0) throw new SpecError("'max ... by' over an empty collection");
  let best = s[0]!;
  let bestKey = key(best);
  for (let i = 1; i < s.length; i++) {
    const k = key(s[i]!);
    if (compare(k, bestKey) > 0) {
      best = s[i]!;
      bestKey = k;
    }
  }
  return best;
}
/** `min x in S by key`. */
export function minBy<T>(s: readonly T[], key: (x: T) => unknown): T {
  if (s.length === 0) throw new SpecError("'min ... by' over an empty collection");
  let best = s[0]!;
  let bestKey = key(best);
  for (let i = 1; i < s.length; i++) {
    const k = key(s[i]!);
    if (compare(k, bestKey) < 0) {
      best = s[i]!;
      bestKey = k;
    }
  }
  return best;
}
export function max<T>(s: readonly T[]): T {
  if (s.length === 0) throw new SpecError("'max' of an empty collection");
  return s.reduce((a, b) => (compare(b, a) > 0 ? b : a));
}
export function min<T>(s: readonly T[]): T {
  if (s.length === 0) throw new SpecError("'min' of an empty collection");
  return s.reduce((a, b) => (compare(b, a) < 0 ? b : a));
}
export function sum(s: readonly number[]): number {
  let total = 0;
  for (const x of s) total += x;
  return total;
}
/** `|c|` of a set, sequence or map. */
export function size(c: readonly unknown[]): number {
  return c.length;
}

// ---- maps ----

export function emptyMap<K, V>(): RMap<K, V> {
  return [];
}
/** A map from [key, value] pairs (a later pair wins). */
export function mapOf<K, V>(entries: readonly (readonly [K, V])[]): RMap<K, V> {
  let m: RMap<K, V> = [];
  for (const [k, v] of entries) m = put(m, k, v);
  return m;
}
/** `m[k]`: the value for k, or the value type's default when k is missing. */
export function lookup<K, V>(m: RMap<K, V>, k: K, fallback: V): V {
  const i = search(m, k, (e) => e[0]);
  return i >= 0 ? m[i]![1] : fallback;
}
/** `m[k] := v`. */
export function put<K, V>(m: RMap<K, V>, k: K, v: V): RMap<K, V> {
  const i = search(m, k, (e) => e[0]);
  if (i >= 0) return [...m.slice(0, i), [k, v], ...m.slice(i + 1)];
  const at = -i - 1;
  return [...m.slice(0, at), [k, v], ...m.slice(at)];
}
/** Removes k (used to collect per-slot or per-view state). */
export function unput<K, V>(m: RMap<K, V>, k: K): RMap<K, V> {
  const i = search(m, k, (e) => e[0]);
  return i < 0 ? m : [...m.slice(0, i), ...m.slice(i + 1)];
}
/** The map without the entries whose key is in `ks` (a sorted set). */
export function withoutKeys<K, V>(m: RMap<K, V>, ks: RSet<K>): RMap<K, V> {
  if (ks.length === 0) return m;
  return m.filter(([k]) => !has(ks, k));
}

export function keys<K, V>(m: RMap<K, V>): RSet<K> {
  return m.map((e) => e[0]);
}
export function values<K, V>(m: RMap<K, V>): RSet<V> {
  return setOf(m.map((e) => e[1]));
}
export function hasKey<K, V>(m: RMap<K, V>, k: K): boolean {
  return search(m, k, (e) => e[0]) >= 0;
}

// ---- sequences (1-based, as in the papers) ----

/** `s[i]` for 1 <= i <= |s|. */
export function at<T>(s: Seq<T>, i: number): T {
  if (!Number.isInteger(i) || i < 1 || i > s.length) throw new SpecError(`index ${i} is outside 1..${s.length}`);
  return s[i - 1]!;
}
/** `s[i] := v`; i may be |s| + 1 to append. */
export function setAt<T>(s: Seq<T>, i: number, v: T): Seq<T> {
  if (!Number.isInteger(i) || i < 1 || i > s.length + 1) throw new SpecError(`index ${i} is outside 1..${s.length + 1}`);
  const out = [...s];
  out[i - 1] = v;
  return out;
}
/** `s[i..j]`, inclusive, clamped to the sequence. */
export function slice<T>(s: Seq<T>, from = 1, to = s.length): Seq<T> {
  return s.slice(Math.max(0, from - 1), Math.max(0, to));
}
export function append<T>(s: Seq<T>, x: T): Seq<T> {
  return [...s, x];
}
export function concat<T>(a: Seq<T>, b: Seq<T>): Seq<T> {
  return a.length === 0 ? b : b.length === 0 ? a : [...a, ...b];
}
export function last<T>(s: Seq<T>): T {
  if (s.length === 0) throw new SpecError("'last' of an empty sequence");
  return s[s.length - 1]!;
}
export function head<T>(s: Seq<T>): T {
  if (s.length === 0) throw new SpecError("'head' of an empty sequence");
  return s[0]!;
}
export function tail<T>(s: Seq<T>): Seq<T> {
  return s.slice(1);
}
/** `in` on a sequence. */
export function contains<T>(s: Seq<T>, x: T): boolean {
  return s.some((e) => equals(e, x));
}
export function elems<T>(s: Seq<T>): RSet<T> {
  return setOf(s);
}

// ---- numbers and options ----

/** Nat subtraction; going below zero is an error in the spec. */
export function natSub(a: number, b: number): number {
  if (b > a) throw new SpecError(`Nat subtraction went below zero: ${a} - ${b}`);
  return a - b;
}
/** Integer division, rounding toward minus infinity, as in TLA+. */
export function div(a: number, b: number): number {
  if (b === 0) throw new SpecError(`division by zero: ${a} / 0`);
  return Math.floor(a / b);
}
export function mod(a: number, b: number): number {
  if (b === 0) throw new SpecError(`modulo by zero: ${a} % 0`);
  return ((a % b) + b) % b;
}
/** `get(o)`: the value inside `some(v)`. */
export function unwrap<T>(o: T | null): T {
  if (o === null) throw new SpecError("'get' of none");
  return o;
}

// ---- canonical encoding and hashing ----

/**
 * Encodings of objects already encoded. Values are immutable, so an object's encoding never
 * changes (messages are encoded once and read many times). Records the runtime mutates
 * (a replica's state) must be copied before encoding; `encodeState` does so.
 */
const encodings = new WeakMap<object, string>();

/** Returns the object it is given, so that a subclass can stamp a private field on any object. */
class Itself {
  constructor(target: object) {
    return target;
  }
}

/**
 * An object's own encoding, kept in a private field stamped on the object: invisible to
 * `Object.keys`, spreads, JSON and deep equality, and an order of magnitude cheaper to add
 * than a non-enumerable property (V8 stores private fields like ordinary properties).
 */
class EncodingStamp extends Itself {
  #encoding: string;
  private constructor(target: object, encoding: string) {
    super(target);
    this.#encoding = encoding;
  }

  static stamp(target: object, encoding: string): void {
    new EncodingStamp(target, encoding);
  }

  static of(target: object): string | undefined {
    return #encoding in target ? (target as EncodingStamp).#encoding : undefined;
  }
}

/** A deterministic text encoding: equal values, equal strings (object keys sorted). */
export function encode(v: unknown): string {
  if (typeof v === 'object' && v !== null) {
    const own = EncodingStamp.of(v);
    if (own !== undefined) return own;
    if (Object.isExtensible(v)) {
      // Never in `encodings`: an object that is extensible now always was.
      const text = flat(encodeUncached(v));
      EncodingStamp.stamp(v, text);
      return text;
    }
    const cached = encodings.get(v);
    if (cached !== undefined) return cached;
    const text = flat(encodeUncached(v));
    encodings.set(v, text);
    return text;
  }
  return encodeUncached(v);
}

/**
 * `text`, flattened. V8 builds the result of `+=` as a rope of pieces; hashing a rope (as a
 * Map key) walks all its pieces on every lookup, whereas a flat string is hashed once and
 * keeps its hash. Encodings kept for reuse as keys are flattened: reading a character
 * flattens a rope in place. (Measured: a message encoding looked up in four replicas' stores
 * cost more than all the rest of storing the message.)
 */
export function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** `encode` for a value about to be dropped (a binding): caching its encoding would cost more. */
export function encodeOnce(v: unknown): string {
  return encodeUncached(v);
}

/** A field's value: small primitives directly, anything else through the cache. */
function encodeField(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return encodeString(v);
  return encode(v);
}

/**
 * `"name":` for a field name. Field names come from a spec's declarations, so there are few
 * of them: each is quoted once. (A bounded cache: names from decoded input could be many.)
 */
const quotedKeys = new Map<string, string>();
function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quotedKeys.size < 4096) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * A string as JSON. Printable ASCII without quotes or backslashes (names, tags, the usual
 * case) needs no escaping: quoted directly, which is several times faster than `JSON.stringify`.
 */
function encodeString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(text);
  }
  return '"' + text + '"';
}

/** Sorts a few keys in place (insertion sort: `Array.prototype.sort` costs far more on short arrays). Same order as `sort()`. */
function sortKeys(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

function encodeUncached(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number': return Number.isInteger(v) ? String(v) : JSON.stringify(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'string': return encodeString(v);
    default:
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + encode(v[i]);
        return out + ']';
      }
      {
        const o = v as Record<string, unknown>;
        const ks = Object.keys(o);
        if (ks.length > 16) ks.sort();
        else if (ks.length > 1) sortKeys(ks);
        let out = '{';
        for (let i = 0; i < ks.length; i++) {
          const k = ks[i]!;
          out += (i > 0 ? ',' : '') + quotedKey(k) + encodeField(o[k]);
        }
        return out + '}';
      }
  }
}

/** A 64-bit FNV-1a-style fingerprint of a string, as two 32-bit unsigned lanes. */
export function fingerprintLanes(text: string): { readonly hi: number; readonly lo: number } {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return { hi: h1 >>> 0, lo: h2 >>> 0 };
}

/** `fingerprintLanes` as a 16-digit hex string. */
export function fingerprint(text: string): string {
  const { hi, lo } = fingerprintLanes(text);
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
