/**
 * `node dist/bench/bft-kv/run.js`: the replicated key-value store (examples/kv) on PBFT
 * (specs/pbft.rio) on a local cluster of 4 replicas (n = 3f + 1, f = 1) and 2 client
 * processes, each a `rio start --app kv` child on 127.0.0.1: TLS between them, Ed25519
 * signatures on pre-prepares, prepares, checkpoints and view changes, durable state in SQLite.
 * Operations are made at the client processes, which answer once they have learned the order
 * up to the operation from f + 1 matching replies (examples/kv/protocols.ts).
 *
 * Runs, each on a fresh cluster, under the same load:
 * - `none`: every replica correct;
 * - `backup`: replica 2 plays Byzantine with `conflict(PRE_PREPARE+PREPARE)` (rio start
 *   --byzantine), its seed sending the changed messages to replicas 0 and 1;
 * - `primary`: replica 0, the primary of view 0, plays the same; its seed sends the changed
 *   pre-prepares to replicas 1 and 2 (so view 0 cannot commit: a view change).
 *
 * Load: C closed-loop clients (half at each client process), each doing puts one after the
 * other for DURATION_MS after a warm-up of WARMUP_MS (the primary case's view change falls
 * in the warm-up or not, depending on timing: both are reported, see `views`). It prints
 * answered puts per second, p50 and p99 latency (ms), the view the correct replicas ended in,
 * the messages the Byzantine replica corrupted, and the ratio to the all-correct run.
 *
 * Environment: DURATION_MS (default 8000), WARMUP_MS (default 2000), CLIENTS (default
 * "8,32"), CASES (default "none,backup,primary"), TICK_MS (default 10: the view timer is 1 s in view 0).
 */
import { join, resolve } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { KvClient } from '../../examples/kv/client.js';
import { closedLoop, percentile } from '../../examples/kv/load.js';
import { writeCluster } from '../../runtime/net/keys.js';
import { freePorts, launchNode, stopNode, type Launched } from '../../runtime/net/launch.js';
import { RioClient } from '../../runtime/net/client.js';

const DURATION_MS = Number(process.env['DURATION_MS'] ?? 8_000);
const WARMUP_MS = Number(process.env['WARMUP_MS'] ?? 2_000);
const CLIENTS = (process.env['CLIENTS'] ?? '8,32').split(',').map(Number);
const CASES = (process.env['CASES'] ?? 'none,backup,primary').split(',');
const TICK_MS = Number(process.env['TICK_MS'] ?? 10);
const distRoot = resolve(import.meta.dirname, '..', '..');
const repoRoot = resolve(distRoot, '..');
const cli = join(distRoot, 'compiler', 'cli', 'main.js');

const params = { n: 4, f: 1, clients: 2, maxSeq: 1_000_000_000, checkpointEvery: 32, window: 128, maxView: 1_000, resend: 250 };
const CLIENT_PROCESSES = [4, 5];
/** The Byzantine replica, its strategy and seed per case (see the header for the halves). */
const BYZANTINE: Record<string, { id: number; seed: number } | undefined> = { none: undefined, backup: { id: 2, seed: 2 }, primary: { id: 0, seed: 2 } };

interface Figures { readonly name: string; readonly clients: number; readonly puts: number; readonly perSecond: number; readonly p50: number; readonly p99: number; readonly unanswered: number; readonly views: string; readonly corrupted: number | null }

async function run(name: string, clients: number): Promise<Figures> {
  const byz = BYZANTINE[name];
  if (!(name in BYZANTINE)) throw new Error(`unknown case '${name}' (cases: ${Object.keys(BYZANTINE).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'rio-bench-bft-'));
  const ports = await freePorts(12);
  const { configPath } = await writeCluster({
    nodes: 6, outDir: dir, hosts: ['127.0.0.1'], basePort: 0, baseHttpPort: 0, params,
    ports: Array.from({ length: 6 }, (_, i) => ({ port: ports[2 * i]!, httpPort: ports[2 * i + 1]! })),
  });
  const nodes: Launched[] = [];
  try {
    for (let id = 0; id < 6; id++) {
      const extra = byz?.id === id ? ['--byzantine', 'conflict(PRE_PREPARE+PREPARE)', '--byzantine-seed', String(byz.seed)] : [];
      nodes.push(launchNode({ cli, spec: join(repoRoot, 'specs', 'pbft.rio'), config: configPath, id, extraArgs: ['--tick-ms', String(TICK_MS), '--app', 'kv', '--log-level', 'error', ...extra], readyTimeoutMs: 30_000 }));
    }
    const urls = await Promise.all(nodes.map((n) => n.ready));
    const kv = Array.from({ length: clients }, (_, c) => new KvClient(urls[CLIENT_PROCESSES[c % 2]!]!, c, 10_000));
    const exec = async (c: number, op: Parameters<KvClient['run']>[0]) => {
      const outcome = await kv[c]!.run(op);
      return outcome.ok ? { ok: true as const, result: outcome.result } : { ok: false as const, sent: outcome.sent };
    };
    const nextOp = (c: number, rng: { below(n: number): number }) => ({ kind: 'put' as const, key: c % 16, value: 1 + rng.below(255) });
    await closedLoop({ clients, durationMs: WARMUP_MS, seed: 1, nextOp, exec });
    const load = await closedLoop({ clients, durationMs: DURATION_MS, seed: 2, nextOp, exec });
    const answered = load.history.filter((o) => o.ret !== undefined);
    const correct = [0, 1, 2, 3].filter((r) => r !== byz?.id);
    const views = await Promise.all(correct.map(async (r) => String((await new RioClient(urls[r]!).state()).vars['view'])));
    const corrupted = byz === undefined ? null : ((await new RioClient(urls[byz.id]!).status()) as { byzantine?: { corrupted: number } }).byzantine?.corrupted ?? null;
    return {
      name, clients, puts: answered.length, perSecond: answered.length / (load.elapsedMs / 1000), p50: percentile(load.history, 50), p99: percentile(load.history, 99),
      unanswered: load.history.length - answered.length, views: views.join('/'), corrupted,
    };
  } finally {
    await Promise.all(nodes.map((n) => stopNode(n, 2_000)));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bft-kv: PBFT (n=4, f=1) replicating the key-value store; 6 processes on 127.0.0.1; tick ${TICK_MS} ms; ${DURATION_MS} ms of closed-loop puts after ${WARMUP_MS} ms warm-up; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('case     clients   puts    puts/s   p50 ms   p99 ms  unanswered  views(correct)  corrupted  vs none');
  for (const clients of CLIENTS) {
    let base: number | undefined;
    for (const name of CASES) {
      const f = await run(name, clients);
      if (name === 'none') base = f.perSecond;
      const ratio = base === undefined || name === 'none' ? '' : (f.perSecond / base).toFixed(2);
      console.log(`${f.name.padEnd(8)} ${String(f.clients).padStart(7)} ${String(f.puts).padStart(6)} ${f.perSecond.toFixed(1).padStart(9)} ${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)} ${String(f.unanswered).padStart(11)}  ${f.views.padEnd(14)} ${String(f.corrupted ?? '-').padStart(10)}  ${ratio}`);
    }
  }
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
