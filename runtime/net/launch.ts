/**
 * Starting `rio start` child processes and knowing when they are ready: used by
 * `rio cluster`, the tests and the benchmark. A child's stderr is JSON log lines; the
 * `ready` line carries its API address. Nothing here outlives its caller: `stop` sends
 * SIGTERM and then SIGKILL to a child that does not exit in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';

export interface LaunchOptions {
  /** The `rio` entry script (dist/compiler/cli/main.js). */
  readonly cli: string;
  readonly spec: string;
  readonly config: string;
  readonly id: number;
  readonly extraArgs?: readonly string[];
  /** Where to append the child's log lines (none: kept in memory only). */
  readonly logFile?: string;
  /** Called for each parsed log line. */
  readonly onLog?: (entry: Record<string, unknown>) => void;
  readonly readyTimeoutMs?: number;
  /** A command that runs the child, e.g. ['ip', 'netns', 'exec', 'host1'] (it must exec, not fork). */
  readonly wrapper?: readonly string[];
}

export interface Launched {
  readonly id: number;
  readonly child: ChildProcess;
  /** The API base URL once ready. */
  readonly ready: Promise<string>;
  /** Resolves with the exit code (or the signal's name) when the child ends. */
  readonly exited: Promise<number | string>;
  readonly logs: Record<string, unknown>[];
}

export function launchNode(options: LaunchOptions): Launched {
  const args = [options.cli, 'start', options.spec, '--config', options.config, '--id', String(options.id), ...(options.extraArgs ?? [])];
  const wrapper = options.wrapper ?? [];
  const child = wrapper.length === 0 ? spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(wrapper[0]!, [...wrapper.slice(1), process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const file: WriteStream | undefined = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  let stderrText = '';
  let resolveReady!: (url: string) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<string>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // a caller that does not wait for readiness must not crash on it
  const timeout = setTimeout(() => rejectReady(new Error(`node ${options.id} not ready after ${options.readyTimeoutMs ?? 20_000} ms`)), options.readyTimeoutMs ?? 20_000);
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    file?.write(chunk);
    partial += chunk;
    let end: number;
    while ((end = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, end);
      partial = partial.slice(end + 1);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        stderrText += line + '\n'; // not a log line: a usage error, say
        continue;
      }
      logs.push(entry);
      options.onLog?.(entry);
      if (entry['event'] === 'ready') {
        clearTimeout(timeout);
        resolveReady(String(entry['api']));
      }
    }
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timeout);
      file?.end();
      rejectReady(new Error(`node ${options.id} exited (${signal ?? code}) before it was ready${stderrText === '' ? '' : `: ${stderrText.trim()}`}`));
      resolve(signal ?? code ?? 0);
    });
  });
  return { id: options.id, child, ready, exited, logs };
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export async function stopNode(node: Launched, graceMs = 3_000): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), graceMs);
  await node.exited;
  clearTimeout(timer);
}

/** Ports free on 127.0.0.1 right now (the OS picks them; a small race remains until they are bound). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
