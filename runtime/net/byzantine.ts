/**
 * A Byzantine process of a real cluster (`rio start --byzantine 'conflict(PRE_PREPARE+PREPARE)'`):
 * it runs the spec's own replica code and corrupts what it sends exactly as the simulator's
 * protocol-following strategies do, with the same code (runtime/sim/adversary.ts,
 * `ShadowAdversary`): e.g. `conflict` sends each message unchanged to one half of the other
 * processes and, with its values changed and its own signatures made again over the changed
 * payload with the process's real Ed25519 key, to the other half (an equivocating primary,
 * conflicting votes). The other processes are real and run unchanged; they see only what a
 * Byzantine peer with this process's key could send.
 *
 * The halves (and `withhold`'s one recipient) are drawn from `seed`. `twins` needs two
 * copies of the process talking at once, which one process does not have: a usage error.
 */
import type { ProtocolModule } from '../replica/contract.js';
import type { Crypto } from '../replica/crypto.js';
import type { Replica } from '../replica/engine.js';
import { Rng } from '../replica/rng.js';
import { encode, type Data, type Process } from '../replica/values.js';
import { ShadowAdversary, shadowStrategies, type ShadowKey, type ShadowStrategy } from '../sim/adversary.js';

/** A strategy and the message types it corrupts (all when empty). */
export interface ByzantineMode {
  readonly strategy: ShadowStrategy;
  readonly types: readonly string[];
}

/** The strategies a single real process can play (all but `twins`). */
export const networkStrategies: readonly ShadowStrategy[] = shadowStrategies.filter((s) => s !== 'twins');

/** Parses `conflict`, `conflict(PRE_PREPARE+PREPARE)`; the message is for a usage error. */
export function parseByzantineMode(module: ProtocolModule<any, any>, text: string): ByzantineMode | string {
  const m = /^\s*([\w-]+)\s*(?:\(([^)]*)\))?\s*$/.exec(text);
  const usage = `--byzantine '${text}' must be a strategy, optionally with message types: ${networkStrategies.join(', ')}, e.g. 'conflict(PRE_PREPARE+PREPARE)'`;
  if (m === null) return usage;
  const strategy = m[1] as ShadowStrategy;
  if (strategy === 'twins') return `--byzantine 'twins' needs two copies of the process running at once, which one real process is not; the strategies here are ${networkStrategies.join(', ')} (twins runs in the simulator)`;
  if (!networkStrategies.includes(strategy)) return `--byzantine: unknown strategy '${m[1]}' (known: ${networkStrategies.join(', ')})`;
  if (m[2] === undefined) return { strategy, types: [] };
  const types = m[2].split(/[\s,+|]+/).filter((t) => t !== '');
  if (types.length === 0) return `--byzantine '${text}': name at least one message type in the parentheses, or leave them out`;
  const known = module.messages.map((d) => d.name);
  for (const t of types) if (!known.includes(t)) return `--byzantine: '${t}' is not a message of ${module.name} (its messages: ${known.join(', ')})`;
  return { strategy, types };
}

/**
 * A key that signs with the process's real key and remembers the payload of each signature
 * it made (the last `limit` of them), so that the adversary can sign a changed payload.
 */
export function recordingKey(crypto: Crypto, limit = 50_000): ShadowKey {
  const payloads = new Map<string, Data>();
  return {
    crypto: {
      sign: (signer, value) => {
        const sig = crypto.sign(signer, value);
        const key = encode(sig);
        payloads.delete(key);
        payloads.set(key, value as Data);
        if (payloads.size > limit) payloads.delete(payloads.keys().next().value!);
        return sig;
      },
      verify: (signature, signer, value) => crypto.verify(signature, signer, value),
      hash: (value) => crypto.hash(value),
    },
    payloadOf: (signature) => payloads.get(encode(signature)),
  };
}

/** What the host needs of a Byzantine process: the replica it steps, and the corruption of its sends. */
export interface ByzantineRole {
  readonly replica: Replica;
  readonly adversary: ShadowAdversary;
}

export function byzantineRole(
  module: ProtocolModule<any, any>, params: Record<string, Data>, self: Process, mode: ByzantineMode, crypto: Crypto, seed: number,
): ByzantineRole {
  const n = module.processCount(params as never);
  const processes = Array.from({ length: n }, (_, p) => p);
  // It does not know who else is faulty: every other process counts as correct.
  const others = processes.filter((p) => p !== self);
  const adversary = new ShadowAdversary(module, params, self, mode.strategy, mode.types, others, processes, 16, new Rng(seed), recordingKey(crypto));
  return { replica: adversary.copies[0]!, adversary };
}
