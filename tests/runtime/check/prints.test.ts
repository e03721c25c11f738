/** The model checker's fingerprint set behaves as a set, through growth and the reserved (0, 0). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePrints, IntList, PrintBuilder, printOf, PrintSet } from '../../../runtime/check/prints.js';

describe('PrintSet', () => {
  it('agrees with a Set of strings on any sequence of additions', () => {
    const print = fc.record({ hi: fc.integer({ min: 0, max: 7 }), lo: fc.nat({ max: 0xffffffff }) });
    fc.assert(fc.property(fc.array(print, { maxLength: 300 }), (prints) => {
      const set = new PrintSet(2);
      const model = new Set<string>();
      for (const p of prints) {
        const key = `${p.hi}:${p.lo}`;
        expect(set.add(p)).toBe(!model.has(key));
        model.add(key);
      }
      expect(set.size).toBe(model.size);
      for (const p of prints) expect(set.has(p)).toBe(true);
    }));
  });

  it('tells (0, 0) and (0, 1) apart from an empty slot, though it stores them alike', () => {
    const set = new PrintSet();
    expect(set.has({ hi: 0, lo: 0 })).toBe(false);
    expect(set.add({ hi: 0, lo: 0 })).toBe(true);
    expect(set.has({ hi: 0, lo: 0 })).toBe(true);
    // The one documented collision: (0, 0) is stored as (0, 1).
    expect(set.add({ hi: 0, lo: 1 })).toBe(false);
  });

  it('grows past its first capacity and keeps every fingerprint', () => {
    const set = new PrintSet(4);
    for (let i = 0; i < 100_000; i++) set.add(printOf(`state ${i}`));
    expect(set.size).toBe(100_000);
    expect(set.has(printOf('state 99999'))).toBe(true);
    expect(set.has(printOf('state 100000'))).toBe(false);
  });
});

describe('PrintBuilder', () => {
  it('is order-sensitive for add and order-insensitive for addUnordered', () => {
    const a = printOf('a');
    const b = printOf('b');
    expect(comparePrints(new PrintBuilder().add(a).add(b).done(), new PrintBuilder().add(b).add(a).done())).not.toBe(0);
    expect(comparePrints(new PrintBuilder().addUnordered(a).addUnordered(b).done(), new PrintBuilder().addUnordered(b).addUnordered(a).done())).toBe(0);
    // A multiset: one copy of a message is not two.
    expect(comparePrints(new PrintBuilder().addUnordered(a).done(), new PrintBuilder().addUnordered(a).addUnordered(a).done())).not.toBe(0);
  });
});

describe('IntList', () => {
  it('grows and keeps its values', () => {
    const list = new IntList(1);
    for (let i = 0; i < 1000; i++) list.push(i * 3 - 7);
    expect(list.length).toBe(1000);
    expect(list.get(0)).toBe(-7);
    expect(list.get(999)).toBe(2990);
  });
});
