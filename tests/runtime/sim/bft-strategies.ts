/**
 * Targeted Byzantine strategies (see bft-adversary.ts) for the BFT specs: what a Byzantine
 * replica that signs its own votes does to break a protocol that has lost a safeguard.
 */
import type { Tagged } from '../../../runtime/replica/contract.js';
import type { Process } from '../../../runtime/replica/values.js';
import type { ReactContext, TargetedStrategy } from './bft-adversary.js';

type Out = (readonly [Process, Tagged])[];

/**
 * Tendermint: an equivocating proposer (a different value, with vr = -1, to each correct
 * process in each round it leads) and conflicting votes (for each height and round, a signed
 * PREVOTE and PRECOMMIT to each correct process, for the value of the recipient's camp (the
 * correct processes split in two, each told a different value), for the value it just heard
 * voted, or for any value or nil, chosen per recipient).
 */
export function tendermintAdversary(n: number): TargetedStrategy {
  const values = [0, 1, null] as const;
  // Each correct process's camp, drawn once per height, round and process.
  const camps = new Map<string, number>();
  const campOf = (key: string, rng: ReactContext['rng']) => {
    if (!camps.has(key)) camps.set(key, rng.below(2));
    return camps.get(key)!;
  };
  return {
    name: 'Tendermint: equivocating proposer, conflicting signed votes',
    react({ self, message: m, correct, rng, sign, once }: ReactContext) {
      const out: Out = [];
      // Two camps of correct processes, each told that the other value is winning.
      const camp = (q: Process) => campOf(`${m['h']} ${m['r']} ${q}`, rng);
      if (m.type !== 'PROPOSAL' && m.type !== 'PREVOTE' && m.type !== 'PRECOMMIT') return out;
      const { h, r } = m as { h: number; r: number };
      if ((h + r) % n === self && once(`PROPOSAL ${h} ${r}`)) {
        for (const q of correct) out.push([q, { type: 'PROPOSAL', h, r, v: camp(q), vr: -1 } as Tagged]);
      }
      if ((m.type === 'PREVOTE' || m.type === 'PRECOMMIT') && once(`${m.type} ${h} ${r}`)) {
        for (const q of correct) {
          const v = rng.chance(0.5) ? camp(q) : rng.chance(0.5) ? (m['v'] as number | null) : rng.pick(values);
          out.push([q, { type: m.type, h, r, v, sig: sign([h, r, v]) } as Tagged]);
        }
      }
      return out;
    },
  };
}
