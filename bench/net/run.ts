/**
 * `npm run bench:network`: the network runtime against raw TLS over the same kind of sockets,
 * measured in one run on this machine.
 *
 * - codec: encoding, framing, decoding and type-checking one message (what JSON costs).
 * - baseline: node 0's keys dial three mutual-TLS 1.3 echo processes (nodes 1-3's keys, the
 *   transport's socket options); a round writes one frame to each and waits for the three
 *   echoes: the 6 network messages of a round of the protocol below, with nothing else.
 * - rio: 4 `rio start` processes of bench/net/roundtrip.rio; a round is a `ping(k)` request
 *   POSTed to process 0, which broadcasts PING(k), gets PONG(k) back from all, and indicates
 *   `done(k)`, read from its server-sent event stream. It includes the HTTP request, the
 *   replica steps and the type checks of every message.
 *
 * Latency: rounds one at a time (p50/p99). Throughput: WINDOW rounds in flight at once.
 * Environment: ROUNDS (default 1000), WINDOW (default 32).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { RioClient } from '../../runtime/net/client.js';
import { readConfig, readNodeKeys, type ClusterConfig } from '../../runtime/net/config.js';
import { encodeFrame, FrameDecoder } from '../../runtime/net/frame.js';
import { writeCluster } from '../../runtime/net/keys.js';
import { freePorts, launchNode, stopNode, type Launched } from '../../runtime/net/launch.js';
import { checkWire } from '../../runtime/net/validate.js';
import { Paxos } from '../../generated/paxos.js';

const ROUNDS = Number(process.env['ROUNDS'] ?? 1000);
const WINDOW = Number(process.env['WINDOW'] ?? 32);
const N = 4;
const NETWORK_MESSAGES_PER_ROUND = 2 * (N - 1);
const distRoot = resolve(import.meta.dirname, '..', '..');
const repoRoot = resolve(distRoot, '..');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly roundsPerSecond: number;
}

/** Runs `round` ROUNDS times one by one (latency), then ROUNDS times WINDOW at a time (throughput). */
async function measure(round: (k: number) => Promise<void>, firstK: number): Promise<Figures> {
  let k = firstK;
  for (let i = 0; i < 50; i++) await round(k++); // warm-up
  const latencies: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint();
    await round(k++);
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  latencies.sort((a, b) => a - b);
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next < ROUNDS) {
        next++;
        await round(k++);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), roundsPerSecond: ROUNDS / seconds };
}

function codecFigures(): { nsPerMessage: number } {
  const message = { type: 'PROMISE', b: 12, ab: 7, av: 3 };
  const limits = { processCount: 7, maxDepth: 32 };
  const decoder = new FrameDecoder();
  const iterations = 200_000;
  let ok = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    for (const d of decoder.push(encodeFrame({ ...message, b: i }))) if (d.kind === 'message' && checkWire(Paxos, d.value, limits) === null) ok++;
  }
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  if (ok !== iterations) throw new Error('codec bench: a message failed to check');
  return { nsPerMessage: ns };
}

async function baseline(config: ClusterConfig, dir: string): Promise<Figures> {
  const echoes: ChildProcess[] = [];
  try {
    for (let id = 1; id < N; id++) {
      const child = spawn(process.execPath, [join(distRoot, 'bench', 'net', 'echo.js'), join(dir, 'cluster.json'), String(id)], { stdio: ['ignore', 'pipe', 'inherit'] });
      echoes.push(child);
      await new Promise<void>((ok) => child.stdout!.once('data', () => ok()));
    }
    const keys = readNodeKeys(join(dir, 'node-0'));
    const sockets = await Promise.all(
      [1, 2, 3].map(
        (id) =>
          new Promise<TLSSocket>((ok, fail) => {
            const peer = config.nodes[id]!;
            const s = connect({
              host: '127.0.0.1', port: peer.port, key: keys.tlsKey, cert: keys.tlsCert, ca: [peer.certificate], minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3',
              checkServerIdentity: (_h, cert) => (cert.fingerprint256 === peer.fingerprint ? undefined : new Error('pin')),
            });
            s.setNoDelay(true);
            s.once('secureConnect', () => ok(s));
            s.once('error', fail);
          }),
      ),
    );
    // Echoes come back in order on each socket: a round waits for its frame on all three.
    const waiting = sockets.map(() => new Map<number, () => void>());
    sockets.forEach((s, i) => {
      const decoder = new FrameDecoder();
      s.on('data', (chunk: Buffer) => {
        for (const d of decoder.push(chunk)) {
          if (d.kind !== 'message') continue;
          const k = (d.value as { k: number }).k;
          waiting[i]!.get(k)?.();
          waiting[i]!.delete(k);
        }
      });
    });
    const round = (k: number) =>
      Promise.all(
        sockets.map(
          (s, i) =>
            new Promise<void>((ok) => {
              waiting[i]!.set(k, ok);
              s.write(encodeFrame({ type: 'PING', k }));
            }),
        ),
      ).then(() => undefined);
    const figures = await measure(round, 1);
    for (const s of sockets) s.destroy();
    return figures;
  } finally {
    for (const e of echoes) e.kill('SIGTERM');
    await Promise.all(echoes.map((e) => new Promise((ok) => (e.exitCode !== null ? ok(null) : e.once('exit', ok)))));
  }
}

