/**
 * Property tests of the runtime values (runtime/replica/values.ts) and the seeded
 * generator (runtime/replica/rng.ts): set and map operations agree with simple models,
 * sets stay canonical (sorted, duplicate-free), `compare` is a total order, `encode` is
 * canonical (equal strings exactly for equal values), and `Rng` is deterministic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  compare,
  difference,
  encode,
  equals,
  has,
  hasKey,
  intersect,
  isSubset,
  keys,
  lookup,
  mapOf,
  put,
  remove,
  setOf,
  union,
  unput,
  type Data,
  type RMap,
  type RSet,
} from '../../../runtime/replica/values.js';
import { Rng } from '../../../runtime/replica/rng.js';

const runs = { numRuns: 300 };

/** True when `s` is strictly increasing in the canonical order (sorted, no duplicates). */
function isCanonical(s: readonly unknown[]): boolean {
  for (let i = 1; i < s.length; i++) if (compare(s[i - 1], s[i]) >= 0) return false;
  return true;
}
const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);

// ---- models ----

/** Sets of numbers, modelled by sorted, duplicate-free JS arrays. */
const numberModel = {
  of: (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b),
  has: (s: readonly number[], x: number) => s.includes(x),
};

type Pair = readonly [number, string];
/** Sets of small tuples, modelled by a Map from a text key, sorted lexicographically. */
const pairModel = {
  key: (p: Pair) => JSON.stringify(p),
  of: (ps: readonly Pair[]): Pair[] =>
    [...new Map(ps.map((p) => [JSON.stringify(p), p] as const)).values()].sort((x, y) => (x[0] !== y[0] ? x[0] - y[0] : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0)),
};

const smallNat = fc.integer({ min: -20, max: 20 });
const numbers = fc.array(smallNat, { maxLength: 25 });
const pair: fc.Arbitrary<Pair> = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('', 'a', 'b', 'ab', 'B'));
const pairs = fc.array(pair, { maxLength: 20 });

/** Runtime values of every shape, from small domains so that equal values are common. */
const { value: dataValue } = fc.letrec<{ value: Data; record: Data }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(0, -1, 10, 2 ** 40, -(2 ** 53) + 1),
    fc.constantFrom('', 'a', 'b', 'A', 'yes', 'no', '1', 'null', '"', 'é', '\u{1F600}'),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('record'),
  ),
  record: fc
    .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'type', 'sender', 'm', '', 'x y', '"q"'), tie('value')), { maxLength: 3, selector: (e) => e[0] })
    .map((entries) => Object.fromEntries(entries) as Data),
}));

/** A structural copy of a value, with the keys of every record in reverse insertion order. */
function reshuffled(v: Data): Data {
  if (Array.isArray(v)) return v.map(reshuffled);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Data> = {};
    for (const k of Object.keys(v).reverse()) out[k] = reshuffled((v as Record<string, Data>)[k]!);
    return out;
  }
  return v;
}

/** A pair of values that are equal about half of the time. */
const valuePair = fc.oneof(
  fc.tuple(dataValue, dataValue),
  dataValue.map((v) => [v, reshuffled(v)] as [Data, Data]),
);

// ---- sets ----

