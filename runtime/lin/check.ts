/**
 * Linearizability checking of a concurrent history against a sequential model: the
 * Wing–Gong search (J. M. Wing, C. Gong, "Testing and verifying concurrent objects", JPDC
 * 17(1), 1993) with Lowe's memoisation of (set of linearized operations, model state)
 * (G. Lowe, "Testing for linearizability", CCPE 29(4), 2017), and P-compositionality
 * (Horn & Kroening, FORTE 2015): a history whose operations each touch one partition (one
 * key of a key-value store) is linearizable exactly when each partition's sub-history is.
 *
 * ```ts
 * const result = checkLinearizable(registerModel, history);
 * if (!result.linearizable) console.log(result.partition, result.longestPrefix);
 * ```
 *
 * An operation is an interval [call, ret) of timestamps (any strictly ordered numbers; in
 * simulation the step index). An operation without `ret` is pending: it may have taken
 * effect at any point after its call, or not at all, and its output is unknown; it is
 * placed after every completed operation it cannot precede, which is the same as leaving it
 * out, so pending operations never make a history non-linearizable by themselves.
 */

/** A sequential specification: an initial state and one step per operation. */
export interface Model<S, In, Out> {
  init(): S;
  /** The state after `input` in state `s` and the output it gives. */
  step(s: S, input: In): { readonly state: S; readonly output: Out };
  /** Whether an observed output is the one the model gives (default: deep equality of JSON). */
  equalOutput?(a: Out, b: Out): boolean;
  /** A canonical string of a state, for the memo table. */
  key(s: S): string;
  /** Which partition an operation touches (P-compositionality); default: one partition. */
  partition?(input: In): string;
}

export interface Operation<In, Out> {
  /** The invoking client, for messages only. */
  readonly client: number | string;
  readonly input: In;
  /** The observed output; absent for a pending operation. */
  readonly output?: Out;
  readonly call: number;
  /** The response time; absent for a pending operation. */
  readonly ret?: number;
}

export interface LinResult {
  readonly linearizable: boolean;
  /** The partition whose sub-history is not linearizable. */
  readonly partition?: string;
  /** Operations of that partition (indexes into the history) in the longest linearizable prefix found. */
  readonly longestPrefix?: readonly number[];
  /** Search steps taken (linearization attempts), over all partitions. */
  readonly steps: number;
  /** Distinct (linearized set, state) pairs remembered, over all partitions. */
  readonly cached: number;
}

/** One entry of the doubly linked list of calls and returns the search walks. */
interface Entry {
  readonly op: number;
  readonly isCall: boolean;
  /** A call's return entry. */
  match?: Entry;
  prev?: Entry;
  next?: Entry;
}

/** Checks one partition; `ops` are indexes into `history`. */
function checkPartition<S, In, Out>(
  model: Model<S, In, Out>,
  history: readonly Operation<In, Out>[],
  ops: readonly number[],
): { ok: boolean; longest: number[]; steps: number; cached: number } {
  const equal = model.equalOutput ?? ((a: Out, b: Out) => JSON.stringify(a) === JSON.stringify(b));
  // Events in time order; a pending operation returns after everything else. Ties: a
  // return before a call at the same time (the call did not follow it), then by operation.
  const events: { t: number; isCall: boolean; op: number }[] = [];
  for (const op of ops) {
    const o = history[op]!;
    if (o.ret !== undefined && o.ret < o.call) throw new Error(`operation ${op} of client ${o.client} returns (${o.ret}) before its call (${o.call})`);
    events.push({ t: o.call, isCall: true, op });
    events.push({ t: o.ret ?? Number.POSITIVE_INFINITY, isCall: false, op });
  }
  events.sort((a, b) => a.t - b.t || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? 1 : -1));
  const head: Entry = { op: -1, isCall: false };
  let last = head;
  const calls = new Map<number, Entry>();
  for (const e of events) {
    const entry: Entry = { op: e.op, isCall: e.isCall, prev: last };
    last.next = entry;
    last = entry;
    if (e.isCall) calls.set(e.op, entry);
    else calls.get(e.op)!.match = entry;
  }
  const lift = (call: Entry) => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Entry) => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };

  // The linearized set as a bit string over this partition's operations.
  const position = new Map(ops.map((op, i) => [op, i] as const));
  const linearized = new Uint8Array(ops.length);
  const cache = new Set<string>();
  const stack: { call: Entry; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let longest: number[] = [];
  while (head.next !== undefined) {
    const current = entry!;
    if (current.isCall) {
      steps++;
      const op = history[current.op]!;
      const after = model.step(state, op.input);
      const fits = op.ret === undefined || op.output === undefined || equal(after.output, op.output);
      let fresh = false;
      if (fits) {
        linearized[position.get(current.op)!] = 1;
        const key = `${linearized.join('')}|${model.key(after.state)}`;
        fresh = !cache.has(key);
        if (fresh) cache.add(key);
        else linearized[position.get(current.op)!] = 0;
      }
      if (fresh) {
        stack.push({ call: current, state });
        state = after.state;
        lift(current);
        if (stack.length > longest.length) longest = stack.map((s) => s.call.op);
        entry = head.next;
      } else {
        entry = current.next;
      }
    } else {
      // A return whose call is not linearized yet: undo the last choice and try the next.
      const top = stack.pop();
      if (top === undefined) return { ok: false, longest, steps, cached: cache.size };
      state = top.state;
      linearized[position.get(top.call.op)!] = 0;
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { ok: true, longest, steps, cached: cache.size };
}

/** Whether `history` is linearizable with respect to `model`. */
export function checkLinearizable<S, In, Out>(model: Model<S, In, Out>, history: readonly Operation<In, Out>[]): LinResult {
  const partitions = new Map<string, number[]>();
  history.forEach((op, i) => {
    const p = model.partition?.(op.input) ?? '';
    const list = partitions.get(p);
    if (list === undefined) partitions.set(p, [i]);
    else list.push(i);
  });
  let steps = 0;
  let cached = 0;
  for (const [partition, ops] of [...partitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const result = checkPartition(model, history, ops);
    steps += result.steps;
    cached += result.cached;
    if (!result.ok) return { linearizable: false, partition, longestPrefix: result.longest, steps, cached };
  }
  return { linearizable: true, steps, cached };
}
