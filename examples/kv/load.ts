/**
 * Closed-loop clients for a key-value store on real processes: each client issues one
 * operation, waits for its outcome, then issues the next, until a deadline. Every operation
 * is recorded with its call and return times (ms, `performance.now()`), for the
 * linearizability checker (an operation without an answer is pending) and for throughput
 * and latency figures. Used by the real-cluster linearizability test and by bench/smr, with
 * rio's client or another store's.
 */
import type { Operation } from '../../runtime/lin/check.js';
import { Rng } from '../../runtime/replica/rng.js';
import type { KvOp, KvResult } from './command.js';

/** What one attempt gave: an answer, no answer (it may still take effect), or certainly not sent. */
export type Attempt = { readonly ok: true; readonly result: KvResult } | { readonly ok: false; readonly sent: boolean };

export interface LoadOptions {
  readonly clients: number;
  /** When to stop issuing operations (ms since start); operations under way are waited for. */
  readonly durationMs: number;
  readonly seed: number;
  /** The next operation of a client. */
  readonly nextOp: (client: number, rng: Rng) => KvOp;
  readonly exec: (client: number, op: KvOp) => Promise<Attempt>;
  /** Wait before the next operation when one got no answer (a process down, say). */
  readonly backoffMs?: number;
  /** The `performance.now()` that times count from (default: now), to continue an earlier history. */
  readonly origin?: number;
}

export interface LoadResult {
  /** Operations that were sent, answered or pending, in call order per client. */
  readonly history: Operation<KvOp, KvResult>[];
  readonly elapsedMs: number;
  /** The `performance.now()` its times count from. */
  readonly origin: number;
  /** Attempts that certainly never reached a process (refused connections). */
  readonly notSent: number;
}

export async function closedLoop(options: LoadOptions): Promise<LoadResult> {
  const history: Operation<KvOp, KvResult>[] = [];
  const started = performance.now();
  const origin = options.origin ?? started;
  let notSent = 0;
  const client = async (c: number) => {
    const rng = new Rng(BigInt(options.seed) * 1000n + BigInt(c));
    while (performance.now() - started < options.durationMs) {
      const input = options.nextOp(c, rng);
      const call = performance.now() - origin;
      const attempt = await options.exec(c, input);
      if (attempt.ok) history.push({ client: c, input, call, ret: performance.now() - origin, output: attempt.result });
      else {
        if (attempt.sent) history.push({ client: c, input, call });
        else notSent++;
        await new Promise((r) => setTimeout(r, options.backoffMs ?? 50));
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  return { history, elapsedMs: performance.now() - started, origin, notSent };
}

/** Latency percentile (0..100) of the answered operations, ms. */
export function percentile(history: readonly Operation<KvOp, KvResult>[], p: number): number {
  const latencies = history.filter((o) => o.ret !== undefined).map((o) => o.ret! - o.call).sort((a, b) => a - b);
  if (latencies.length === 0) return NaN;
  return latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
}