describe('sets of numbers agree with a model', () => {
  it('setOf sorts and removes duplicates', () => {
    fc.assert(fc.property(numbers, (xs) => {
      const s = setOf(xs);
      expect([...s]).toEqual(numberModel.of(xs));
      expect(isCanonical(s)).toBe(true);
      expect(setOf(s)).toEqual(s);
    }), runs);
  });

  it('has, add and remove', () => {
    fc.assert(fc.property(numbers, smallNat, (xs, x) => {
      const s = setOf(xs);
      const m = numberModel.of(xs);
      expect(has(s, x)).toBe(numberModel.has(m, x));
      expect([...add(s, x)]).toEqual(numberModel.of([...m, x]));
      expect([...remove(s, x)]).toEqual(m.filter((y) => y !== x));
      expect(isCanonical(add(s, x)) && isCanonical(remove(s, x))).toBe(true);
    }), runs);
  });

  it('union, intersect, difference and isSubset', () => {
    fc.assert(fc.property(numbers, numbers, (xs, ys) => {
      const a = setOf(xs);
      const b = setOf(ys);
      const ma = numberModel.of(xs);
      const mb = numberModel.of(ys);
      expect([...union(a, b)]).toEqual(numberModel.of([...ma, ...mb]));
      expect([...intersect(a, b)]).toEqual(ma.filter((x) => mb.includes(x)));
      expect([...difference(a, b)]).toEqual(ma.filter((x) => !mb.includes(x)));
      expect(isSubset(a, b)).toBe(ma.every((x) => mb.includes(x)));
      for (const s of [union(a, b), intersect(a, b), difference(a, b)]) expect(isCanonical(s)).toBe(true);
    }), runs);
  });

  it('operations never modify their arguments', () => {
    fc.assert(fc.property(numbers, numbers, smallNat, (xs, ys, x) => {
      const a = setOf(xs);
      const b = setOf(ys);
      const before = [encode(a), encode(b)];
      add(a, x); remove(a, x); union(a, b); intersect(a, b); difference(a, b);
      expect([encode(a), encode(b)]).toEqual(before);
    }), runs);
  });

  it('a random sequence of operations keeps the set canonical and equal to the model', () => {
    const op = fc.oneof(
      fc.tuple(fc.constant('add' as const), smallNat.map((x) => [x])),
      fc.tuple(fc.constant('remove' as const), smallNat.map((x) => [x])),
      fc.tuple(fc.constant('union' as const), numbers),
      fc.tuple(fc.constant('intersect' as const), numbers),
      fc.tuple(fc.constant('difference' as const), numbers),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      let s: RSet<number> = setOf<number>([]);
      let m: number[] = [];
      for (const [kind, arg] of ops) {
        const other = setOf(arg);
        switch (kind) {
          case 'add': s = add(s, arg[0]!); m = numberModel.of([...m, arg[0]!]); break;
          case 'remove': s = remove(s, arg[0]!); m = m.filter((x) => x !== arg[0]); break;
          case 'union': s = union(s, other); m = numberModel.of([...m, ...arg]); break;
          case 'intersect': s = intersect(s, other); m = m.filter((x) => arg.includes(x)); break;
          case 'difference': s = difference(s, other); m = m.filter((x) => !arg.includes(x)); break;
        }
        expect(isCanonical(s)).toBe(true);
        expect([...s]).toEqual(m);
      }
    }), runs);
  });
});

describe('sets of tuples agree with a model', () => {
  it('setOf, has, add, remove', () => {
    fc.assert(fc.property(pairs, pair, (ps, p) => {
      const s = setOf(ps);
      const m = pairModel.of(ps);
      expect(s).toEqual(m);
      expect(isCanonical(s)).toBe(true);
      const inModel = m.some((q) => pairModel.key(q) === pairModel.key(p));
      // A structurally equal copy is found, not only the same array.
      expect(has(s, [p[0], p[1]])).toBe(inModel);
      expect(add(s, p)).toEqual(pairModel.of([...m, p]));
      expect(remove(s, [p[0], p[1]])).toEqual(m.filter((q) => pairModel.key(q) !== pairModel.key(p)));
    }), runs);
  });

  it('union, intersect, difference', () => {
    fc.assert(fc.property(pairs, pairs, (xs, ys) => {
      const a = setOf(xs);
      const b = setOf(ys);
      const inB = new Set(ys.map(pairModel.key));
      expect(union(a, b)).toEqual(pairModel.of([...xs, ...ys]));
      expect(intersect(a, b)).toEqual(pairModel.of(xs).filter((p) => inB.has(pairModel.key(p))));
      expect(difference(a, b)).toEqual(pairModel.of(xs).filter((p) => !inB.has(pairModel.key(p))));
    }), runs);
  });
});

