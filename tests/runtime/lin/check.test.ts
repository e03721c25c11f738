/**
 * The linearizability checker (runtime/lin) on histories whose answer is known: textbook
 * linearizable and non-linearizable histories of a register and of the key-value store,
 * pending operations, per-key partitioning; a differential test against a brute-force
 * checker (every order of the operations that respects real time) on small random
 * histories; and large histories built from a sequential run with known linearization
 * points, which must pass, and then break when one read is falsified.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, type Model, type Operation } from '../../../runtime/lin/check.js';
import type { KvOp, KvResult } from '../../../examples/kv/command.js';
import { applyToValue, kvModel } from '../../../examples/kv/store.js';

type RegOp = { kind: 'write'; v: number } | { kind: 'read' };
/** A read/write register starting at 0. */
const register: Model<number, RegOp, number | null> = {
  init: () => 0,
  step: (s, op) => (op.kind === 'write' ? { state: op.v, output: null } : { state: s, output: s }),
  key: (s) => String(s),
};
const w = (v: number, call: number, ret: number | undefined, client = 0): Operation<RegOp, number | null> =>
  ret === undefined ? { client, input: { kind: 'write', v }, call } : { client, input: { kind: 'write', v }, output: null, call, ret };
const r = (out: number, call: number, ret: number, client = 1): Operation<RegOp, number | null> => ({ client, input: { kind: 'read' }, output: out, call, ret });

describe('register histories', () => {
  it('a sequential history is linearizable', () => {
    expect(checkLinearizable(register, [w(1, 0, 1), r(1, 2, 3), w(2, 4, 5), r(2, 6, 7)]).linearizable).toBe(true);
  });

  it('a read concurrent with a write may see the old or the new value', () => {
    expect(checkLinearizable(register, [w(1, 0, 10), r(0, 2, 3)]).linearizable).toBe(true);
    expect(checkLinearizable(register, [w(1, 0, 10), r(1, 2, 3)]).linearizable).toBe(true);
  });

  it('a read after a completed write must not see the old value (stale read)', () => {
    const result = checkLinearizable(register, [w(1, 0, 1), r(0, 2, 3)]);
    expect(result.linearizable).toBe(false);
    expect(result.partition).toBe('');
  });

  it('two reads may not see the new value and then the old one (Herlihy & Wing, Fig. 1 style)', () => {
    // write(1) spans both reads; the first read sees 1, the later one sees 0: no order fits.
    expect(checkLinearizable(register, [w(1, 0, 20), r(1, 2, 4, 1), r(0, 6, 8, 2)]).linearizable).toBe(false);
    // The other way round is fine: the write takes effect between the reads.
    expect(checkLinearizable(register, [w(1, 0, 20), r(0, 2, 4, 1), r(1, 6, 8, 2)]).linearizable).toBe(true);
  });

  it('a read of a value no one wrote is not linearizable', () => {
    expect(checkLinearizable(register, [w(1, 0, 5), w(2, 1, 6), r(3, 2, 7)]).linearizable).toBe(false);
  });

  it('a pending write may have taken effect, or not', () => {
    expect(checkLinearizable(register, [w(1, 0, undefined), r(1, 2, 3)]).linearizable).toBe(true);
    expect(checkLinearizable(register, [w(1, 0, undefined), r(0, 2, 3)]).linearizable).toBe(true);
    // ... but not before it was called
    expect(checkLinearizable(register, [r(1, 0, 1), w(1, 2, undefined)]).linearizable).toBe(false);
    // ... and once seen it stays: new value, then old value is not linearizable
    expect(checkLinearizable(register, [w(1, 0, undefined), r(1, 2, 3), r(0, 4, 5)]).linearizable).toBe(false);
  });

  it('refuses an operation that returns before its call', () => {
    expect(() => checkLinearizable(register, [w(1, 5, 2)])).toThrow(/returns \(2\) before its call \(5\)/);
  });
});

const kv = (input: KvOp, output: KvResult | undefined, call: number, ret: number | undefined, client = 0): Operation<KvOp, KvResult> =>
  ret === undefined || output === undefined ? { client, input, call } : { client, input, output, call, ret };

describe('key-value histories', () => {
  it('two concurrent compare-and-swaps from absent cannot both succeed', () => {
    const history = [
      kv({ kind: 'cas', key: 3, expected: 0, value: 1 }, true, 0, 10, 0),
      kv({ kind: 'cas', key: 3, expected: 0, value: 2 }, true, 1, 11, 1),
    ];
    const result = checkLinearizable(kvModel, history);
    expect(result.linearizable).toBe(false);
    expect(result.partition).toBe('3');
    expect(result.longestPrefix).toHaveLength(1);
    // One of them failing is fine, whichever.
    expect(checkLinearizable(kvModel, [history[0]!, { ...history[1]!, output: false }]).linearizable).toBe(true);
    expect(checkLinearizable(kvModel, [{ ...history[0]!, output: false }, history[1]!]).linearizable).toBe(true);
  });

  it('delete reports whether it removed a value, and a later get sees nothing', () => {
    const ok = [
      kv({ kind: 'put', key: 1, value: 5 }, null, 0, 1),
      kv({ kind: 'delete', key: 1 }, true, 2, 3),
      kv({ kind: 'get', key: 1 }, null, 4, 5),
      kv({ kind: 'delete', key: 1 }, false, 6, 7),
    ];
    expect(checkLinearizable(kvModel, ok).linearizable).toBe(true);
    expect(checkLinearizable(kvModel, [...ok.slice(0, 2), kv({ kind: 'get', key: 1 }, 5, 4, 5)]).linearizable).toBe(false);
  });

  it('keys are independent: a violation on one key is found among many linearizable ones', () => {
    const history: Operation<KvOp, KvResult>[] = [];
    for (let key = 0; key < 8; key++) {
      history.push(kv({ kind: 'put', key, value: key + 1 }, null, key * 10, key * 10 + 2));
      history.push(kv({ kind: 'get', key }, key + 1, key * 10 + 3, key * 10 + 4, 1));
    }
    expect(checkLinearizable(kvModel, history).linearizable).toBe(true);
    history.push(kv({ kind: 'get', key: 5 }, null, 200, 201, 2)); // the value of key 5 cannot vanish
    const result = checkLinearizable(kvModel, history);
    expect(result.linearizable).toBe(false);
    expect(result.partition).toBe('5');
  });
});

