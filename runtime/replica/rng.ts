/**
 * The seeded random generator behind every random choice of the simulator and of
 * `random x in S`. Our own fixed algorithm (xoshiro128**, seeded through splitmix32), so a
 * seed means the same run in every release and on every platform; never `Math.random`.
 *
 * ```ts
 * const rng = new Rng(42);
 * const a = rng.below(6);                  // 0..5
 * const saved = rng.getState();
 * const b = rng.next();
 * rng.setState(saved);
 * rng.next() === b;                        // true
 * ```
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number | bigint) {
    const wide = BigInt.asUintN(64, BigInt(seed));
    // Fold 64 bits to 32, with the high half rotated so that small negative seeds differ.
    let x = Number(BigInt.asUintN(32, wide)) ^ Number(BigInt.asUintN(32, (wide >> 32n) * 0x9e3779b1n));
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, bound), without modulo bias. */
  below(bound: number): number {
    if (!(bound > 0) || bound > 0x100000000) throw new RangeError(`Rng.below: bad bound ${bound}`);
    const limit = 0x100000000 - (0x100000000 % bound);
    for (;;) {
      const r = this.next();
      if (r < limit) return r % bound;
    }
  }

  /** A uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() / 0x100000000 < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  getState(): readonly [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  setState(state: readonly [number, number, number, number]): void {
    [this.s0, this.s1, this.s2, this.s3] = state;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
