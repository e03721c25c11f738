/**
 * `rio keygen --nodes N -o DIR`: keys, self-signed certificates and the cluster
 * configuration (DIR/cluster.json, DIR/node-<id>/{tls.key,tls.crt,sign.key}).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Io } from './io.js';
import { UsageError } from './simulate.js';

export interface KeygenArgs {
  readonly nodes: number;
  readonly out: string;
  readonly hosts?: string;
  readonly port: number;
  readonly httpPort: number;
  readonly force: boolean;
}

function checkPort(value: number, flag: string, count: number): void {
  if (!Number.isInteger(value) || value < 1 || value + count - 1 > 65535) throw new UsageError(`${flag} must be a port such that ${flag}+${count - 1} <= 65535, not ${String(value)}`);
}

export async function runKeygen(args: KeygenArgs, io: Io): Promise<number> {
  if (!Number.isInteger(args.nodes) || args.nodes < 1 || args.nodes > 1000) throw new UsageError(`--nodes must be a whole number from 1 to 1000, not ${String(args.nodes)}`);
  checkPort(args.port, '--port', args.nodes);
  checkPort(args.httpPort, '--http-port', args.nodes);
  const hosts = args.hosts === undefined ? [] : args.hosts.split(',').map((h) => h.trim());
  if (hosts.some((h) => !/^[A-Za-z0-9.:_-]+$/.test(h))) throw new UsageError(`--hosts '${args.hosts}' must be a comma-separated list of host names or addresses`);
  if (hosts.length > 1 && hosts.length !== args.nodes) throw new UsageError(`--hosts names ${hosts.length} hosts for ${args.nodes} nodes: give one host for all, or one per node`);
  if (existsSync(join(args.out, 'cluster.json')) && !args.force) throw new UsageError(`'${join(args.out, 'cluster.json')}' exists; pass --force to replace its keys`);
  const { writeCluster } = await import('../../runtime/net/keys.js');
  const { config, configPath } = await writeCluster({ nodes: args.nodes, outDir: args.out, hosts, basePort: args.port, baseHttpPort: args.httpPort });
  io.out(`wrote ${configPath} and the keys of ${config.nodes.length} node${config.nodes.length === 1 ? '' : 's'}:`);
  for (const n of config.nodes) io.out(`  node ${n.id}  ${n.host}:${n.port}  api 127.0.0.1:${n.httpPort}  ${join(args.out, `node-${n.id}`)}  sha256 ${n.fingerprint.slice(0, 23)}...`);
  io.out(`start each with: rio start <spec> --config ${configPath} --id <id>`);
  return 0;
}