async function rio(dir: string): Promise<Figures & { counters: unknown }> {
  const nodes: Launched[] = [];
  const abort = new AbortController();
  try {
    for (let id = 0; id < N; id++) {
      nodes.push(
        launchNode({
          cli: join(distRoot, 'compiler', 'cli', 'main.js'), spec: join(repoRoot, 'bench', 'net', 'roundtrip.rio'), config: join(dir, 'cluster.json'), id,
          extraArgs: ['--log-level', 'warn'], readyTimeoutMs: 60_000,
        }),
      );
    }
    const urls = await Promise.all(nodes.map((n) => n.ready));
    const client = new RioClient<{ type: 'ping'; k: number }, { type: 'done'; k: number }>(urls[0]!);
    const waiting = new Map<number, () => void>();
    const events = client.stream(0, abort.signal);
    void (async () => {
      try {
        for await (const record of events) {
          waiting.get(record.indication.k)?.();
          waiting.delete(record.indication.k);
        }
      } catch {
        // aborted at the end
      }
    })();
    const round = async (k: number) => {
      const done = new Promise<void>((ok) => waiting.set(k, ok));
      await client.request({ type: 'ping', k });
      await done;
    };
    const figures = await measure(round, 1);
    const status = (await client.status()) as { counters: unknown };
    return { ...figures, counters: status.counters };
  } finally {
    abort.abort();
    await Promise.all(nodes.map((n) => stopNode(n)));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rio-bench-net-'));
  try {
    const ports = await freePorts(2 * N);
    await writeCluster({
      nodes: N, outDir: dir, hosts: ['127.0.0.1'], basePort: 0, baseHttpPort: 0, params: { n: N },
      ports: Array.from({ length: N }, (_, i) => ({ port: ports[2 * i]!, httpPort: ports[2 * i + 1]! })),
    });
    const config = readConfig(join(dir, 'cluster.json'));
    console.log(`network bench: ${N} processes on loopback, ${ROUNDS} rounds for latency, ${ROUNDS} rounds with ${WINDOW} in flight for throughput; Node ${process.version}`);
    const codec = codecFigures();
    console.log(`codec: encode + frame + decode + type-check of a PROMISE message: ${(codec.nsPerMessage / 1000).toFixed(2)} µs per message`);
    const raw = await baseline(config, dir);
    const real = await rio(dir);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(28)} p50 ${f.p50.toFixed(3).padStart(8)} ms   p99 ${f.p99.toFixed(3).padStart(8)} ms   ${f.roundsPerSecond.toFixed(0).padStart(7)} rounds/s   ${(f.roundsPerSecond * NETWORK_MESSAGES_PER_ROUND).toFixed(0).padStart(8)} msgs/s`;
    console.log(row('raw TLS echo (baseline)', raw));
    console.log(row('rio round (HTTP + replicas)', real));
    console.log(
      `ratio rio/baseline: latency p50 ${(real.p50 / raw.p50).toFixed(1)}x, p99 ${(real.p99 / raw.p99).toFixed(1)}x; throughput ${(real.roundsPerSecond / raw.roundsPerSecond).toFixed(3)}x (baseline ${(raw.roundsPerSecond / real.roundsPerSecond).toFixed(1)}x faster)`,
    );
    console.log(`codec share of a rio round: ${((codec.nsPerMessage * (NETWORK_MESSAGES_PER_ROUND * 2)) / 1e6 / real.p50 * 100).toFixed(2)}% of p50 (each network message is encoded once and decoded once)`);
    console.log(`process 0 counters: ${JSON.stringify(real.counters)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
