/**
 * The cluster configuration file `rio keygen` writes and every `rio start` reads: for each
 * process its id, where it listens (peer port and local HTTP port), its TLS certificate
 * and the certificate's SHA-256 fingerprint (the pin), and the public key it signs with.
 * Private keys are not in it: each process has them in its own key folder.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const CONFIG_FORMAT = 'rio-cluster';
export const CONFIG_VERSION = 1;

export interface NodeConfig {
  readonly id: number;
  /** Where peers reach it (an address or host name). */
  readonly host: string;
  readonly port: number;
  /** Its application API, bound to 127.0.0.1 unless `httpHost` says otherwise. */
  readonly httpPort: number;
  readonly httpHost?: string;
  /** SHA-256 of its certificate's DER, upper-case hex pairs joined by ':' (Node's `fingerprint256`). */
  readonly fingerprint: string;
  readonly certificate: string;
  /** Its Ed25519 public key (PEM), for `verify` in specs that sign. */
  readonly signingKey: string;
}

export interface ClusterConfig {
  readonly format: typeof CONFIG_FORMAT;
  readonly version: typeof CONFIG_VERSION;
  readonly nodes: readonly NodeConfig[];
  /** Optional spec parameters every process uses (`--param` overrides). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** A configuration file that cannot be used (a usage error). */
export class ConfigError extends Error {
  override readonly name = 'UsageError';
}

/** The fingerprint Node reports for a certificate, computed from its PEM. */
export function fingerprintOf(certificatePem: string): string {
  const der = new X509Certificate(certificatePem).raw;
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');
}

function fail(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`);
}

/** Parses and checks a configuration; every problem names the file and the node. */
export function parseConfig(text: string, path: string): ClusterConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail(path, `not JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) fail(path, 'expected a JSON object');
  const c = raw as Record<string, unknown>;
  if (c['format'] !== CONFIG_FORMAT || c['version'] !== CONFIG_VERSION) fail(path, `not a rio cluster configuration (expected "format": "${CONFIG_FORMAT}", "version": ${CONFIG_VERSION}; make one with 'rio keygen')`);
  if (!Array.isArray(c['nodes']) || c['nodes'].length === 0) fail(path, '"nodes" must be a non-empty array');
  const nodes = (c['nodes'] as unknown[]).map((n, i): NodeConfig => {
    const where = `node ${i}`;
    if (typeof n !== 'object' || n === null) fail(path, `${where}: expected an object`);
    const o = n as Record<string, unknown>;
    if (o['id'] !== i) fail(path, `${where}: "id" must be ${i} (nodes are listed in id order)`);
    for (const key of ['host', 'fingerprint', 'certificate', 'signingKey']) if (typeof o[key] !== 'string' || o[key] === '') fail(path, `${where}: "${key}" must be a non-empty string`);
    for (const key of ['port', 'httpPort']) {
      const p = o[key];
      if (!Number.isInteger(p) || (p as number) < 1 || (p as number) > 65535) fail(path, `${where}: "${key}" must be a port number (1..65535)`);
    }
    if (o['httpHost'] !== undefined && typeof o['httpHost'] !== 'string') fail(path, `${where}: "httpHost" must be a string`);
    let actual: string;
    try {
      actual = fingerprintOf(o['certificate'] as string);
    } catch {
      fail(path, `${where}: "certificate" is not a PEM certificate`);
    }
    if (actual !== (o['fingerprint'] as string).toUpperCase()) fail(path, `${where}: the certificate's SHA-256 fingerprint is ${actual}, not the pinned ${String(o['fingerprint'])}`);
    return {
      id: i, host: o['host'] as string, port: o['port'] as number, httpPort: o['httpPort'] as number,
      ...(o['httpHost'] === undefined ? {} : { httpHost: o['httpHost'] as string }),
      fingerprint: actual, certificate: o['certificate'] as string, signingKey: o['signingKey'] as string,
    };
  });
  const seen = new Map<string, number>();
  for (const node of nodes) {
    const other = seen.get(node.fingerprint);
    if (other !== undefined) fail(path, `nodes ${other} and ${node.id} have the same certificate; each process needs its own`);
    seen.set(node.fingerprint, node.id);
  }
  const params = c['params'];
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) fail(path, '"params" must be an object');
  return { format: CONFIG_FORMAT, version: CONFIG_VERSION, nodes, ...(params === undefined ? {} : { params: params as Record<string, unknown> }) };
}

export function readConfig(path: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read '${path}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String((error as Error).message)}`);
  }
  return parseConfig(text, path);
}

/** The files one process keeps to itself, in its key folder. */
export interface NodeKeys {
  readonly tlsKey: string;
  readonly tlsCert: string;
  readonly signingKey: string;
}

export const keyFiles = { tlsKey: 'tls.key', tlsCert: 'tls.crt', signingKey: 'sign.key' } as const;

/** The default key folder of node `id`: `node-<id>` beside the configuration file. */
export function defaultKeyDir(configPath: string, id: number): string {
  return join(dirname(resolve(configPath)), `node-${id}`);
}

export function readNodeKeys(dir: string): NodeKeys {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(`cannot read key file '${join(dir, name)}': ${code === 'ENOENT' ? 'no such file' : String((error as Error).message)}`);
    }
  };
  return { tlsKey: read(keyFiles.tlsKey), tlsCert: read(keyFiles.tlsCert), signingKey: read(keyFiles.signingKey) };
}
