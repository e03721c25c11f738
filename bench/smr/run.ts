/**
 * `npm run bench:smr`: the replicated key-value store (examples/kv) on a 3-process local
 * cluster, replicated by Raft and by Multi-Paxos (`rio start --app kv`: TLS between the
 * processes, every step's durable state in SQLite with synchronous=FULL before its messages
 * leave), against a 3-member etcd cluster on loopback in the same run, under the same load:
 *
 * - C closed-loop clients (C = 16 and 64), client c talking to member c mod 3, each doing
 *   puts one after the other for DURATION_MS (after a 1 s warm-up); a put counts when it is
 *   answered, i.e. committed and applied at the member the client talks to;
 * - the same keys and values on both sides: key c mod 16 ("k00".."k15" for etcd), a 1-byte
 *   value (1..255 for rio; one character for etcd);
 * - durable writes on both sides: rio fsyncs its SQLite WAL per step, etcd its WAL per
 *   batch (its defaults; both on the same disk, in the system's temporary folder);
 * - the same timing: with 2 ms time units, rio's election (suspicion) timeout is 1-2 s and
 *   its heartbeat 100 ms, as etcd's defaults (election 1 s, randomised up to 2 s; heartbeat
 *   100 ms), so that a busy machine does not cause elections on one side only;
 * - etcd through its HTTP/JSON gateway (POST /v3/kv/put, base64 key and value), as rio is
 *   reached over HTTP/JSON.
 *
 * Each (system, C) pair runs on a fresh cluster. It prints committed puts per second, p50 and
 * p99 latency, and the throughput ratio rio/etcd per C. etcd is skipped, with a line saying
 * so, when no `etcd` is installed (Debian: apt-get install etcd-server).
 * Environment: DURATION_MS (default 8000), CLIENTS (default "16,64"), SYSTEMS (default
 * "raft,multi-paxos,etcd"), REPEAT (default 1): rounds of all runs, interleaved so that
 * the load of a busy machine falls on every system alike; each figure is then the run with
 * the median throughput (of an even count, the higher middle one). WRAPPER (optional): a
 * command that starts each rio process, given node and its arguments (for profiling, e.g. a
 * script that runs `node --cpu-prof --cpu-prof-dir=DIR "$@"`).
 * Each line also shows the machine's 1-minute load average at the end of the run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KvClient } from '../../examples/kv/client.js';
import { closedLoop, percentile, type Attempt } from '../../examples/kv/load.js';
import type { KvOp } from '../../examples/kv/command.js';
import { writeCluster } from '../../runtime/net/keys.js';
import { freePorts, launchNode, stopNode, type Launched } from '../../runtime/net/launch.js';

const DURATION_MS = Number(process.env['DURATION_MS'] ?? 8_000);
const CLIENTS = (process.env['CLIENTS'] ?? '16,64').split(',').map(Number);
const SYSTEMS = (process.env['SYSTEMS'] ?? 'raft,multi-paxos,etcd').split(',');
const REPEAT = Number(process.env['REPEAT'] ?? 1);
const WRAPPER = process.env['WRAPPER'] === undefined || process.env['WRAPPER'] === '' ? undefined : [process.env['WRAPPER']];
const WARMUP_MS = 1_000;
const MEMBERS = 3;
const distRoot = resolve(import.meta.dirname, '..', '..');
const repoRoot = resolve(distRoot, '..');
const cli = join(distRoot, 'compiler', 'cli', 'main.js');

const SPECS: Record<string, { file: string; params: Record<string, number> }> = {
  raft: { file: 'raft.rio', params: { n: 3, f: 1, electionMin: 500, electionMax: 1000, heartbeat: 50, maxTerm: 1_000_000, maxHeartbeats: 1_000_000_000, window: 2 } },
  'multi-paxos': { file: 'multi-paxos.rio', params: { n: 3, f: 1, suspectMin: 500, suspectMax: 1000, heartbeat: 50, maxRound: 1_000_000, maxHeartbeats: 1_000_000_000 } },
};

interface Figures {
  readonly system: string;
  readonly clients: number;
  readonly puts: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly unanswered: number;
  readonly note: string;
  /** The machine's 1-minute load average when the run ended (the machine is shared). */
  readonly load: number;
}

