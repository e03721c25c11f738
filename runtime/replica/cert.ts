/**
 * Certificates (`Cert[T]` in a spec): a value and the votes of processes on it, each vote a
 * (signer, signature) pair. A certificate is plain data, `{ value, votes }` with the votes a
 * set, so it travels in messages, is kept in state, hashed and compared like any other value
 * (the model checker's state encoding, the trace format, the Byzantine strategies that look
 * for fields holding signatures). Whether it certifies anything is decided where it is used:
 * `signers` keeps only the distinct processes whose signature verifies on the value, with
 * the process's cryptography (symbolic in the simulator and the model checker, Ed25519 over
 * the network), so a forged or duplicated vote never counts.
 */
import type { Crypto } from './crypto.js';
import { has, setOf, type Data, type Process, type RSet } from './values.js';

/** A vote: the signer and its signature of the certified value. */
export type Vote = readonly [Process, Data];

/** A certificate for a value of type T. */
export type Cert<T extends Data> = { readonly value: T; readonly votes: RSet<Vote> };

/** `cert(x, votes)`: the certificate for `value` with those of `votes` whose signature verifies on it. */
export function certify<T extends Data>(crypto: Crypto, value: T, votes: RSet<Vote>): Cert<T> {
  return { value, votes: setOf(votes.filter(([signer, signature]) => crypto.verify(signature, signer, value))) };
}

/** `signers(c)`: the distinct processes with a vote in `c` whose signature verifies on `c.value`. */
export function signers(crypto: Crypto, c: Cert<Data>): RSet<Process> {
  const out: Process[] = [];
  for (const [signer, signature] of c.votes) {
    if (out.includes(signer)) continue;
    if (crypto.verify(signature, signer, c.value)) out.push(signer);
  }
  return setOf(out);
}

/** `signedBy(c, k)` / `signedBy(c, k, among)`: at least `k` distinct signers of `c` (in `among`) verify. */
export function signedBy(crypto: Crypto, c: Cert<Data>, threshold: number, among?: RSet<Process>): boolean {
  if (threshold <= 0) return true;
  const counted = new Set<Process>();
  for (const [signer, signature] of c.votes) {
    if (counted.has(signer) || (among !== undefined && !has(among, signer))) continue;
    if (crypto.verify(signature, signer, c.value)) {
      counted.add(signer);
      if (counted.size >= threshold) return true;
    }
  }
  return false;
}