describe('sets of arbitrary values', () => {
  it('setOf is canonical and does not depend on the order or copies of its elements', () => {
    fc.assert(fc.property(fc.array(dataValue, { maxLength: 8 }), (xs) => {
      const s = setOf(xs);
      expect(isCanonical(s)).toBe(true);
      expect(encode(setOf([...xs].reverse().map(reshuffled)))).toBe(encode(s));
      for (const x of xs) expect(has(s, reshuffled(x))).toBe(true);
    }), runs);
  });
});

// ---- order and encoding ----

describe('compare is a total order', () => {
  it('is reflexive on structural copies', () => {
    fc.assert(fc.property(dataValue, (a) => {
      expect(compare(a, reshuffled(a))).toBe(0);
    }), runs);
  });

  it('is antisymmetric', () => {
    fc.assert(fc.property(valuePair, ([a, b]) => {
      expect(sign(compare(a, b)) + sign(compare(b, a))).toBe(0);
    }), { numRuns: 1000 });
  });

  it('is transitive on random triples', () => {
    fc.assert(fc.property(dataValue, dataValue, dataValue, (a, b, c) => {
      const [x, y, z] = [a, b, c].sort(compare);
      // Sorting with a total order leaves every pair in order.
      expect(compare(x, y)).toBeLessThanOrEqual(0);
      expect(compare(y, z)).toBeLessThanOrEqual(0);
      expect(compare(x, z)).toBeLessThanOrEqual(0);
      if (compare(a, b) <= 0 && compare(b, c) <= 0) expect(compare(a, c)).toBeLessThanOrEqual(0);
      if (compare(a, b) === 0 && compare(b, c) === 0) expect(compare(a, c)).toBe(0);
    }), { numRuns: 1000 });
  });

  it('orders numbers by value, and values of different kinds by kind', () => {
    fc.assert(fc.property(fc.integer(), fc.integer(), (a, b) => {
      expect(sign(compare(a, b))).toBe(sign(a - b));
    }), runs);
    const byKind: Data[] = [null, false, true, -1, 0, 10, '', 'a', [], [0], {}, { a: 0 }];
    expect([...byKind].reverse().sort(compare)).toEqual(byKind);
  });
});

describe('encode is canonical', () => {
  it('encode(a) === encode(b) exactly when equals(a, b)', () => {
    fc.assert(fc.property(valuePair, ([a, b]) => {
      expect(encode(a) === encode(b)).toBe(equals(a, b));
      expect(equals(a, b)).toBe(compare(a, b) === 0);
    }), { numRuns: 2000 });
  });

  it('equal values, including structural copies, encode alike', () => {
    fc.assert(fc.property(dataValue, (a) => {
      expect(encode(reshuffled(a))).toBe(encode(a));
      expect(equals(a, reshuffled(a))).toBe(true);
    }), runs);
  });
});

// ---- maps ----

describe('maps agree with a model', () => {
  const key = fc.oneof(smallNat, pair);
  type Key = number | Pair;
  const op = fc.oneof(
    fc.tuple(fc.constant('put' as const), key, fc.integer({ min: 0, max: 9 })),
    fc.tuple(fc.constant('unput' as const), key, fc.constant(0)),
  );

  it('put, unput, lookup, hasKey and keys', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 30 }), fc.array(key, { maxLength: 10 }), (ops, probes) => {
      let m: RMap<Key, number> = mapOf<Key, number>([]);
      const model = new Map<string, [Key, number]>();
      for (const [kind, k, v] of ops) {
        const before = encode(m);
        const next = kind === 'put' ? put(m, k, v) : unput(m, k);
        expect(encode(m)).toBe(before);
        m = next;
        if (kind === 'put') model.set(encode(k), [k, v]);
        else model.delete(encode(k));
        expect(isCanonical(keys(m))).toBe(true);
        expect(encode(keys(m))).toBe(encode(setOf([...model.values()].map((e) => e[0]))));
      }
      for (const k of [...probes, ...ops.map((o) => o[1])]) {
        const entry = model.get(encode(k));
        expect(hasKey(m, k)).toBe(entry !== undefined);
        expect(lookup(m, k, -1)).toBe(entry === undefined ? -1 : entry[1]);
      }
    }), runs);
  });

  it('mapOf keeps the last value for a key', () => {
    fc.assert(fc.property(fc.array(fc.tuple(smallNat, fc.integer()), { maxLength: 20 }), (entries) => {
      const m = mapOf(entries);
      const model = new Map(entries);
      expect(m.length).toBe(model.size);
      for (const [k, v] of model) expect(lookup(m, k, NaN)).toBe(v);
    }), runs);
  });
});

