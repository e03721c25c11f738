/**
 * Key material for a cluster (`rio keygen`): per process an ECDSA P-256 TLS key with a
 * self-signed X.509 certificate (made by @peculiar/x509 over Node's WebCrypto; we write
 * no cryptography), and an Ed25519 key pair for the `sign`/`verify` of specs.
 */
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe, which needs it
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { CONFIG_FORMAT, CONFIG_VERSION, fingerprintOf, keyFiles, type ClusterConfig, type NodeConfig } from './config.js';

x509.cryptoProvider.set(webcrypto as never);

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface GeneratedNode {
  readonly tlsKey: string;
  readonly tlsCert: string;
  readonly signingKey: string;
  readonly signingPublicKey: string;
}

/** One process's keys; the certificate names the process and is valid for `days` days. */
export async function generateNodeKeys(id: number, days = 3650): Promise<GeneratedNode> {
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000); // tolerate small clock differences between hosts
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=rio-node-${id}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * 86_400_000),
    signingAlgorithm: ecdsa,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const tlsKey = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  const signing = generateKeyPairSync('ed25519');
  return {
    tlsKey,
    tlsCert: cert.toString('pem') + '\n',
    signingKey: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    signingPublicKey: signing.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface KeygenOptions {
  readonly nodes: number;
  readonly outDir: string;
  /** Host of each node, by id (default 127.0.0.1 for all). */
  readonly hosts: readonly string[];
  readonly basePort: number;
  readonly baseHttpPort: number;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Explicit ports per node (overrides basePort and baseHttpPort). */
  readonly ports?: readonly { readonly port: number; readonly httpPort: number }[];
}

/** Writes `cluster.json` and a `node-<id>/` key folder per process; returns the configuration. */
export async function writeCluster(options: KeygenOptions): Promise<{ config: ClusterConfig; configPath: string }> {
  mkdirSync(options.outDir, { recursive: true });
  const nodes: NodeConfig[] = [];
  for (let id = 0; id < options.nodes; id++) {
    const keys = await generateNodeKeys(id);
    const dir = join(options.outDir, `node-${id}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const [file, text] of [[keyFiles.tlsKey, keys.tlsKey], [keyFiles.signingKey, keys.signingKey], [keyFiles.tlsCert, keys.tlsCert]] as const) {
      writeFileSync(join(dir, file), text, { mode: file === keyFiles.tlsCert ? 0o644 : 0o600 });
      if (file !== keyFiles.tlsCert) chmodSync(join(dir, file), 0o600);
    }
    const host = options.hosts[id] ?? options.hosts[options.hosts.length - 1] ?? '127.0.0.1';
    // On one host the processes need distinct ports; on many hosts the same ports do.
    const sameHost = options.hosts.length <= 1 || options.hosts.filter((h) => h === host).length > 1;
    const ports = options.ports?.[id] ?? { port: options.basePort + (sameHost ? id : 0), httpPort: options.baseHttpPort + (sameHost ? id : 0) };
    nodes.push({
      id, host, port: ports.port, httpPort: ports.httpPort,
      fingerprint: fingerprintOf(keys.tlsCert), certificate: keys.tlsCert, signingKey: keys.signingPublicKey,
    });
  }
  const config: ClusterConfig = { format: CONFIG_FORMAT, version: CONFIG_VERSION, nodes, ...(options.params === undefined ? {} : { params: options.params }) };
  const configPath = join(options.outDir, 'cluster.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n');
  return { config, configPath };
}
