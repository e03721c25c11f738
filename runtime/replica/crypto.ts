/**
 * `sign`, `verify` and `hash` behind one interface. The symbolic implementation (for the
 * simulator and the model checker) makes a signature a plain value naming its signer and
 * what it signs, sealed with a keyed fingerprint that only `sign` computes: cheap to hash
 * and compare, and a signature written by hand in another process's name does not verify. The real implementation (for the network) uses Ed25519 and SHA-256
 * from node:crypto; we write no cryptography of our own.
 */
import { createHash, createPrivateKey, createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { encode, fingerprint, type Data, type Process } from './values.js';

/** What replicas may do with cryptography. Signatures and digests are plain values. */
export interface Crypto {
  sign(signer: Process, value: unknown): Data;
  verify(signature: unknown, signer: Process, value: unknown): boolean;
  hash(value: unknown): Data;
}

/**
 * The seal of a symbolic signature: a keyed fingerprint of signer and payload. Only `sign`
 * makes it, and a replica's `sign` signs as that replica only, so a Byzantine process (whose
 * messages the simulator builds as data) can copy a signature but not make one in another
 * process's name: a `{ signer: q, of }` it writes itself has the wrong tag and does not
 * verify (the simulator's `forge` strategy tries exactly that).
 */
function seal(signer: Process, of: string): string {
  return fingerprint(`rio-symbolic-key|${signer}|${of}`);
}

/** Signatures as `{ signer, of, tag }` records: the model checker can hash and compare them. */
export const symbolicCrypto: Crypto = {
  sign: (signer, value) => {
    const of = encode(value);
    return { signer, of, tag: seal(signer, of) };
  },
  verify: (signature, signer, value) => {
    if (typeof signature !== 'object' || signature === null || Array.isArray(signature)) return false;
    const s = signature as Record<string, unknown>;
    if (s['signer'] !== signer) return false;
    const of = encode(value);
    return s['of'] === of && s['tag'] === seal(signer, of);
  },
  hash: (value) => fingerprint(encode(value)),
};

/** Keys of the processes a real replica talks to, in PEM. */
export interface KeyRing {
  readonly privateKeyPem: string;
  readonly publicKeysPem: readonly string[];
  readonly self: Process;
}

/** How many verification results `realCrypto` remembers (oldest forgotten first). */
const VERIFIED_LIMIT = 20_000;

/** Ed25519 signatures (base64) and SHA-256 digests (hex) over the canonical encoding. */
export function realCrypto(keys: KeyRing): Crypto {
  const privateKey: KeyObject = createPrivateKey(keys.privateKeyPem);
  const publicKeys = keys.publicKeysPem.map((pem) => createPublicKey(pem));
  const verified = new Map<string, boolean>();
  return {
    sign: (signer, value) => {
      if (signer !== keys.self) throw new Error(`process ${keys.self} cannot sign for ${signer}`);
      return edSign(null, Buffer.from(encode(value)), privateKey).toString('base64');
    },
    verify: (signature, signer, value) => {
      const key = publicKeys[signer];
      if (key === undefined || typeof signature !== 'string') return false;
      // A spec checks one signature several times (a message's validity predicate, then the
      // rules that count it in a certificate): the answer never changes, so it is remembered.
      const payload = encode(value);
      const memoKey = `${signer}|${signature}|${payload}`;
      const known = verified.get(memoKey);
      if (known !== undefined) return known;
      let ok: boolean;
      try {
        ok = edVerify(null, Buffer.from(payload), key, Buffer.from(signature, 'base64'));
      } catch {
        ok = false;
      }
      if (verified.size >= VERIFIED_LIMIT) verified.delete(verified.keys().next().value!);
      verified.set(memoKey, ok);
      return ok;
    },
    hash: (value) => createHash('sha256').update(encode(value)).digest('hex'),
  };
}
