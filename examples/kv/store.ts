/**
 * The key-value state machine: put, get, delete and compare-and-swap over a map, applied
 * in log order. The same sequential semantics serve as the model of the linearizability
 * checker (`kvModel`), with one partition per key.
 */
import type { Model } from '../../runtime/lin/check.js';
import type { KvOp, KvResult } from './command.js';

/** One key's value, or 0 when absent (values are 1..VALUES-1). */
export function applyToValue(current: number, op: KvOp): { readonly value: number; readonly result: KvResult } {
  switch (op.kind) {
    case 'put':
      return { value: op.value, result: null };
    case 'get':
      return { value: current, result: current === 0 ? null : current };
    case 'delete':
      return { value: 0, result: current !== 0 };
    case 'cas':
      return current === op.expected ? { value: op.value, result: true } : { value: current, result: false };
  }
}

/** A key-value map driven by operations; every operation touches one key. */
export class KvStore {
  private readonly data = new Map<number, number>();

  apply(op: KvOp): KvResult {
    const { value, result } = applyToValue(this.data.get(op.key) ?? 0, op);
    if (value === 0) this.data.delete(op.key);
    else this.data.set(op.key, value);
    return result;
  }

  get(key: number): number | undefined {
    return this.data.get(key);
  }

  /** The entries in key order. */
  entries(): [number, number][] {
    return [...this.data].sort(([a], [b]) => a - b);
  }
}

/** The sequential specification of one key (operations on different keys commute). */
export const kvModel: Model<number, KvOp, KvResult> = {
  init: () => 0,
  step: (s, op) => {
    const { value, result } = applyToValue(s, op);
    return { state: value, output: result };
  },
  equalOutput: (a, b) => a === b,
  key: (s) => String(s),
  partition: (op) => String(op.key),
};