/** A client's next put: its own key, the next 1-byte value. */
function puts(): (client: number) => KvOp {
  const counters = new Map<number, number>();
  return (client) => {
    const k = (counters.get(client) ?? 0) + 1;
    counters.set(client, k);
    return { kind: 'put', key: client % 16, value: 1 + (k % 255) };
  };
}

async function drive(system: string, clients: number, exec: (client: number, op: KvOp) => Promise<Attempt>): Promise<Omit<Figures, 'note' | 'load'>> {
  await closedLoop({ clients, durationMs: WARMUP_MS, seed: 1, nextOp: puts(), exec });
  const load = await closedLoop({ clients, durationMs: DURATION_MS, seed: 2, nextOp: puts(), exec });
  const answered = load.history.filter((o) => o.ret !== undefined).length;
  return {
    system, clients, puts: answered, perSecond: answered / (load.elapsedMs / 1000), p50: percentile(load.history, 50), p99: percentile(load.history, 99),
    unanswered: load.history.length - answered + load.notSent,
  };
}

async function benchRio(protocol: string, clients: number): Promise<Figures> {
  const spec = SPECS[protocol]!;
  const dir = mkdtempSync(join(tmpdir(), 'rio-bench-smr-'));
  const nodes: Launched[] = [];
  try {
    const ports = await freePorts(2 * MEMBERS);
    const { configPath } = await writeCluster({
      nodes: MEMBERS, outDir: dir, hosts: ['127.0.0.1'], basePort: 0, baseHttpPort: 0, params: spec.params,
      ports: Array.from({ length: MEMBERS }, (_, i) => ({ port: ports[2 * i]!, httpPort: ports[2 * i + 1]! })),
    });
    for (let id = 0; id < MEMBERS; id++) {
      nodes.push(launchNode({ cli, spec: join(repoRoot, 'specs', spec.file), config: configPath, id, extraArgs: ['--tick-ms', '2', '--app', 'kv', '--log-level', 'error'], ...(WRAPPER === undefined ? {} : { wrapper: WRAPPER }) }));
    }
    const urls = await Promise.all(nodes.map((n) => n.ready));
    const kv = Array.from({ length: clients }, (_, c) => new KvClient(urls[c % MEMBERS]!, c));
    const figures = await drive(`rio ${protocol}`, clients, async (c, op) => {
      const outcome = await kv[c]!.run(op);
      return outcome.ok ? { ok: true, result: outcome.result } : { ok: false, sent: outcome.sent };
    });
    const commits = await Promise.all(urls.map(async (u) => ((await (await fetch(new URL('/status', u))).json()) as { counters: { durableCommits: number } }).counters.durableCommits));
    const term = ((await (await fetch(new URL('/state', urls[0]!))).json()) as { vars: Record<string, unknown> }).vars['currentTerm'];
    return { ...figures, load: loadavg()[0]!, note: `durable commits (fsyncs) per member: ${commits.join('/')}${typeof term === 'number' ? `; Raft term ${term} at the end` : ''}` };
  } finally {
    await Promise.all(nodes.map((n) => stopNode(n, 2_000)));
    rmSync(dir, { recursive: true, force: true });
  }
}

