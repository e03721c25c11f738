/**
 * Key-value commands as the numbers the replication protocols order. A command is a whole
 * number (a `Value`/`Nat` of the specs) that packs the operation with a unique id, so that
 * a replica decodes it without any table shared with the client, and two submissions of
 * the same operation are recognised as one (the id).
 *
 *   command = ((((id * 4 + kind) * KEYS + key) * VALUES + value) * VALUES + expected)
 *
 * with kind 0 put, 1 get, 2 delete, 3 compare-and-swap; keys 0..KEYS-1; values 1..VALUES-1
 * (0 means "absent": the expected value of a compare-and-swap that requires no entry).
 * The id must be at least 1, so that no command is 0 (Multi-Paxos's no-op).
 *
 * Why the domain is small: the 53 bits of an exact number are all used, 22 by the
 * operation (4 kinds × 16 keys × 256 × 256 for the value and the compare-and-swap's
 * expected value) and 31 by the id (clients name theirs in 1..2^30, a process picks the
 * others at random above 2^30, where collisions stay rare). Any wider key or value takes
 * its bits from the id: keys 0..1023 with values below 2^20 need 52 bits for the operation
 * alone. A wider domain needs commands that are not one number (Multi-Paxos's commands are
 * `Nat`), or shorter ids (the client sessions of Raft's Section 8: the latest sequence
 * number per client instead of every id).
 */
export const KEYS = 16;
export const VALUES = 256;
const KINDS = ['put', 'get', 'delete', 'cas'] as const;
/** The largest id whose command stays below 2^53. */
export const MAX_ID = Math.floor(Number.MAX_SAFE_INTEGER / (KINDS.length * KEYS * VALUES * VALUES));

export type KvOp =
  | { readonly kind: 'put'; readonly key: number; readonly value: number }
  | { readonly kind: 'get'; readonly key: number }
  | { readonly kind: 'delete'; readonly key: number }
  /** Sets key to `value` if its value is `expected` (0: if the key is absent). */
  | { readonly kind: 'cas'; readonly key: number; readonly expected: number; readonly value: number };

export interface KvCommand {
  readonly id: number;
  readonly op: KvOp;
}

/** What an operation returns: put → null, get → the value or null, delete → whether a value was removed, cas → whether it swapped. */
export type KvResult = number | boolean | null;

function checkRange(what: string, x: number, lo: number, hi: number): void {
  if (!Number.isInteger(x) || x < lo || x > hi) throw new RangeError(`${what} must be a whole number in ${lo}..${hi}, not ${x}`);
}

/** Throws a RangeError naming the field when `op` is outside the domain (keys, values, kinds). */
export function checkOp(op: KvOp): void {
  if (!(KINDS as readonly string[]).includes(op.kind)) throw new RangeError(`an operation is one of ${KINDS.join(', ')}, not '${String(op.kind)}'`);
  checkRange('key', op.key, 0, KEYS - 1);
  if (op.kind === 'put' || op.kind === 'cas') checkRange('value', op.value, 1, VALUES - 1);
  if (op.kind === 'cas') checkRange('expected value', op.expected, 0, VALUES - 1);
}

export function encodeCommand(command: KvCommand): number {
  const { id, op } = command;
  checkRange('command id', id, 1, MAX_ID);
  checkOp(op);
  const value = op.kind === 'put' || op.kind === 'cas' ? op.value : 0;
  const expected = op.kind === 'cas' ? op.expected : 0;
  return (((id * KINDS.length + KINDS.indexOf(op.kind)) * KEYS + op.key) * VALUES + value) * VALUES + expected;
}

export function decodeCommand(command: number): KvCommand {
  if (!Number.isSafeInteger(command) || command <= 0) throw new RangeError(`not a key-value command: ${command}`);
  let rest = command;
  const expected = rest % VALUES;
  rest = Math.floor(rest / VALUES);
  const value = rest % VALUES;
  rest = Math.floor(rest / VALUES);
  const key = rest % KEYS;
  rest = Math.floor(rest / KEYS);
  const kind = KINDS[rest % KINDS.length]!;
  const id = Math.floor(rest / KINDS.length);
  const op: KvOp =
    kind === 'put' ? { kind, key, value } : kind === 'get' ? { kind, key } : kind === 'delete' ? { kind, key } : { kind, key, expected, value };
  return { id, op };
}

export function describeOp(op: KvOp): string {
  switch (op.kind) {
    case 'put':
      return `put(k${op.key}, ${op.value})`;
    case 'get':
      return `get(k${op.key})`;
    case 'delete':
      return `delete(k${op.key})`;
    case 'cas':
      return `cas(k${op.key}, ${op.expected === 0 ? 'absent' : op.expected} → ${op.value})`;
  }
}
