/**
 * Shared set-up for the network tests: fresh keys and a configuration on free loopback
 * ports in a temporary folder, in-process hosts, and the `rio` entry for child processes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { KvOp } from '../../examples/kv/command.js';
import { readConfig, readNodeKeys, type ClusterConfig } from '../../runtime/net/config.js';
import { ProcessHost } from '../../runtime/net/host.js';
import { ApiServer } from '../../runtime/net/http.js';
import { writeCluster } from '../../runtime/net/keys.js';
import { freePorts } from '../../runtime/net/launch.js';
import { silentLogger, type Logger } from '../../runtime/net/log.js';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import type { Data } from '../../runtime/replica/values.js';

export const repo = join(import.meta.dirname, '..', '..');
export const cli = join(repo, 'dist', 'compiler', 'cli', 'main.js');

export interface TestCluster {
  readonly dir: string;
  readonly configPath: string;
  readonly config: ClusterConfig;
  remove(): void;
}

/** Keys and a configuration for `n` nodes on free loopback ports. */
export async function makeCluster(n: number, params?: Record<string, Data>): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'rio-net-test-'));
  const ports = await freePorts(2 * n);
  const { configPath } = await writeCluster({
    nodes: n, outDir: dir, hosts: ['127.0.0.1'], basePort: 0, baseHttpPort: 0,
    ports: Array.from({ length: n }, (_, i) => ({ port: ports[2 * i]!, httpPort: ports[2 * i + 1]! })),
    ...(params === undefined ? {} : { params }),
  });
  return { dir, configPath, config: readConfig(configPath), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface InProcessNode {
  readonly host: ProcessHost;
  readonly api: ApiServer;
  readonly url: string;
  stop(): Promise<void>;
}

/** Runs node `id` of the cluster inside the test process (its API on a free port). */
export async function startInProcess(cluster: TestCluster, module: ProtocolModule<any, any>, params: Record<string, Data>, id: number, log: Logger = silentLogger): Promise<InProcessNode> {
  const host = new ProcessHost({
    module, params, config: cluster.config, self: id, keys: readNodeKeys(join(cluster.dir, `node-${id}`)),
    dataPath: join(cluster.dir, `node-${id}`, 'state.db'), log, tickMs: 20, listenHost: '127.0.0.1',
  });
  await host.start();
  const api = new ApiServer(host, log);
  const port = await api.listen(cluster.config.nodes[id]!.httpPort);
  return {
    host, api, url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await api.close();
      await host.stop();
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes (then fails with `what`). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the built `rio` CLI; a stack trace on stderr fails the test. */
export function rio(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: repo, timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
      resolve({ code, stdout, stderr });
    });
  });
}

/** A KV client workload: mostly puts and gets; compare-and-swaps (on the value last seen, or on absent) and deletes too. */
export function kvWorkload(lastSeen: number[]) {
  return (client: number, rng: { below(n: number): number }): KvOp => {
    const key = rng.below(3);
    const pick = rng.below(10);
    if (pick < 4) return { kind: 'put', key, value: 1 + rng.below(9) };
    if (pick < 7) return { kind: 'get', key };
    if (pick < 9) return { kind: 'cas', key, expected: lastSeen[client]!, value: 1 + rng.below(9) };
    return { kind: 'delete', key };
  };
}
