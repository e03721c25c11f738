/**
 * The Byzantine mode of a real process (runtime/net/byzantine.ts): the simulator's
 * `ShadowAdversary` with real Ed25519 keys. An equivocating PBFT primary sends one half the
 * genuine pre-prepare and the other half one with another request, signed again with its own
 * key so that it verifies; and the command-line errors of `--byzantine`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PBFT } from '../../generated/pbft.js';
import { byzantineRole, parseByzantineMode, recordingKey } from '../../runtime/net/byzantine.js';
import type { Tagged } from '../../runtime/replica/contract.js';
import { realCrypto } from '../../runtime/replica/crypto.js';
import { makeCluster, rio, type TestCluster } from './helpers.js';

const params = { n: 4, f: 1, clients: 1, maxSeq: 100, checkpointEvery: 4, window: 16, maxView: 10, resend: 0 };

function keyRing(count: number) {
  const pairs = Array.from({ length: count }, () => generateKeyPairSync('ed25519'));
  const pem = pairs.map((p) => ({ privateKeyPem: p.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKeyPem: p.publicKey.export({ type: 'spki', format: 'pem' }).toString() }));
  return (self: number) => realCrypto({ privateKeyPem: pem[self]!.privateKeyPem, publicKeysPem: pem.map((k) => k.publicKeyPem), self });
}

describe('a Byzantine process with real keys', () => {
  it('an equivocating primary: genuine pre-prepares to one half, re-signed ones with another request to the other', () => {
    const cryptoOf = keyRing(5);
    const mode = parseByzantineMode(PBFT, 'conflict(PRE_PREPARE)');
    if (typeof mode === 'string') throw new Error(mode);
    const role = byzantineRole(PBFT, params, 0, mode, cryptoOf(0), 2);
    expect(role.adversary.halves).toEqual([[1, 4], [2, 3]]);
    role.replica.handle({ kind: 'start' });
    const sends: [number, Tagged][] = [];
    const requests = [11, 22].map((op) => ({ type: 'REQUEST', op }) as unknown as Tagged);
    for (const request of requests) role.adversary.observe(request); // both on the wire before it proposes
    for (const request of requests) {
      for (const effect of role.replica.handle({ kind: 'receive', from: 4, message: request }).effects) {
        if (effect.kind === 'send') for (const [to, m] of role.adversary.route(0, effect.to, effect.message)) sends.push([to, m as Tagged]);
      }
    }
    const prePrepares = sends.filter(([, m]) => m.type === 'PRE_PREPARE') as [number, Tagged & { v: number; s: number; op: number; sig: string }][];
    // Two requests, each to the 4 replicas (itself included).
    expect(prePrepares).toHaveLength(8);
    const verifier = cryptoOf(1);
    for (const [to, m] of prePrepares) {
      // Every version verifies under p0's public key: it is signed, not forged.
      expect(verifier.verify(m.sig, 0, [0, m.v, m.s, m.op])).toBe(true);
      const genuine = m.s === 1 ? 11 : 22;
      if (to === 2 || to === 3) expect(m.op).toBe(m.s === 1 ? 22 : 11); // the other request
      else expect(m.op).toBe(genuine);
    }
    expect(role.adversary.corrupted).toBe(2);
  });

  it('the recording key signs with the real key and knows only its own payloads', () => {
    const cryptoOf = keyRing(2);
    const key = recordingKey(cryptoOf(0), 2);
    const a = key.crypto.sign(0, [1, 2]);
    expect(cryptoOf(1).verify(a, 0, [1, 2])).toBe(true);
    expect(key.payloadOf(a)).toEqual([1, 2]);
    expect(key.payloadOf(cryptoOf(1).sign(1, [1, 2]))).toBeUndefined();
    key.crypto.sign(0, [3]);
    key.crypto.sign(0, [4]);
    expect(key.payloadOf(a)).toBeUndefined(); // forgotten beyond the limit
  });

  it('parses strategies and message types, and refuses what a real process cannot play', () => {
    expect(parseByzantineMode(PBFT, 'conflict(PRE_PREPARE+PREPARE)')).toEqual({ strategy: 'conflict', types: ['PRE_PREPARE', 'PREPARE'] });
    expect(parseByzantineMode(PBFT, 'withhold')).toEqual({ strategy: 'withhold', types: [] });
    expect(parseByzantineMode(PBFT, 'twins')).toMatch(/^--byzantine 'twins' needs two copies of the process running at once/);
    expect(parseByzantineMode(PBFT, 'lie')).toBe("--byzantine: unknown strategy 'lie' (known: conflict, withhold, stale, forge)");
    expect(parseByzantineMode(PBFT, 'conflict(PROPOSE)')).toBe("--byzantine: 'PROPOSE' is not a message of PBFT (its messages: REQUEST, PRE_PREPARE, PREPARE, COMMIT, REPLY, CHECKPOINT, VIEW_CHANGE, NEW_VIEW, STATE)");
    expect(parseByzantineMode(PBFT, 'conflict()')).toBe("--byzantine 'conflict()': name at least one message type in the parentheses, or leave them out");
  });
});

describe.concurrent('--byzantine and the key-value store on PBFT at the command line', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await makeCluster(5, params);
  });
  afterAll(() => cluster?.remove());

  it('rio start --byzantine twins is a usage error', async () => {
    const r = await rio(['start', 'specs/pbft.rio', '--config', cluster.configPath, '--id', '0', '--byzantine', 'twins']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--byzantine 'twins' needs two copies of the process running at once");
  });

  it('rio cluster: a Byzantine process that does not exist, and operations sent to a PBFT replica, are usage errors', async () => {
    const base = ['cluster', 'specs/pbft.rio', '--param', 'clients=1'];
    const missing = await rio([...base, '--byzantine', '9:conflict']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--byzantine '9:conflict': process 9 does not exist (processes are 0..4)");
    const shape = await rio([...base, '--byzantine', 'conflict']);
    expect(shape.code).toBe(2);
    expect(shape.stderr).toContain("--byzantine 'conflict' must look like P:STRATEGY");
    const atReplica = await rio([...base, '--kv', 'put(1, 2) at 5 on 0']);
    expect(atReplica.code).toBe(2);
    expect(atReplica.stderr).toContain('this is a PBFT replica, which takes no key-value operations (a Byzantine replica could answer anything); send them to a client process (process 4)');
  });
});

