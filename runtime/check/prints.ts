/**
 * 64-bit state fingerprints as two 32-bit lanes, and a compact set of them.
 *
 * The model checker keeps one fingerprint per visited state: as numbers in typed arrays
 * that is 8 bytes a state (16 at the table's lowest load), against some 80 for a hex
 * string in a JavaScript Set, and no garbage to collect.
 */
import { fingerprintLanes } from '../replica/values.js';

/** A 64-bit fingerprint: two 32-bit unsigned lanes. */
export interface Print {
  readonly hi: number;
  readonly lo: number;
}

/** A string's fingerprint (values.ts). */
export const printOf: (text: string) => Print = fingerprintLanes;

/** A 32-bit finaliser (murmur3's fmix32): small input changes flip about half the bits. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Adds fingerprints of parts into one, in order (`add`) or as a multiset (`addUnordered`,
 * for messages in flight: their order means nothing).
 */
export class PrintBuilder {
  private hi = 0x9e3779b9;
  private lo = 0x7f4a7c15;
  private sumHi = 0;
  private sumLo = 0;

  add(p: Print): this {
    this.hi = mix32(Math.imul(this.hi, 31) ^ p.hi);
    this.lo = mix32(Math.imul(this.lo, 37) ^ p.lo ^ 0x5bd1e995);
    return this;
  }

  addNumber(n: number): this {
    return this.add({ hi: n >>> 0, lo: (n * 0x9e3779b1) >>> 0 });
  }

  addUnordered(p: Print): this {
    this.sumHi = (this.sumHi + mix32(p.hi ^ 0x27d4eb2f)) >>> 0;
    this.sumLo = (this.sumLo + mix32(p.lo ^ 0x165667b1)) >>> 0;
    return this;
  }

  done(): Print {
    return { hi: mix32(this.hi ^ mix32(this.sumHi + 0x3c6ef372)), lo: mix32(this.lo ^ mix32(this.sumLo + 0xa54ff53a)) };
  }
}

/** Orders fingerprints (for the least of an orbit). */
export function comparePrints(a: Print, b: Print): number {
  return a.hi !== b.hi ? a.hi - b.hi : a.lo - b.lo;
}

/** A set of fingerprints: open addressing over one Uint32Array, doubled at half load. */
export class PrintSet {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 16) {
    let size = 1;
    while (size < capacity * 2) size *= 2;
    this.slots = new Uint32Array(size * 2);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Adds a fingerprint; false when it was already there. */
  add(p: Print): boolean {
    // (0, 0) marks an empty slot: that one fingerprint is stored as (0, 1).
    const hi = p.hi;
    const lo = hi === 0 && p.lo === 0 ? 1 : p.lo;
    let i = (mix32(hi ^ Math.imul(lo, 0x9e3779b1)) & this.mask) * 2;
    const slots = this.slots;
    for (;;) {
      const h = slots[i]!;
      const l = slots[i + 1]!;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 2) & (this.mask * 2 + 1);
    }
    slots[i] = hi;
    slots[i + 1] = lo;
    if (++this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  has(p: Print): boolean {
    const hi = p.hi;
    const lo = hi === 0 && p.lo === 0 ? 1 : p.lo;
    let i = (mix32(hi ^ Math.imul(lo, 0x9e3779b1)) & this.mask) * 2;
    for (;;) {
      const h = this.slots[i]!;
      const l = this.slots[i + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
      i = (i + 2) & (this.mask * 2 + 1);
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.add({ hi: old[i]!, lo: old[i + 1]! });
    }
  }
}

/** A growable array of 32-bit integers (parents and moves of visited states). */
export class IntList {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.data = new Int32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  get bytes(): number {
    return this.data.byteLength;
  }
}