/** The brute-force answer: some order of all operations respects real time and the model (pending ones may be left out). */
function bruteForce(history: readonly Operation<KvOp, KvResult>[]): boolean {
  const n = history.length;
  const used = new Array<boolean>(n).fill(false);
  const search = (state: Map<number, number>): boolean => {
    // Every completed operation placed: pending leftovers may be dropped.
    if (history.every((op, i) => used[i] || op.ret === undefined)) return true;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const op = history[i]!;
      // i can go next only if no unplaced operation returned before i was called.
      if (history.some((o, j) => !used[j] && j !== i && o.ret !== undefined && o.ret < op.call)) continue;
      const { value, result } = applyToValue(state.get(op.input.key) ?? 0, op.input);
      if (op.ret !== undefined && op.output !== result) continue;
      used[i] = true;
      const next = new Map(state).set(op.input.key, value);
      if (search(next)) return true;
      used[i] = false;
    }
    return false;
  };
  return search(new Map());
}

const arbOp: fc.Arbitrary<KvOp> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key: fc.integer({ min: 0, max: 1 }), value: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant('cas' as const), key: fc.integer({ min: 0, max: 1 }), expected: fc.integer({ min: 0, max: 2 }), value: fc.integer({ min: 1, max: 2 }) }),
);
const arbResult = (op: KvOp): fc.Arbitrary<KvResult> =>
  op.kind === 'put' ? fc.constant(null) : op.kind === 'get' ? fc.constantFrom(null, 1, 2) : fc.boolean();
const arbHistory = fc.array(
  arbOp.chain((op) => fc.record({ op: fc.constant(op), out: arbResult(op), call: fc.integer({ min: 0, max: 20 }), len: fc.integer({ min: 1, max: 8 }), pending: fc.integer({ min: 0, max: 5 }).map((k) => k === 0) })),
  { minLength: 1, maxLength: 6 },
);

describe('against brute force', () => {
  it('agrees with the brute-force checker on 1,500 random small histories', () => {
    let linearizable = 0;
    fc.assert(
      fc.property(arbHistory, (ops) => {
        // Distinct timestamps (the index breaks ties); one operation in six is pending.
        const history = ops.map((o, i) => {
          const call = o.call * 10 + i;
          return kv(o.op, o.pending ? undefined : o.out, call, o.pending ? undefined : call + o.len * 10 + 5, i);
        });
        const expected = bruteForce(history);
        if (expected) linearizable++;
        expect(checkLinearizable(kvModel, history).linearizable).toBe(expected);
      }),
      { numRuns: 1500, seed: 7 },
    );
    // Both answers occur often enough for the comparison to mean something.
    expect(linearizable).toBeGreaterThan(150);
    expect(linearizable).toBeLessThan(1350);
  });
});

describe('large histories with known linearization points', () => {
  /** A sequential run of `count` operations by `clients` clients, each operation's interval drawn around its point. */
  function history(count: number, seed: number): Operation<KvOp, KvResult>[] {
    let x = seed;
    const rand = (k: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % k;
    };
    const state = new Map<number, number>();
    const ops: Operation<KvOp, KvResult>[] = [];
    for (let i = 0; i < count; i++) {
      const key = rand(4);
      const kind = rand(4);
      const op: KvOp =
        kind === 0 ? { kind: 'put', key, value: 1 + rand(5) } : kind === 1 ? { kind: 'get', key } : kind === 2 ? { kind: 'delete', key } : { kind: 'cas', key, expected: rand(3), value: 1 + rand(5) };
      const { value, result } = applyToValue(state.get(key) ?? 0, op);
      state.set(key, value);
      const point = i * 10;
      ops.push(kv(op, result, point - rand(40), point + 1 + rand(40), i % 8));
    }
    return ops;
  }

  it('a 2,000-operation history with overlapping intervals is linearizable, and one falsified read is caught', () => {
    const ops = history(2000, 42);
    const ok = checkLinearizable(kvModel, ops);
    expect(ok.linearizable).toBe(true);
    const reads = ops.map((o, i) => [o, i] as const).filter(([o]) => o.input.kind === 'get' && o.output !== null);
    const [victim, index] = reads[Math.floor(reads.length / 2)]!;
    const broken = [...ops];
    broken[index] = { ...victim, output: 200 }; // a value no one ever wrote
    const result = checkLinearizable(kvModel, broken);
    expect(result.linearizable).toBe(false);
    expect(result.partition).toBe(String(victim.input.key));
  });
});
