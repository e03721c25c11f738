/**
 * A client of the replicated key-value store's HTTP endpoints (examples/kv/service.ts) at
 * one process. Each operation carries an id of this client's own (clientId × 2^20 + a
 * counter), so that operations of different clients never share one and a retry keeps it.
 *
 * An operation either gets its answer (`{ ok: true, result, index }`) or its outcome is
 * unknown (`{ ok: false, reason }`: a timeout, a process that died, a refused connection):
 * such an operation may still take effect, which a linearizability checker treats as
 * pending. Bad arguments (a key or value out of range, a bad client id) are thrown as
 * RangeErrors before anything is sent; an answer refusing the operation, as an Error with
 * the process's message.
 */
import { checkOp, type KvOp, type KvResult } from './command.js';
import { CLIENT_ID_LIMIT } from './service.js';

export type KvOutcome = { readonly ok: true; readonly id: number; readonly index: number; readonly result: KvResult } | {
  readonly ok: false;
  readonly id: number;
  readonly reason: string;
  /** False when the operation certainly never reached the process (the connection was refused). */
  readonly sent: boolean;
};

const PER_CLIENT = 2 ** 20;

export class KvClient {
  private counter = 0;

  /** `clientId` in 0..1023 must differ between the clients of one cluster. */
  constructor(readonly baseUrl: string, readonly clientId: number, private readonly timeoutMs = 10_000) {
    if (!Number.isInteger(clientId) || clientId < 0 || (clientId + 1) * PER_CLIENT > CLIENT_ID_LIMIT) throw new RangeError(`clientId must be a whole number in 0..${CLIENT_ID_LIMIT / PER_CLIENT - 1}, not ${clientId}`);
  }

  /** The id the next operation will carry. */
  nextId(): number {
    if (this.counter + 1 >= PER_CLIENT) throw new RangeError(`client ${this.clientId} has used all its ${PER_CLIENT - 1} operation ids`);
    return this.clientId * PER_CLIENT + this.counter + 1;
  }

  put(key: number, value: number): Promise<KvOutcome> {
    return this.run({ kind: 'put', key, value });
  }

  get(key: number): Promise<KvOutcome> {
    return this.run({ kind: 'get', key });
  }

  delete(key: number): Promise<KvOutcome> {
    return this.run({ kind: 'delete', key });
  }

  /** Sets `key` to `value` if it holds `expected` (0: if it is absent). */
  cas(key: number, expected: number, value: number): Promise<KvOutcome> {
    return this.run({ kind: 'cas', key, expected, value });
  }

  /**
   * Runs one operation with a fresh id. An operation outside the store's domain (a key or
   * value out of range) is refused here, with a RangeError naming the field and the range,
   * before anything is sent.
   */
  async run(op: KvOp): Promise<KvOutcome> {
    checkOp(op);
    const id = this.nextId();
    this.counter++;
    return this.send(id, op);
  }

  /** Runs `op` under a given id (a retry keeps its id). */
  async send(id: number, op: KvOp): Promise<KvOutcome> {
    checkOp(op);
    const path = `/kv/${op.key}${op.kind === 'cas' ? '/cas' : ''}?id=${id}`;
    const method = op.kind === 'get' ? 'GET' : op.kind === 'put' ? 'PUT' : op.kind === 'delete' ? 'DELETE' : 'POST';
    const body = op.kind === 'put' ? { value: op.value } : op.kind === 'cas' ? { expected: op.expected, value: op.value } : undefined;
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method, signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
      return { ok: false, id, reason: cause === undefined ? (error as Error).message : String(cause), sent: cause?.code !== 'ECONNREFUSED' };
    }
    let answer: { index?: number; result?: KvResult; error?: string };
    try {
      answer = (await res.json()) as typeof answer;
    } catch (error) {
      return { ok: false, id, reason: `the answer was cut off: ${(error as Error).message}`, sent: true };
    }
    if (res.status === 200) return { ok: true, id, index: answer.index!, result: answer.result! };
    if (res.status === 504) return { ok: false, id, reason: answer.error ?? 'timeout', sent: true };
    throw new Error(`${method} ${path}: ${res.status} ${answer.error ?? res.statusText}`);
  }
}
