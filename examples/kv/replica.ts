/**
 * The replicated key-value store at one process: it consumes the `apply(index, command)`
 * indications of a replication protocol (Raft's or Multi-Paxos's, which have the same shape)
 * in index order and answers each operation with its result. The same code runs on top of
 * either protocol.
 *
 * - A command applied a second time (a client's retry, or a command proposed by two leaders
 *   that both got decided) has no second effect: the first result is kept (Raft
 *   dissertation §6.3: the state machine filters duplicates by request id).
 * - A protocol replica that restarts applies its log again from the start; the store skips
 *   indexes it has already applied (in a real deployment the store would be rebuilt the
 *   same way, or restored from a snapshot).
 */
import { decodeCommand, type KvCommand, type KvResult } from './command.js';
import { KvStore } from './store.js';

export interface Applied {
  readonly index: number;
  readonly command: KvCommand;
  readonly result: KvResult;
  /** False for a duplicate of an earlier command (no effect; `result` is the first one's). */
  readonly fresh: boolean;
}

export class KvReplica {
  readonly store = new KvStore();
  private lastIndex = 0;
  private readonly results = new Map<number, KvResult>();

  /** Feeds one `apply(index, command)` indication; returns what it did, or undefined if the index was applied already. */
  onApply(index: number, command: number): Applied | undefined {
    if (index <= this.lastIndex) return undefined;
    this.lastIndex = index;
    const decoded = decodeCommand(command);
    const earlier = this.results.get(decoded.id);
    if (earlier !== undefined || this.results.has(decoded.id)) return { index, command: decoded, result: earlier ?? null, fresh: false };
    const result = this.store.apply(decoded.op);
    this.results.set(decoded.id, result);
    return { index, command: decoded, result, fresh: true };
  }

  /** The result of the operation with this id, once applied here. */
  resultOf(id: number): KvResult | undefined {
    return this.results.get(id);
  }

  hasApplied(id: number): boolean {
    return this.results.has(id);
  }
}
