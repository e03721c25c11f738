/**
 * `rio start <spec> --config FILE --id I`: run one process of a cluster until SIGTERM or
 * SIGINT. Logs are JSON lines on stderr; the line with `"event":"ready"` carries the API's
 * address. Usage errors (bad flags, a config that does not fit the spec) exit 2.
 */
import { join } from 'node:path';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import type { Data } from '../../runtime/replica/values.js';
import { ConfigError, defaultKeyDir, readConfig, readNodeKeys, type ClusterConfig } from '../../runtime/net/config.js';
import type { Io } from './io.js';
import { loadForRun, runSetup, UsageError } from './simulate.js';
import { kvProtocolOf } from '../../examples/kv/protocols.js';

export interface StartArgs {
  readonly spec: string;
  readonly protocol?: string;
  readonly config: string;
  readonly id: number;
  readonly keyDir?: string;
  readonly data?: string;
  readonly params: readonly string[];
  readonly tickMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly listen?: string;
  readonly httpPort?: number;
  /** An application served beside the API: 'kv', the replicated key-value store (examples/kv). */
  readonly app?: string;
  /** Play Byzantine with this strategy (runtime/net/byzantine.ts), e.g. 'conflict(PRE_PREPARE+PREPARE)'. */
  readonly byzantine?: string;
  readonly byzantineSeed?: number;
}

/** The applications `rio start --app` knows. */
export const APPS = ['kv'] as const;

/** Why `module` cannot carry the key-value store, or null when it can (Raft, Multi-Paxos, PBFT: examples/kv/protocols.ts). */
export function kvMismatch(module: ProtocolModule<any, any>): string | null {
  const fits = kvProtocolOf(module, undefined);
  return typeof fits === 'string' ? fits : null;
}

/** The parameters of a cluster: the configuration's, then `--param`s over them. */
export function clusterParams(module: ProtocolModule<any, any>, specFile: string, config: ClusterConfig, words: readonly string[]): Record<string, Data> {
  const fromConfig = Object.entries(config.params ?? {}).map(([k, v]) => `${k}=${v === null ? 'none' : typeof v === 'string' ? v : JSON.stringify(v)}`);
  const { params } = runSetup(module, specFile, { params: [...fromConfig, ...words], requests: [] });
  const n = module.processCount(params as never);
  if (n !== config.nodes.length) {
    throw new UsageError(`the parameters give ${n} processes but the configuration has ${config.nodes.length} nodes; make them agree (--param, or 'params' in the configuration)`);
  }
  return params;
}

export async function runStart(args: StartArgs, io: Io): Promise<number> {
  if (!Number.isInteger(args.id) || args.id < 0) throw new UsageError(`--id must be a process number (0, 1, ...), not ${String(args.id)}`);
  if (!(args.tickMs > 0)) throw new UsageError(`--tick-ms must be a positive number of milliseconds, not ${String(args.tickMs)}`);
  if (args.app !== undefined && !(APPS as readonly string[]).includes(args.app)) throw new UsageError(`--app '${args.app}': the applications are ${APPS.join(', ')}`);
  let config: ClusterConfig;
  try {
    config = readConfig(args.config);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  if (args.id >= config.nodes.length) throw new UsageError(`--id ${args.id}: the configuration has nodes 0..${config.nodes.length - 1}`);
  const loaded = await loadForRun(args, io);
  if (typeof loaded === 'number') return loaded;
  if (args.app === 'kv') {
    const problem = kvMismatch(loaded.module);
    if (problem !== null) throw new UsageError(problem);
  }
  const params = clusterParams(loaded.module, loaded.specFile, config, args.params);
  let byzantine: import('../../runtime/net/byzantine.js').ByzantineMode | undefined;
  if (args.byzantine !== undefined) {
    const { parseByzantineMode } = await import('../../runtime/net/byzantine.js');
    const mode = parseByzantineMode(loaded.module, args.byzantine);
    if (typeof mode === 'string') throw new UsageError(mode);
    if (!Number.isInteger(args.byzantineSeed ?? 1)) throw new UsageError(`--byzantine-seed must be a whole number, not ${String(args.byzantineSeed)}`);
    byzantine = mode;
  }
  const keyDir = args.keyDir ?? defaultKeyDir(args.config, args.id);
  const keys = (() => {
    try {
      return readNodeKeys(keyDir);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const { fingerprintOf } = await import('../../runtime/net/config.js');
  if (fingerprintOf(keys.tlsCert) !== config.nodes[args.id]!.fingerprint) {
    throw new UsageError(`the certificate in '${keyDir}' is not the one the configuration pins for node ${args.id}`);
  }
  const { jsonLogger } = await import('../../runtime/net/log.js');
  const { ProcessHost } = await import('../../runtime/net/host.js');
  const { ApiServer } = await import('../../runtime/net/http.js');
  const log = jsonLogger(args.id, args.logLevel);
  const node = config.nodes[args.id]!;
  let host: InstanceType<typeof ProcessHost>;
  try {
    host = new ProcessHost({
      module: loaded.module, params, config, self: args.id, keys, dataPath: args.data ?? join(keyDir, 'state.db'), log, tickMs: args.tickMs,
      ...(byzantine === undefined ? {} : { byzantine: { ...byzantine, seed: args.byzantineSeed ?? 1 } }),
      listenHost: args.listen ?? node.host,
      onFatal: () => {
        process.exitCode = 1;
        process.kill(process.pid, 'SIGTERM'); // the usual clean shutdown, then exit 1
      },
    });
  } catch (error) {
    if ((error as Error).name === 'UsageError') throw error;
    throw new UsageError(`cannot start: ${(error as Error).message}`);
  }
  const app = args.app === 'kv' ? await kvService(host, loaded.module, params) : undefined;
  const api = new ApiServer(host, log, app);
  try {
    await host.start();
    const port = await api.listen(args.httpPort ?? node.httpPort, node.httpHost ?? '127.0.0.1');
    // Whatever --log-level says: launchers wait for this line.
    jsonLogger(args.id, 'debug').log('info', 'ready', { api: `http://${node.httpHost ?? '127.0.0.1'}:${port}`, app: args.app ?? null, peerPort: node.port, role: host.role ?? null, recovered: host.recovered, ...(host.byzantine === undefined ? {} : { byzantine: { strategy: host.byzantine.adversary.strategy, types: host.byzantine.adversary.types, halves: host.byzantine.adversary.halves } }) });
  } catch (error) {
    await api.close().catch(() => {});
    await host.stop().catch(() => {});
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      io.err(`rio: cannot listen: ${e.message}`);
      return 2;
    }
    throw error;
  }
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      log.log('info', 'stopping', { signal });
      void Promise.all([api.close(), host.stop()]).then(() => {
        log.log('info', 'stopped', { counters: host.counters });
        resolve(process.exitCode === 1 ? 1 : 0);
      });
    };
    const onTerm = () => shutdown('SIGTERM');
    const onInt = () => shutdown('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}

/** The key-value service on this process's protocol and role (kvMismatch has said it fits). */
async function kvService(host: import('../../runtime/net/host.js').ProcessHost, module: ProtocolModule<any, any>, params: Record<string, Data>) {
  const n = module.processCount(params as never);
  const clients = Array.from({ length: n }, (_, p) => p).filter((p) => module.roleOf(params as never, p) === 'Client');
  const protocol = kvProtocolOf(module, host.role, clients);
  if (typeof protocol === 'string') throw new UsageError(protocol);
  const { KvService } = await import('../../examples/kv/service.js');
  return new KvService(host, 5_000, protocol);
}
