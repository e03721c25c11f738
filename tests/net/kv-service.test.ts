/**
 * The key-value store as a service (examples/kv/service.ts): its HTTP endpoints on three
 * in-process Multi-Paxos hosts (exact answers, errors, retries by id), the usage errors of
 * `--app kv` and `--kv`, and the `rio cluster --kv` demo end to end on Raft processes (one killed and restarted).
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvClient } from '../../examples/kv/client.js';
import type { KvOp, KvResult } from '../../examples/kv/command.js';
import { KvService } from '../../examples/kv/service.js';
import { kvModel } from '../../examples/kv/store.js';
import { checkLinearizable, type Operation } from '../../runtime/lin/check.js';
import { MultiPaxos } from '../../generated/multi-paxos.js';
import { ProcessHost } from '../../runtime/net/host.js';
import { ApiServer } from '../../runtime/net/http.js';
import { readNodeKeys } from '../../runtime/net/config.js';
import { silentLogger } from '../../runtime/net/log.js';
import { join } from 'node:path';
import { cli, makeCluster, repo, type TestCluster } from './helpers.js';

const params = { n: 3, f: 1, suspectMin: 15, suspectMax: 30, heartbeat: 5, maxRound: 1_000_000, maxHeartbeats: 1_000_000 };
let cluster: TestCluster;
const nodes: { host: ProcessHost; api: ApiServer; url: string }[] = [];

beforeAll(async () => {
  cluster = await makeCluster(3, params);
  for (let id = 0; id < 3; id++) {
    const host = new ProcessHost({
      module: MultiPaxos, params, config: cluster.config, self: id, keys: readNodeKeys(join(cluster.dir, `node-${id}`)),
      dataPath: join(cluster.dir, `node-${id}`, 'state.db'), log: silentLogger, tickMs: 10, listenHost: '127.0.0.1',
    });
    await host.start();
    const api = new ApiServer(host, silentLogger, new KvService(host, 4_000));
    const port = await api.listen(cluster.config.nodes[id]!.httpPort);
    nodes.push({ host, api, url: `http://127.0.0.1:${port}` });
  }
});
afterAll(async () => {
  for (const n of nodes) {
    await n.api.close();
    await n.host.stop();
  }
  cluster?.remove();
});

async function http(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return { status: res.status, body: await res.json() };
}

describe('the key-value service on Multi-Paxos hosts', () => {
  it('answers put, get, compare-and-swap and delete through the log, at any process', async () => {
    const [a, b, c] = nodes.map((n, i) => new KvClient(n.url, i));
    expect(await a!.put(3, 7)).toMatchObject({ ok: true, result: null });
    expect(await b!.get(3)).toMatchObject({ ok: true, result: 7 });
    expect(await c!.cas(3, 6, 9)).toMatchObject({ ok: true, result: false });
    expect(await c!.cas(3, 7, 8)).toMatchObject({ ok: true, result: true });
    expect(await a!.cas(4, 0, 1)).toMatchObject({ ok: true, result: true }); // 0: only if absent
    expect(await b!.delete(3)).toMatchObject({ ok: true, result: true });
    expect(await b!.delete(3)).toMatchObject({ ok: true, result: false });
    const last = await a!.get(3);
    expect(last).toMatchObject({ ok: true, result: null });
    // Every answer came at its own log index, in order; all stores converge.
    const applied = last.ok ? last.index : 0;
    await new Promise((r) => setTimeout(r, 300));
    for (const n of nodes) expect((await http(`${n.url}/kv`, 'GET')).body).toEqual({ applied, entries: { '4': 1 } });
  });

  it('applies a retried operation once and answers it with the first result', async () => {
    const url = nodes[1]!.url;
    const first = await http(`${url}/kv/5/cas?id=77`, 'POST', { expected: null, value: 2 });
    expect(first).toMatchObject({ status: 200, body: { id: 77, result: true } });
    const again = await http(`${nodes[2]!.url}/kv/5/cas?id=77`, 'POST', { expected: null, value: 2 });
    expect(again.body).toEqual(first.body); // not applied twice (the second would answer false)
  });

  it.each([
    ['GET', '/kv/16', undefined, 404, "no key '16': keys are whole numbers 0..15"],
    ['GET', '/kv/x', undefined, 404, "no key 'x': keys are whole numbers 0..15"],
    ['PUT', '/kv/1', { value: 256 }, 422, 'send {"value": v} with v a whole number in 1..255'],
    ['PUT', '/kv/1', { v: 3 }, 422, 'send {"value": v} with v a whole number in 1..255'],
    ['POST', '/kv/1/cas', { expected: 'a', value: 3 }, 422, 'send {"expected": e, "value": v} with v in 1..255 and e in 0..255 or null (0 and null: the key is absent)'],
    ['POST', '/kv/1', undefined, 405, 'this method is not allowed on /kv/1 (allowed: GET,PUT,DELETE)'],
    ['GET', '/kv/1?id=0', undefined, 400, "'id' must be a whole number in 1..1073741824, not '0'"],
    ['GET', '/kv/1/x', undefined, 404, "no such endpoint '/kv/1/x' (endpoints: GET|PUT|DELETE /kv/<key>, POST /kv/<key>/cas, GET /kv)"],
  ])('%s %s is refused', async (method, path, body, status, error) => {
    expect(await http(`${nodes[0]!.url}${path}`, method, body)).toEqual({ status, body: { error } });
  });

  // The client refuses an operation outside the domain itself, before sending anything: a
  // RangeError naming the field and its range (no id is used up: the next operation gets the
  // id it would have had).
  it.each([
    ['put(16, 1)', (k: KvClient) => k.put(16, 1), 'key must be a whole number in 0..15, not 16'],
    ['put(1, 0)', (k: KvClient) => k.put(1, 0), 'value must be a whole number in 1..255, not 0'],
    ['put(1, 2.5)', (k: KvClient) => k.put(1, 2.5), 'value must be a whole number in 1..255, not 2.5'],
    ['get(-1)', (k: KvClient) => k.get(-1), 'key must be a whole number in 0..15, not -1'],
    ['cas(1, 256, 3)', (k: KvClient) => k.cas(1, 256, 3), 'expected value must be a whole number in 0..255, not 256'],
    ['send(1, incr)', (k: KvClient) => k.send(1, { kind: 'incr', key: 1 } as never), "an operation is one of put, get, delete, cas, not 'incr'"],
  ])('the client refuses %s before sending it', async (_, call, message) => {
    const client = new KvClient(nodes[0]!.url, 9);
    const before = client.nextId();
    const error = await call(client).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).message).toBe(message);
    expect(client.nextId()).toBe(before);
  });
});

/** An operation `rio cluster --kv ... --json` reports. */
type DemoOperation = { process: number; op: string; input: KvOp; outcome: { ok: boolean; result: KvResult }; sentMs: number; ms: number };

