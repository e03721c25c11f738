/**
 * The key-value store replicated by Raft on 3 real `rio start --app kv` processes (TLS
 * between them, durable state in SQLite), under 6 concurrent clients doing put, get,
 * delete and compare-and-swap on 3 keys. Mid-run the leader is killed with SIGKILL and
 * restarted from its database. The recorded history (call and return times; operations
 * without an answer pending) must be linearizable, per runtime/lin/check.ts, with a real
 * number of operations answered, some of them by the restarted process. Then all three
 * processes are killed at once and restarted: the history continued after that must still
 * be linearizable (every acknowledged write came back from the databases).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvClient } from '../../examples/kv/client.js';
import type { KvOp } from '../../examples/kv/command.js';
import { closedLoop } from '../../examples/kv/load.js';
import { kvModel } from '../../examples/kv/store.js';
import { checkLinearizable } from '../../runtime/lin/check.js';
import { RioClient } from '../../runtime/net/client.js';
import { launchNode, stopNode, type Launched } from '../../runtime/net/launch.js';
import { cli, eventually, kvWorkload as workload, makeCluster, repo, type TestCluster } from './helpers.js';

const params = { n: 3, f: 1, electionMin: 150, electionMax: 300, heartbeat: 50, maxTerm: 1_000_000, maxHeartbeats: 1_000_000, window: 2 };
const TICK_MS = 2; // elections after 300..600 ms, heartbeats every 100 ms
let cluster: TestCluster;
const launched: Launched[] = [];

function start(id: number): Launched {
  const node = launchNode({ cli, spec: join(repo, 'specs', 'raft.rio'), config: cluster.configPath, id, extraArgs: ['--tick-ms', String(TICK_MS), '--app', 'kv', '--log-level', 'warn'], readyTimeoutMs: 15_000 });
  launched.push(node);
  return node;
}

beforeAll(async () => {
  cluster = await makeCluster(3, params);
});
afterAll(async () => {
  await Promise.all(launched.map((n) => stopNode(n, 1_000)));
  cluster?.remove();
});

describe('the key-value store on a real 3-process Raft cluster', () => {
  it('is linearizable across a SIGKILL and restart of the leader, then of all three processes', async () => {
    const nodes = [0, 1, 2].map(start); // the current incarnation of each process
    const urls = await Promise.all(nodes.map((n) => n.ready));
    // Six clients, two per process; each remembers its process's URL of the moment.
    const current = [...urls];
    const clients = new Map<string, KvClient>();
    const lastSeen = Array.from({ length: 6 }, () => 0);
    const answeredBy = Array.from({ length: 3 }, () => 0);
    let restartedAt = Infinity;
    let killed = -1;
    const exec = async (c: number, op: KvOp) => {
      const server = c % 3;
      const url = current[server]!;
      const key = `${c}@${url}`;
      // A client of a restarted process starts a fresh id range (ids must never repeat).
      const client = clients.get(key) ?? new KvClient(url, clients.size, 3_000);
      clients.set(key, client);
      const outcome = await client.run(op);
      if (!outcome.ok) return { ok: false as const, sent: outcome.sent };
      if (typeof outcome.result === 'number') lastSeen[c] = outcome.result;
      if (server !== killed || performance.now() > restartedAt) answeredBy[server]!++;
      return { ok: true as const, result: outcome.result };
    };

    // Kill the leader once the load is on, and bring it back 2 s later.
    const chaos = (async () => {
      await new Promise((r) => setTimeout(r, 2_500));
      let leader = -1;
      await eventually('a leader is elected', async () => {
        const states = await Promise.all(urls.map((u) => new RioClient(u).state()));
        leader = states.findIndex((s) => s.vars['serverState'] === 'leader');
        return leader >= 0;
      }, 5_000);
      killed = leader;
      nodes[leader]!.child.kill('SIGKILL');
      expect(await nodes[leader]!.exited).toBe('SIGKILL');
      await new Promise((r) => setTimeout(r, 2_000));
      const again = start(leader);
      nodes[leader] = again;
      current[leader] = await again.ready;
      restartedAt = performance.now();
      return again;
    })();

    const load = await closedLoop({ clients: 6, durationMs: 9_000, seed: 7, nextOp: workload(lastSeen), exec, backoffMs: 50 });
    const restarted = await chaos;
    console.log(`kv-linearizable: ${load.history.length} operations sent, ${load.history.filter((o) => o.ret !== undefined).length} answered, ${load.notSent} refused, per process ${answeredBy.join('/')}; leader p${killed} killed`);

    // The restarted process came back from its database: its term and log survived.
    const ready = restarted.logs.find((l) => l['event'] === 'ready');
    expect(ready).toMatchObject({ recovered: true });
    const { vars } = await new RioClient(current[killed]!).state();
    expect(vars['currentTerm']).toBeGreaterThanOrEqual(1);
    expect((vars['log'] as unknown[]).length).toBeGreaterThan(10);

    const completed = load.history.filter((o) => o.ret !== undefined);
    const pending = load.history.length - completed.length;
    expect(completed.length).toBeGreaterThan(150);
    expect(answeredBy[killed]).toBeGreaterThan(5); // the restarted process serves its clients again
    const result = checkLinearizable(kvModel, load.history);
    expect(result, `history of ${load.history.length} operations (${pending} pending)`).toMatchObject({ linearizable: true });

    // The history is rich enough to catch a wrong answer: a get answering a value never written is caught.
    const get = load.history.findIndex((o) => o.input.kind === 'get' && o.ret !== undefined);
    const tampered = load.history.map((o, i) => (i === get ? { ...o, output: 200 } : o));
    expect(checkLinearizable(kvModel, tampered).linearizable).toBe(false);

    // Every process killed at once, and all brought back from their databases.
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    for (let id = 0; id < 3; id++) nodes[id] = start(id);
    for (let id = 0; id < 3; id++) current[id] = await nodes[id]!.ready;
    restartedAt = 0;
    const after = await closedLoop({ clients: 6, durationMs: 2_500, seed: 8, nextOp: workload(lastSeen), exec, backoffMs: 50, origin: load.origin });
    const answeredAfter = after.history.filter((o) => o.ret !== undefined).length;
    console.log(`kv-linearizable: after all three were killed and restarted, ${after.history.length} operations sent, ${answeredAfter} answered`);
    expect(answeredAfter).toBeGreaterThan(20);
    expect(checkLinearizable(kvModel, [...load.history, ...after.history])).toMatchObject({ linearizable: true });

    // All three stores converge.
    await eventually('the stores agree', async () => {
      const stores = await Promise.all(current.map(async (u) => (await (await fetch(new URL('/kv', u))).json()) as { applied: number; entries: unknown }));
      return stores.every((s) => JSON.stringify(s) === JSON.stringify(stores[0]));
    }, 5_000);
  }, 40_000);
});