function etcdInstalled(): boolean {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function benchEtcd(clients: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'rio-bench-etcd-'));
  const children: ChildProcess[] = [];
  try {
    const ports = await freePorts(2 * MEMBERS);
    const clientUrl = (i: number) => `http://127.0.0.1:${ports[2 * i]}`;
    const peerUrl = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
    const initial = Array.from({ length: MEMBERS }, (_, i) => `m${i}=${peerUrl(i)}`).join(',');
    for (let i = 0; i < MEMBERS; i++) {
      mkdirSync(join(dir, `m${i}`));
      children.push(spawn('etcd', [
        '--name', `m${i}`, '--data-dir', join(dir, `m${i}`), '--listen-client-urls', clientUrl(i), '--advertise-client-urls', clientUrl(i),
        '--listen-peer-urls', peerUrl(i), '--initial-advertise-peer-urls', peerUrl(i), '--initial-cluster', initial,
        '--initial-cluster-state', 'new', '--initial-cluster-token', 'rio-bench', '--logger', 'zap', '--log-level', 'error',
      ], { stdio: 'ignore' }));
    }
    const put = async (i: number, op: KvOp): Promise<Attempt> => {
      if (op.kind !== 'put') throw new Error('the benchmark only puts');
      const body = JSON.stringify({ key: Buffer.from(`k${String(op.key).padStart(2, '0')}`).toString('base64'), value: Buffer.from(String.fromCharCode(32 + (op.value % 95))).toString('base64') });
      try {
        const res = await fetch(`${clientUrl(i)}/v3/kv/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        return res.ok ? { ok: true, result: null } : { ok: false, sent: true };
      } catch {
        return { ok: false, sent: true };
      }
    };
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < MEMBERS; i++) {
      while (!(await put(i, { kind: 'put', key: 0, value: 1 })).ok) {
        if (Date.now() > deadline) throw new Error('etcd did not become ready in 20 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { ...(await drive('etcd', clients, (c, op) => put(c % MEMBERS, op))), load: loadavg()[0]!, note: 'etcd defaults (WAL fsync per batch)' };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench/smr: 3 members on 127.0.0.1, closed-loop clients doing puts (1-byte values, 16 keys), ${DURATION_MS} ms per run after a ${WARMUP_MS} ms warm-up, ${REPEAT} round${REPEAT === 1 ? '' : 's'}`);
  const runs: Figures[] = [];
  const show = (f: Figures) =>
    console.log(`${f.system.padEnd(16)} ${String(f.clients).padStart(3)} clients  ${f.perSecond.toFixed(0).padStart(6)} puts/s  p50 ${f.p50.toFixed(1).padStart(6)} ms  p99 ${f.p99.toFixed(1).padStart(6)} ms  load ${f.load.toFixed(1)}  (${f.puts} answered, ${f.unanswered} not; ${f.note})`);
  const haveEtcd = etcdInstalled();
  for (const system of SYSTEMS) if (system !== 'etcd' && SPECS[system] === undefined) throw new Error(`unknown system '${system}' in SYSTEMS (raft, multi-paxos, etcd)`);
  if (SYSTEMS.includes('etcd') && !haveEtcd) console.log(`etcd skipped: no 'etcd' on PATH (Debian: apt-get install etcd-server etcd-client)`);
  for (let round = 1; round <= REPEAT; round++) {
    for (const clients of CLIENTS) {
      for (const system of SYSTEMS) {
        if (system === 'etcd' && !haveEtcd) continue;
        runs.push(system === 'etcd' ? await benchEtcd(clients) : await benchRio(system, clients));
        show(runs[runs.length - 1]!);
      }
    }
  }
  // Per system and client count, the run with the median throughput.
  const rows: Figures[] = [];
  for (const clients of CLIENTS) {
    for (const system of SYSTEMS) {
      const mine = runs.filter((r) => r.clients === clients && (system === 'etcd' ? r.system === 'etcd' : r.system === `rio ${system}`)).sort((a, b) => a.perSecond - b.perSecond);
      if (mine.length > 0) rows.push(mine[Math.floor(mine.length / 2)]!);
    }
  }
  if (REPEAT > 1) {
    console.log('medians:');
    rows.forEach(show);
  }
  for (const clients of CLIENTS) {
    const etcd = rows.find((r) => r.system === 'etcd' && r.clients === clients);
    if (etcd === undefined) continue;
    for (const r of rows.filter((x) => x.clients === clients && x.system !== 'etcd')) {
      console.log(`ratio ${r.system}/etcd at ${clients} clients: ${(r.perSecond / etcd.perSecond).toFixed(3)}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
