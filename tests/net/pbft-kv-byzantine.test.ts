/**
 * The key-value store replicated by PBFT on a real cluster: 4 replicas (n = 3f + 1, f = 1)
 * and 2 client processes, each its own `rio start --app kv` child on 127.0.0.1 (TLS between
 * them, Ed25519 signatures), one replica playing Byzantine with the simulator's `conflict`
 * strategy (`rio start --byzantine 'conflict(PRE_PREPARE+PREPARE)'`): it runs PBFT's own
 * replica code and sends its pre-prepares and prepares unchanged to one half of the others
 * and, with another request in them and signed again with its key, to the other half.
 *
 * Run 1: the Byzantine replica is the primary of view 0, and its seed sends the changed
 * pre-prepares to replicas 1 and 2, the genuine ones to replica 3 only: no request can
 * commit in view 0, and the correct replicas must change view to make progress.
 * Run 2: a backup (replica 2) equivocates in its prepares (seed 2: changed versions to 0 and 1).
 *
 * In both: concurrent clients (at the client processes, which answer from f + 1 matching
 * replies) make a history that must be linearizable (runtime/lin/check.ts); the correct
 * replicas' stores and the client processes' must end equal; the Byzantine process must
 * have sent changed messages.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KvClient } from '../../examples/kv/client.js';
import { closedLoop } from '../../examples/kv/load.js';
import { kvModel } from '../../examples/kv/store.js';
import { checkLinearizable } from '../../runtime/lin/check.js';
import { RioClient } from '../../runtime/net/client.js';
import { launchNode, stopNode, type Launched } from '../../runtime/net/launch.js';
import { cli, eventually, kvWorkload as workload, makeCluster, repo, type TestCluster } from './helpers.js';

const params = { n: 4, f: 1, clients: 2, maxSeq: 1_000_000, checkpointEvery: 8, window: 32, maxView: 1_000, resend: 100 };
const TICK_MS = 10; // view timer 1 s in view 0 (2 s in view 1, ...), client retry 2 s, resend 1 s
const REPLICAS = [0, 1, 2, 3];
const CLIENT_PROCESSES = [4, 5];
const launched: Launched[] = [];
const clusters: TestCluster[] = [];

afterAll(async () => {
  await Promise.all(launched.map((n) => stopNode(n, 1_000)));
  for (const c of clusters) c.remove();
});

interface Store { applied: number; entries: Record<string, number> }

async function runCluster(byzantine: number, seed: number) {
  const cluster = await makeCluster(6, params);
  clusters.push(cluster);
  const nodes = Array.from({ length: 6 }, (_, id) => {
    const extra = id === byzantine ? ['--byzantine', 'conflict(PRE_PREPARE+PREPARE)', '--byzantine-seed', String(seed)] : [];
    const node = launchNode({ cli, spec: join(repo, 'specs', 'pbft.rio'), config: cluster.configPath, id, extraArgs: ['--tick-ms', String(TICK_MS), '--app', 'kv', '--log-level', 'warn', ...extra], readyTimeoutMs: 15_000 });
    launched.push(node);
    return node;
  });
  const urls = await Promise.all(nodes.map((n) => n.ready));
  const lastSeen = Array.from({ length: 6 }, () => 0);
  // Six clients, three per client process.
  const clients = Array.from({ length: 6 }, (_, c) => new KvClient(urls[CLIENT_PROCESSES[c % 2]!]!, c, 4_000));
  const load = await closedLoop({
    clients: 6, durationMs: 6_000, seed, nextOp: workload(lastSeen), backoffMs: 50,
    exec: async (c, op) => {
      const outcome = await clients[c]!.run(op);
      if (!outcome.ok) return { ok: false, sent: outcome.sent };
      if (typeof outcome.result === 'number') lastSeen[c] = outcome.result;
      return { ok: true, result: outcome.result };
    },
  });
  const correct = REPLICAS.filter((r) => r !== byzantine);
  // After the load, the correct replicas converge: a replica that missed requests in a
  // view catches up from a checkpoint (state transfer) or from retransmissions. A few more
  // puts move the log to the next checkpoint if needed.
  const storeOf = async (id: number) => (await (await fetch(new URL('/kv', urls[id]!))).json()) as Store;
  let extra = 0;
  // The client processes' stores, built from what they learned from f + 1 replies, too.
  await eventually('the correct replicas and the clients have the same store', async () => {
    const stores = await Promise.all([...correct, ...CLIENT_PROCESSES].map(storeOf));
    if (stores.every((s) => JSON.stringify(s) === JSON.stringify(stores[0]))) return true;
    extra++;
    await clients[0]!.run({ kind: 'get', key: 0 });
    return false;
  }, 10_000);
  const stores = await Promise.all(correct.map(storeOf));
  const status = (await new RioClient(urls[byzantine]!).status()) as unknown as { byzantine: { halves: number[][]; corrupted: number } };
  const views = await Promise.all(correct.map(async (r) => (await new RioClient(urls[r]!).state()).vars['view'] as number));
  return { load, stores, status, views, extra, nodes };
}

function checkHistory(load: Awaited<ReturnType<typeof runCluster>>['load']) {
  const completed = load.history.filter((o) => o.ret !== undefined);
  const result = checkLinearizable(kvModel, load.history);
  expect(result, `history of ${load.history.length} operations (${load.history.length - completed.length} pending)`).toMatchObject({ linearizable: true });
  // The history is rich enough to catch a wrong answer.
  const get = load.history.findIndex((o) => o.input.kind === 'get' && o.ret !== undefined);
  const tampered = load.history.map((o, i) => (i === get ? { ...o, output: 200 } : o));
  expect(checkLinearizable(kvModel, tampered).linearizable).toBe(false);
  return completed.length;
}

describe('the key-value store on a real PBFT cluster with an equivocating replica', () => {
  it('stays linearizable and consistent when the primary of view 0 equivocates, and changes view to make progress', async () => {
    // Seed 2 splits the other processes into {3, 4, 5} (genuine) and {1, 2} (changed).
    const run = await runCluster(0, 2);
    expect(run.status.byzantine.halves).toEqual([[3, 4, 5], [1, 2]]);
    const answered = checkHistory(run.load);
    console.log(`pbft-kv (primary equivocates): ${run.load.history.length} operations sent, ${answered} answered; ${run.status.byzantine.corrupted} messages corrupted; views ${run.views.join('/')}; ${run.extra} extra gets to converge`);
    expect(run.status.byzantine.corrupted).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(30);
    // Nothing committed in view 0 beyond what replica 3 alone could not block: the correct replicas moved on.
    for (const v of run.views) expect(v).toBeGreaterThanOrEqual(1);
    expect(run.stores[0]!.applied).toBeGreaterThan(30);
  }, 40_000);

  it('stays linearizable and consistent when a backup equivocates in its prepares', async () => {
    const run = await runCluster(2, 2);
    expect(run.status.byzantine.halves).toEqual([[3, 4, 5], [0, 1]]);
    const answered = checkHistory(run.load);
    console.log(`pbft-kv (backup equivocates): ${run.load.history.length} operations sent, ${answered} answered; ${run.status.byzantine.corrupted} messages corrupted; views ${run.views.join('/')}; ${run.extra} extra gets to converge`);
    expect(run.status.byzantine.corrupted).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(50);
    expect(run.stores[0]!.applied).toBeGreaterThan(50);
  }, 40_000);
});