/** `rio cluster --json`'s summary: the operations and each process's store at the end. */
function demoSummary(stdout: string): { kv: DemoOperation[]; processes: { up: boolean; store: unknown }[] } {
  return JSON.parse(stdout) as { kv: DemoOperation[]; processes: { up: boolean; store: unknown }[] };
}

function rio(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: repo, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe.concurrent('rio with the key-value store', () => {
  it.each([
    [['start', 'specs/bracha-broadcast.rio', '--config', 'none.json', '--id', '0', '--app', 'sql'], "rio: --app 'sql': the applications are kv"],
    [['cluster', 'specs/bracha-broadcast.rio', '--app', 'kv'], 'rio: --app kv needs a protocol with a request submit(command) and an indication apply(index, command), like specs/raft.rio and specs/multi-paxos.rio, or PBFT\'s invoke(op), execute(s, op) and learn(s, op) (specs/pbft.rio); BrachaBroadcast has none'],
    [['cluster', 'specs/raft.rio', '--kv', 'put(3) at 5'], "rio: --kv 'put(3) at 5' must look like 'put(KEY, VALUE) at TIME [on P]', 'get(KEY) at TIME', 'delete(KEY) at TIME' or 'cas(KEY, EXPECTED, VALUE) at TIME' (keys 0..15, values 1..255, EXPECTED 0 = absent)"],
    [['cluster', 'specs/raft.rio', '--kv', 'put(3, 300) at 5'], "rio: --kv 'put(3, 300) at 5': value must be a whole number in 1..255, not 300"],
    [['cluster', 'specs/raft.rio', '--kv', 'get(3) at 5 on 3'], "rio: --kv 'get(3) at 5 on 3': process 3 does not exist (processes are 0..2)"],
  ])('rio %j exits 2', async (args, message) => {
    const run = await rio(args);
    expect([run.code, run.stderr.trim()]).toEqual([2, message]);
  });

  it('runs the demo: operations at several processes, one process killed and restarted, the stores agree', async () => {
    const run = await rio([
      'cluster', 'specs/raft.rio', '--tick-ms', '2', '--json',
      // 600 ms apart, so that each operation is answered before the next starts even on a busy machine.
      '--kv', 'put(3, 7) at 300 on 0', '--kv', 'get(3) at 600 on 1', '--kv', 'cas(3, 7, 8) at 900 on 2', '--kv', 'delete(3) at 1200 on 0',
      '--kill', '1@1300', '--kv', 'put(2, 5) at 1400 on 2', '--restart', '1@1500', '--kv', 'get(2) at 2400 on 1', '--duration', '2500',
    ]);
    expect(run.code).toBe(0);
    const summary = demoSummary(run.stdout);
    // Every operation is answered. Which answers they get depends on how the operations
    // overlapped in time (a loaded machine can stretch one past the next one's start), so
    // the history, with its send and answer times, must be linearizable; and when each one
    // was answered before the next was sent, the answers are the sequential ones.
    const inOrder = [...summary.kv].sort((a, b) => a.sentMs - b.sentMs);
    expect(inOrder.map((k) => [k.process, k.op, k.outcome.ok])).toEqual([
      [0, 'put(k3, 7)', true], [1, 'get(k3)', true], [2, 'cas(k3, 7 → 8)', true], [0, 'delete(k3)', true], [2, 'put(k2, 5)', true], [1, 'get(k2)', true],
    ]);
    const history: Operation<KvOp, KvResult>[] = inOrder.map((k, i) => ({ client: i, input: k.input, call: k.sentMs, ret: k.sentMs + k.ms, output: k.outcome.result }));
    expect(checkLinearizable(kvModel, history).linearizable).toBe(true);
    if (inOrder.every((k, i) => i === 0 || inOrder[i - 1]!.sentMs + inOrder[i - 1]!.ms < k.sentMs)) {
      expect(inOrder.map((k) => k.outcome.result)).toEqual([null, 7, true, true, null, 5]);
    }
    // (A follower may not have heard of the last commit yet: the entries agree, the applied index may lag.)
    expect(summary.processes.map((p) => [p.up, (p.store as { entries: unknown }).entries])).toEqual([0, 1, 2].map(() => [true, { '2': 5 }]));
  }, 30_000);

  it('runs the 5-process demo: two processes killed (f = 2), the other three go on, one comes back and catches up', async () => {
    const run = await rio([
      'cluster', 'specs/raft.rio', '--nodes', '5', '--param', 'n=5', '--param', 'f=2', '--param', 'electionMin=150', '--param', 'electionMax=300',
      '--param', 'heartbeat=50', '--param', 'maxTerm=1000000', '--param', 'maxHeartbeats=1000000', '--param', 'window=2', '--tick-ms', '2', '--json',
      '--kv', 'put(3, 7) at 300 on 0', '--kv', 'get(3) at 600 on 3', '--kill', '0@700', '--kill', '1@720',
      '--kv', 'cas(3, 7, 8) at 900 on 2', '--kv', 'put(9, 4) at 1200 on 4', '--restart', '0@1300', '--kv', 'get(9) at 2200 on 0', '--duration', '2400',
    ]);
    expect(run.code).toBe(0);
    const summary = demoSummary(run.stdout);
    const inOrder = [...summary.kv].sort((a, b) => a.sentMs - b.sentMs);
    expect(inOrder.map((k) => [k.process, k.op, k.outcome.ok])).toEqual([
      [0, 'put(k3, 7)', true], [3, 'get(k3)', true], [2, 'cas(k3, 7 → 8)', true], [4, 'put(k9, 4)', true], [0, 'get(k9)', true],
    ]);
    const history: Operation<KvOp, KvResult>[] = inOrder.map((k, i) => ({ client: i, input: k.input, call: k.sentMs, ret: k.sentMs + k.ms, output: k.outcome.result }));
    expect(checkLinearizable(kvModel, history).linearizable).toBe(true);
    if (inOrder.every((k, i) => i === 0 || inOrder[i - 1]!.sentMs + inOrder[i - 1]!.ms < k.sentMs)) {
      expect(inOrder.map((k) => k.outcome.result)).toEqual([null, 7, true, null, 4]);
    }
    // p1 stays down; the four others, p0 after its restart, hold the same entries.
    expect(summary.processes.map((p) => p.up)).toEqual([true, false, true, true, true]);
    for (const id of [0, 2, 3, 4]) expect((summary.processes[id]!.store as { entries: unknown }).entries).toEqual({ '3': 8, '9': 4 });
  }, 40_000);
});
