/**
 * Who may talk to whom: certificates made by `rio keygen`'s code, mutual TLS 1.3, pinned
 * fingerprints. An outsider's certificate fails the handshake; a configured process's
 * messages arrive under the id its certificate is pinned for, whatever it believes it is;
 * the configuration refuses a certificate that does not match its pin. Also the real
 * Ed25519/SHA-256 crypto replicas use on the network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, fingerprintOf, parseConfig, readNodeKeys } from '../../runtime/net/config.js';
import { generateNodeKeys } from '../../runtime/net/keys.js';
import { silentLogger } from '../../runtime/net/log.js';
import { Transport } from '../../runtime/net/transport.js';
import { realCrypto } from '../../runtime/replica/crypto.js';
import { encode } from '../../runtime/replica/values.js';
import { freePorts } from '../../runtime/net/launch.js';
import { eventually, makeCluster, type TestCluster } from './helpers.js';

let cluster: TestCluster;
const received: { at: number; from: number; value: unknown }[] = [];
const transports: Transport[] = [];
const logs: Record<string, unknown>[] = [];

function transport(self: number, keysOf = self): Transport {
  const t = new Transport({
    config: cluster.config, self, keys: readNodeKeys(join(cluster.dir, `node-${keysOf}`)), listenHost: '127.0.0.1',
    log: { log: (level, event, fields) => logs.push({ node: self, level, event, ...fields }) },
    onFrame: (from, value) => received.push({ at: self, from, value }), onBadFrame: () => {},
  });
  transports.push(t);
  return t;
}

beforeAll(async () => {
  cluster = await makeCluster(3);
});
afterAll(async () => {
  await Promise.all(transports.map((t) => t.stop()));
  cluster.remove();
});

describe('mutual TLS with pinned certificates', () => {
  it('delivers frames between configured processes, labelled with the sender id', async () => {
    const [t0, t1] = [transport(0), transport(1)];
    await Promise.all([t0.start(), t1.start()]);
    t0.send(1, { hello: 'from 0' });
    t1.send(0, { hello: 'from 1' });
    await eventually('both frames arrive', () => received.length === 2);
    expect(received.sort((a, b) => a.at - b.at)).toEqual([
      { at: 0, from: 1, value: { hello: 'from 1' } },
      { at: 1, from: 0, value: { hello: 'from 0' } },
    ]);
  });

  it('refuses at the handshake a client whose certificate is not in the configuration', async () => {
    const outsider = await generateNodeKeys(99);
    const target = cluster.config.nodes[0]!;
    const before = transports[0]!.refusedHandshakes;
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1', port: target.port, key: outsider.tlsKey, cert: outsider.tlsCert, ca: [target.certificate],
        minVersion: 'TLSv1.3', checkServerIdentity: () => undefined,
      });
      socket.on('secureConnect', () => {
        // TLS 1.3: the server checks the client certificate after the client's Finished; a refusal arrives as an alert.
        socket.write('x');
      });
      socket.on('data', () => resolve('data'));
      socket.on('error', (error) => resolve(`error: ${error.message}`));
      socket.on('close', () => resolve('closed'));
    });
    // The client may finish its side of the handshake (in TLS 1.3 the server judges the client's
    // certificate last), but the server closes the connection: no byte ever comes back.
    expect(outcome).not.toBe('data');
    await eventually('the server counts the refusal', () => transports[0]!.refusedHandshakes === before + 1);
    // Its certificate is self-signed and not one of the pinned ones.
    expect(logs.filter((l) => l['event'] === 'handshake-refused')).toEqual([expect.objectContaining({ node: 0, level: 'warn', reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' })]);
    expect(transports[0]!.connectedIn()).toEqual([1]);
  });

  it('does not send to a dialled peer that presents another certificate than the one pinned for its id', async () => {
    // A configuration in which node 1's address leads to node 0 (holding node 0's keys).
    const config = { ...cluster.config, nodes: cluster.config.nodes.map((n) => (n.id === 1 ? { ...n, port: cluster.config.nodes[0]!.port } : n)) };
    const dialer = new Transport({
      config, self: 2, keys: readNodeKeys(join(cluster.dir, 'node-2')), log: silentLogger, listenHost: '127.0.0.1', minBackoffMs: 20,
      onFrame: () => {}, onBadFrame: () => {},
    });
    await dialer.start();
    received.length = 0;
    dialer.send(1, { for: 'node 1' });
    await eventually('the dialer has tried node 1 a few times', () => dialer.stats().find((s) => s.id === 1)!.reconnects >= 3);
    expect(dialer.stats().find((s) => s.id === 1)).toMatchObject({ connected: false, queued: 1, sent: 0 });
    expect(received).toEqual([]);
    await dialer.stop();
  });

  it('names a peer by its certificate, not by the id it runs as', async () => {
    // A process that runs as node 2 but holds node 1's keys is node 1 to everyone.
    received.length = 0;
    const impostor = transport(2, 1);
    await impostor.start();
    impostor.send(0, { claim: 'I am 2' });
    await eventually('the frame arrives', () => received.length === 1);
    expect(received[0]).toEqual({ at: 0, from: 1, value: { claim: 'I am 2' } });
  });
});

describe('bounded send queues', () => {
  it('hold at most maxQueue frames for an unreachable peer and count the rest as dropped', async () => {
    // Nobody listens on port 1; the transport itself listens on a port of the system's choice.
    const config = { ...cluster.config, nodes: cluster.config.nodes.map((n) => (n.id === 1 ? { ...n, port: 1 } : n.id === 2 ? { ...n, port: 0 } : n)) };
    const t = new Transport({
      config, self: 2, keys: readNodeKeys(join(cluster.dir, 'node-2')), log: silentLogger, listenHost: '127.0.0.1', maxQueue: 3,
      onFrame: () => {}, onBadFrame: () => {},
    });
    transports.push(t);
    await t.start();
    const accepted = Array.from({ length: 10 }, (_, i) => t.send(1, { i }));
    expect(accepted).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(t.stats().find((s) => s.id === 1)).toMatchObject({ connected: false, queued: 3, droppedQueueFull: 7 });
  });

  it('stop growing when a connected peer does not read (socket back-pressure)', async () => {
    // A server with node 1's keys that accepts the connection and never reads from it.
    const keys1 = readNodeKeys(join(cluster.dir, 'node-1'));
    const { createServer } = await import('node:tls');
    const stalled: import('node:tls').TLSSocket[] = [];
    const server = createServer({ minVersion: 'TLSv1.3', key: keys1.tlsKey, cert: keys1.tlsCert, ca: cluster.config.nodes.map((n) => n.certificate), requestCert: true, rejectUnauthorized: true }, (socket) => {
      socket.pause();
      stalled.push(socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const config = { ...cluster.config, nodes: cluster.config.nodes.map((n) => (n.id === 1 ? { ...n, port } : n.id === 0 ? { ...n, port: 0 } : n)) };
    const t = new Transport({
      config, self: 0, keys: readNodeKeys(join(cluster.dir, 'node-0')), log: silentLogger, listenHost: '127.0.0.1', maxQueue: 100,
      onFrame: () => {}, onBadFrame: () => {},
    });
    try {
      await t.start();
      await eventually('connected to the stalled peer', () => t.stats().find((s) => s.id === 1)!.connected);
      const payload = 'x'.repeat(16 * 1024);
      // 64 MB offered in batches; between batches the socket drains into the kernel's buffers until they are full.
      for (let batch = 0; batch < 8; batch++) {
        for (let i = 0; i < 500; i++) t.send(1, { i, payload });
        await new Promise((r) => setTimeout(r, 50));
      }
      const link = t.stats().find((s) => s.id === 1)!;
      console.log(`back-pressure: ${JSON.stringify(link)}`);
      expect(link.queued).toBeLessThanOrEqual(100);
      expect(link.sent * 16 * 1024).toBeLessThan(32 * 1024 * 1024); // the socket stopped taking frames long before 64 MB
      expect(link.droppedQueueFull).toBe(4_000 - link.sent - link.queued);
      expect(link.droppedQueueFull).toBeGreaterThan(2_000);
    } finally {
      await t.stop();
      for (const s of stalled) s.destroy();
      server.close();
    }
  });
});

describe('a peer that sends too fast', () => {
  it('is slowed down (its connection paused), not dropped', async () => {
    const [port] = await freePorts(1);
    const config = { ...cluster.config, nodes: cluster.config.nodes.map((n) => (n.id === 1 ? { ...n, port: port! } : n.id === 2 ? { ...n, port: 0 } : n)) };
    const got: number[] = [];
    const receiver = new Transport({
      config, self: 1, keys: readNodeKeys(join(cluster.dir, 'node-1')), log: silentLogger, listenHost: '127.0.0.1', maxFramesPerSecond: 2_000,
      onFrame: (_from, value) => got.push((value as { i: number }).i), onBadFrame: () => {},
    });
    const sender = new Transport({ config, self: 2, keys: readNodeKeys(join(cluster.dir, 'node-2')), log: silentLogger, listenHost: '127.0.0.1', onFrame: () => {}, onBadFrame: () => {} });
    transports.push(receiver, sender);
    await receiver.start();
    await sender.start();
    await eventually('connected', () => sender.stats().find((s) => s.id === 1)!.connected);
    const start = Date.now();
    for (let i = 0; i < 1_000; i++) sender.send(1, { i });
    await eventually('every frame arrives', () => got.length === 1_000, 10_000);
    // 2 000 frames/s: 1 000 frames take at least four 100 ms windows after the first.
    expect(Date.now() - start).toBeGreaterThanOrEqual(350);
    expect(receiver.throttled).toBeGreaterThanOrEqual(3);
    expect(got).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  });
});

describe('cluster configuration', () => {
  it('refuses a certificate that does not match its pinned fingerprint, and duplicates', () => {
    const text = readFileSync(cluster.configPath, 'utf8');
    const raw = JSON.parse(text) as { nodes: { certificate: string; fingerprint: string }[] };
    const swapped = structuredClone(raw);
    swapped.nodes[1]!.certificate = raw.nodes[2]!.certificate;
    expect(() => parseConfig(JSON.stringify(swapped), 'c.json')).toThrow(ConfigError);
    expect(() => parseConfig(JSON.stringify(swapped), 'c.json')).toThrow(`c.json: node 1: the certificate's SHA-256 fingerprint is ${raw.nodes[2]!.fingerprint}, not the pinned ${raw.nodes[1]!.fingerprint}`);
    const twice = structuredClone(raw);
    twice.nodes[1] = { ...raw.nodes[0]!, id: 1 } as never;
    expect(() => parseConfig(JSON.stringify(twice), 'c.json')).toThrow('c.json: nodes 0 and 1 have the same certificate; each process needs its own');
    expect(() => parseConfig('{"format":"other"}', 'c.json')).toThrow(/not a rio cluster configuration/);
    expect(fingerprintOf(raw.nodes[0]!.certificate)).toBe(raw.nodes[0]!.fingerprint);
  });
});

describe('real crypto (Ed25519, SHA-256)', () => {
  it('signs and verifies over the canonical encoding; rejects other signers, values and garbage', async () => {
    const keys = [0, 1].map((i) => readNodeKeys(join(cluster.dir, `node-${i}`)));
    const publicKeysPem = cluster.config.nodes.map((n) => n.signingKey);
    const c0 = realCrypto({ privateKeyPem: keys[0]!.signingKey, publicKeysPem, self: 0 });
    const c1 = realCrypto({ privateKeyPem: keys[1]!.signingKey, publicKeysPem, self: 1 });
    const value = { b: [1, 2], a: 'x' };
    const sig = c0.sign(0, value);
    expect(typeof sig).toBe('string');
    expect(c1.verify(sig, 0, { a: 'x', b: [1, 2] })).toBe(true); // same value, other key order: same encoding
    expect(c1.verify(sig, 1, value)).toBe(false);
    expect(c1.verify(sig, 0, { a: 'y', b: [1, 2] })).toBe(false);
    expect(c1.verify('garbage', 0, value)).toBe(false);
    expect(c1.verify(42, 0, value)).toBe(false);
    expect(c1.verify(sig, 7, value)).toBe(false);
    expect(() => c0.sign(1, value)).toThrow('process 0 cannot sign for 1');
    const { createHash } = await import('node:crypto');
    expect(c0.hash(value)).toBe(createHash('sha256').update(encode(value)).digest('hex'));
    expect(c0.hash(value)).toBe(c1.hash({ a: 'x', b: [1, 2] }));
  });
});