// ---- the seeded generator ----

describe('Rng', () => {
  const seed = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  const draw = (rng: Rng, count: number) => Array.from({ length: count }, () => rng.next());

  it('gives the same 1000 numbers for the same seed', () => {
    fc.assert(fc.property(seed, (s) => {
      expect(draw(new Rng(s), 1000)).toEqual(draw(new Rng(s), 1000));
    }), { numRuns: 50 });
  });

  it('draws 32-bit unsigned integers', () => {
    const rng = new Rng(7);
    for (const x of draw(rng, 1000)) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
  });

  it('gives different first numbers for different 32-bit seeds', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (a, b) => {
      fc.pre(a !== b);
      expect(new Rng(a).next()).not.toBe(new Rng(b).next());
    }), runs);
  });

  it('is the same algorithm as before: the first numbers of seed 42 are fixed', () => {
    expect(draw(new Rng(42), 5)).toEqual([2837322924, 544945897, 479756282, 3500138142, 339756180]);
    expect(draw(new Rng(42n), 5)).toEqual(draw(new Rng(42), 5));
  });

  it('getState / setState round-trip, on the same and on another generator', () => {
    fc.assert(fc.property(seed, fc.integer({ min: 0, max: 200 }), (s, skip) => {
      const rng = new Rng(s);
      draw(rng, skip);
      const saved = rng.getState();
      const ahead = draw(rng, 100);
      rng.setState(saved);
      expect(draw(rng, 100)).toEqual(ahead);
      const other = new Rng(12345);
      other.setState(saved);
      expect(draw(other, 100)).toEqual(ahead);
    }), { numRuns: 100 });
  });

  it('getState returns a copy that later draws do not change', () => {
    const rng = new Rng(3);
    const saved = rng.getState();
    const copy = [...saved];
    draw(rng, 10);
    expect([...saved]).toEqual(copy);
  });

  it('below(bound) is an integer in [0, bound); between(lo, hi) in [lo, hi]; pick picks an element', () => {
    fc.assert(fc.property(seed, fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 2 ** 32 })), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 50 }), (s, bound, lo, width) => {
      const rng = new Rng(s);
      for (let i = 0; i < 50; i++) {
        const x = rng.below(bound);
        expect(Number.isInteger(x) && x >= 0 && x < bound).toBe(true);
        const y = rng.between(lo, lo + width);
        expect(Number.isInteger(y) && y >= lo && y <= lo + width).toBe(true);
      }
      const items = ['a', 'b', 'c'];
      expect(items).toContain(rng.pick(items));
    }), { numRuns: 100 });
  });

  it('below(n) reaches every value of a small range', () => {
    const rng = new Rng(99);
    const seen = new Set(Array.from({ length: 200 }, () => rng.below(6)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('below rejects bounds outside (0, 2^32]', () => {
    const rng = new Rng(1);
    for (const bad of [0, -1, 2 ** 32 + 1, NaN]) expect(() => rng.below(bad)).toThrow(RangeError);
  });

  it('chance(p) is false for p <= 0 and true for p >= 1', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 100; i++) {
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1)).toBe(true);
    }
  });
});
