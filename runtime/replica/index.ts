/**
 * The shared replica runtime: values, the rule engine, the contract generated modules
 * implement, the seeded generator and cryptography. See contract.ts for the model.
 */
export * from './values.js';
export * from './contract.js';
export * from './engine.js';
export * from './rules.js';
export { certify, signers, signedBy, type Cert, type Vote } from './cert.js';
export { Rng } from './rng.js';
export { symbolicCrypto, realCrypto, type Crypto, type KeyRing } from './crypto.js';

import type { Process } from './values.js';
/** An element of an `as msgs` collection: the message with its sender. */
export type WithSender<M> = M & { readonly sender: Process };
