/**
 * The replicated key-value store as a service of a real process (`rio start --app kv`): the
 * process's `KvReplica` consumes its protocol's `apply(index, command)` indications (Raft's
 * or Multi-Paxos's; PBFT's, see protocols.ts), and HTTP endpoints under /kv turn client
 * operations into `submit` requests and answer once this process has applied them, with the
 * result its store computed at that log index:
 *
 *   GET    /kv/<key>       get       → {"id":…, "index":…, "result": value or null}
 *   PUT    /kv/<key>       put       body {"value": v}                  → result null
 *   DELETE /kv/<key>       delete    → result true when a value was removed
 *   POST   /kv/<key>/cas   cas       body {"expected": e, "value": v}   → result true when swapped
 *                                    (expected 0 or null: swap only if the key is absent)
 *   GET    /kv             this process's store as it is now (not ordered: may be behind)
 *
 * Every operation, a get too, goes through the log, so answers are linearizable: the
 * operation takes effect when its entry is committed, which is after the request came and
 * before this process applies it. `?id=N` (1..2^30) names the operation, so that a client
 * that retries after a timeout does not apply it twice (the store keeps the first result);
 * without it the process picks an id above 2^30 at random. Keys are 0..KEYS-1, values
 * 1..VALUES-1 (see command.ts). An operation not applied within the timeout gets 504: it may
 * still take effect later.
 */
import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProcessHost } from '../../runtime/net/host.js';
import { readJson, send, type ApiApp } from '../../runtime/net/http.js';
import { describeOp, encodeCommand, KEYS, MAX_ID, VALUES, type KvOp, type KvResult } from './command.js';
import { KvReplica } from './replica.js';
import type { KvProtocol } from './protocols.js';

/** Ids a client may choose; the process picks its own above. */
export const CLIENT_ID_LIMIT = 2 ** 30;

export interface KvAnswer {
  readonly id: number;
  /** The log index the operation was applied at here. */
  readonly index: number;
  readonly result: KvResult;
}

interface Waiter {
  readonly resolve: (answer: KvAnswer) => void;
}

export class KvService implements ApiApp {
  readonly prefix = '/kv';
  readonly endpoints = 'GET|PUT|DELETE /kv/<key>, POST /kv/<key>/cas, GET /kv';
  readonly replica = new KvReplica();
  private appliedIndex = 0;
  private readonly indexOf = new Map<number, number>();
  private readonly waiting = new Map<number, Waiter[]>();

  constructor(
    private readonly host: ProcessHost,
    private readonly timeoutMs = 5_000,
    private readonly protocol: KvProtocol = { order: { indication: 'apply', index: 'index', command: 'command' }, submit: (command) => ({ type: 'submit', command }) },
  ) {
    const { indication: orderName, index, command } = protocol.order;
    host.subscribe(({ indication }) => {
      if (indication.type !== orderName) return;
      if (indication[command] === null) return; // a null request: no command at this index
      const applied = this.replica.onApply(indication[index] as number, indication[command] as number);
      if (applied === undefined) return;
      this.appliedIndex = applied.index;
      const id = applied.command.id;
      if (applied.fresh) this.indexOf.set(id, applied.index);
      const waiters = this.waiting.get(id);
      if (waiters === undefined) return;
      this.waiting.delete(id);
      const answer = { id, index: this.indexOf.get(id)!, result: this.replica.resultOf(id)! };
      for (const w of waiters) w.resolve(answer);
    });
  }

  /** Submits `op` under `id` and waits until this process has applied it (undefined on timeout). */
  execute(id: number, op: KvOp): Promise<KvAnswer | undefined> {
    if (this.replica.hasApplied(id)) return Promise.resolve({ id, index: this.indexOf.get(id)!, result: this.replica.resultOf(id)! });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const list = this.waiting.get(id)?.filter((w) => w !== waiter) ?? [];
        if (list.length === 0) this.waiting.delete(id);
        else this.waiting.set(id, list);
        resolve(undefined);
      }, this.timeoutMs);
      const waiter: Waiter = {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
      };
      this.waiting.set(id, [...(this.waiting.get(id) ?? []), waiter]);
      this.host.request(this.protocol.submit!(encodeCommand({ id, op })));
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    if (path === '/kv') {
      if (req.method !== 'GET') return methodNotAllowed(res, path, 'GET');
      return send(res, 200, { applied: this.appliedIndex, entries: Object.fromEntries(this.replica.store.entries()) });
    }
    const m = /^\/kv\/([^/]+)(\/cas)?$/.exec(path);
    if (m === null) return send(res, 404, { error: `no such endpoint '${path}' (endpoints: ${this.endpoints})` });
    if (this.protocol.submit === undefined) return send(res, 409, { error: this.protocol.noSubmit ?? 'this process takes no key-value operations' });
    const key = wholeIn(m[1]!, 0, KEYS - 1);
    if (key === undefined) return send(res, 404, { error: `no key '${m[1]}': keys are whole numbers 0..${KEYS - 1}` });
    const idText = url.searchParams.get('id');
    let id: number;
    if (idText === null) id = CLIENT_ID_LIMIT + randomInt(1, MAX_ID - CLIENT_ID_LIMIT);
    else {
      const given = wholeIn(idText, 1, CLIENT_ID_LIMIT);
      if (given === undefined) return send(res, 400, { error: `'id' must be a whole number in 1..${CLIENT_ID_LIMIT}, not '${idText}'` });
      id = given;
    }
    let op: KvOp;
    if (m[2] !== undefined) {
      if (req.method !== 'POST') return methodNotAllowed(res, path, 'POST');
      const body = await readJson(req, res);
      if (body === undefined) return;
      const expected = (body as { expected?: unknown }).expected ?? 0;
      const value = valueIn(body, 'value', 1);
      const expectedValue = typeof expected === 'number' ? valueIn({ expected }, 'expected', 0) : undefined;
      if (value === undefined || expectedValue === undefined) return send(res, 422, { error: `send {"expected": e, "value": v} with v in 1..${VALUES - 1} and e in 0..${VALUES - 1} or null (0 and null: the key is absent)` });
      op = { kind: 'cas', key, expected: expectedValue, value };
    } else if (req.method === 'GET') op = { kind: 'get', key };
    else if (req.method === 'DELETE') op = { kind: 'delete', key };
    else if (req.method === 'PUT') {
      const body = await readJson(req, res);
      if (body === undefined) return;
      const value = valueIn(body, 'value', 1);
      if (value === undefined) return send(res, 422, { error: `send {"value": v} with v a whole number in 1..${VALUES - 1}` });
      op = { kind: 'put', key, value };
    } else return methodNotAllowed(res, path, 'GET,PUT,DELETE');
    const answer = await this.execute(id, op);
    if (answer === undefined) return send(res, 504, { error: `${describeOp(op)} was not applied here within ${this.timeoutMs} ms; it may still take effect (retry with ?id=${id})`, id });
    return send(res, 200, answer);
  }
}

function methodNotAllowed(res: ServerResponse, path: string, methods: string): void {
  res.setHeader('allow', methods);
  send(res, 405, { error: `this method is not allowed on ${path} (allowed: ${methods})` });
}

function wholeIn(text: string, lo: number, hi: number): number | undefined {
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const x = Number(text);
  return x >= lo && x <= hi ? x : undefined;
}

function valueIn(body: unknown, field: string, lo: number): number | undefined {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= VALUES - 1 ? v : undefined;
}
