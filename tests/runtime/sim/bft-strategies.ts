/**
 * Targeted Byzantine strategies (see bft-adversary.ts) for the BFT specs: what a Byzantine
 * replica that signs its own votes does to break a protocol that has lost a safeguard.
 */
import type { ProtocolModule, Tagged } from '../../../runtime/replica/contract.js';
import { symbolicCrypto } from '../../../runtime/replica/crypto.js';
import { Replica } from '../../../runtime/replica/engine.js';
import { setOf, type Data, type Process } from '../../../runtime/replica/values.js';
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
      const { h, r } = m as unknown as { h: number; r: number };
      // Propose as soon as it hears of the round before its own (correct processes keep a
      // proposal of a round they have not reached, and use it when they get there).
      for (const round of [r, r + 1]) {
        if ((h + round) % n === self && once(`PROPOSAL ${h} ${round}`)) {
          for (const q of correct) out.push([q, { type: 'PROPOSAL', h, r: round, v: campOf(`${h} ${round} ${q}`, rng), vr: -1 } as Tagged]);
        }
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

/**
 * PBFT: an equivocating primary (the Byzantine process, primary of view 0, gives the first
 * two requests it hears of the sequence numbers 1 and 2 in one order to some correct
 * replicas and in the other order to the others, with signed pre-prepares) and conflicting
 * votes (to each correct replica, signed PREPAREs and COMMITs for the order that replica was
 * given), and view changes that hide every prepared certificate (a signed VIEW-CHANGE
 * with an empty P for each view it hears of).
 */
export function pbftAdversary(n: number): TargetedStrategy {
  const ops: number[] = [];
  const camps = new Map<Process, number>();
  return {
    name: 'PBFT: equivocating primary, conflicting signed votes',
    react({ self, message: m, correct, rng, sign, once }: ReactContext) {
      const out: Out = [];
      const replicas = correct.filter((q) => q < n);
      const camp = (q: Process) => {
        if (!camps.has(q)) camps.set(q, rng.below(2));
        return camps.get(q)!;
      };
      const opAt = (q: Process, s: number) => ops[(s - 1 + camp(q)) % 2]!;
      if (m.type === 'REQUEST' && !ops.includes(m['op'])) ops.push(m['op']);
      // A view change of its own, signed, that reports no prepared certificate (P empty).
      if (m.type === 'VIEW_CHANGE' && once(`view change ${m['v']}`)) {
        const { v, h, d, c } = m as unknown as { v: number; h: number; d: string; c: readonly unknown[] };
        for (const q of replicas) out.push([q, { type: 'VIEW_CHANGE', v, h, d, c, p: [], sig: sign([3, v, h, d, c as Data, []]) } as Tagged]);
      }
      if (ops.length < 2) return out;
      if (self % n === 0 && once('pre-prepares')) {
        for (const q of replicas) {
          for (const s of [1, 2]) out.push([q, { type: 'PRE_PREPARE', v: 0, s, op: opAt(q, s), sig: sign([0, 0, s, opAt(q, s)]) } as Tagged]);
        }
      }
      if ((m.type === 'PREPARE' || m.type === 'COMMIT') && m['v'] === 0 && (m['s'] === 1 || m['s'] === 2) && once(`votes ${m['s']}`)) {
        const s = m['s'] as number;
        for (const q of replicas) {
          out.push([q, { type: 'PREPARE', v: 0, s, op: opAt(q, s), sig: sign([1, 0, s, opAt(q, s)]) } as Tagged]);
          out.push([q, { type: 'COMMIT', v: 0, s, op: opAt(q, s) } as Tagged]);
        }
      }
      return out;
    },
  };
}

/**
 * HotStuff (spec leaders: ⌊v / 2⌋ mod n): a Byzantine replica that votes (signed) for every
 * proposal it receives, and, when it leads a pair of views, proposes a fork: in the first
 * view a node extending the oldest QC it has seen (below the others' locks), in the second
 * a node extending the QC it forms for the first from the votes it receives (n - f with its
 * own, if the correct replicas vote for the fork).
 */
export function hotstuffAdversary(n: number, quorum: number): TargetedStrategy {
  const leader = (v: number) => Math.floor(v / 2) % n;
  // A QC is a certificate (Cert[(Digest, Nat)]): { value: [node, height], votes }.
  type QC = { readonly value: readonly [Data, number]; readonly votes: readonly Data[] };
  const qcs: QC[] = [];
  const forks = new Map<string, number>(); // fork node id -> height
  const votes = new Map<string, Map<Process, unknown>>();
  return {
    name: 'HotStuff: double votes, forking leader',
    react({ self, from, message: m, correct, sign, once }: ReactContext) {
      const out: Out = [];
      const everyone = (msg: Tagged) => { for (const q of correct) out.push([q, msg]); };
      const propose = (h: number, qc: QC) => {
        const b = [h, qc.value[0], 9000 + h, qc] as unknown as Data;
        forks.set(symbolicCrypto.hash(b) as string, h);
        everyone({ type: 'PROPOSE', b } as unknown as Tagged);
      };
      if (m.type === 'PROPOSE') {
        const b = m['b'] as unknown[];
        const h = b[0] as number;
        qcs.push(b[3] as QC);
        const id = symbolicCrypto.hash(b as unknown as Data);
        if (once(`vote ${id as string}`)) out.push([leader(h + 1), { type: 'VOTE', node: id, h, sig: sign([id, h] as unknown as Data) } as unknown as Tagged]);
        // Heard of view h: if it leads h + 1 (the first of its pair), fork from the oldest QC.
        const v = h + 1;
        if (leader(v) === self && leader(v + 1) === self && qcs.length > 0 && once(`fork ${v}`)) {
          const oldest = qcs.reduce((a, c) => (c.value[1] < a.value[1] ? c : a));
          propose(v, oldest);
        }
      }
      if (m.type === 'NEW_VIEW') qcs.push(m['qc'] as unknown as QC);
      if (m.type === 'VOTE' && forks.has(m['node'] as string)) {
        const d = m['node'] as string;
        const h = forks.get(d)!;
        const got = votes.get(d) ?? new Map<Process, unknown>();
        got.set(from, m['sig']);
        votes.set(d, got);
        if (got.size + 1 >= quorum && leader(h + 1) === self && once(`extend ${h + 1}`)) {
          const qc: QC = { value: [d, h], votes: setOf([...got.entries(), [self, sign([d, h] as unknown as Data)]].map(([p, s]) => [p, s] as unknown as Data)) };
          propose(h + 1, qc);
        }
      }
      return out;
    },
  };
}

/**
 * MinBFT: a Byzantine primary of view 0 (process 0) that gives sequence number 1 to one
 * request in its PREPAREs to some correct replicas and to the other request in its PREPAREs
 * to the others. Its identifiers come only from its own USIG (an instance of the spec's USIG
 * module, `usig`): a Byzantine host may call createUI as it likes but cannot make a UI
 * otherwise. With a correct USIG the second PREPARE has the next counter, and the replicas
 * that get it first reject it as out of order; with a USIG that repeats a counter both
 * carry the same one. (A primary that withholds its PREPAREs is the simulator's own
 * `withhold` strategy, runtime/sim/adversary.ts.)
 */
export function minbftAdversary(usig: ProtocolModule<any, any>, n: number): TargetedStrategy {
  const ops: number[] = [];
  let trusted: Replica | undefined;
  const createUI = (self: Process, d: Data): { c: number; cert: Data } => {
    trusted ??= new Replica(usig, { n }, self, { chooser: { choose: () => 0 }, crypto: symbolicCrypto });
    const result = trusted.handle({ kind: 'request', request: { type: 'createUI', m: d } as Tagged });
    const ui = result.effects.find((e) => e.kind === 'indicate');
    if (ui === undefined || ui.kind !== 'indicate') throw new Error('the USIG gave no UI');
    const indication = ui.indication as unknown as { c: number; cert: Data };
    return { c: indication.c, cert: indication.cert };
  };
  return {
    name: 'MinBFT: equivocating primary with its own USIG',
    react({ self, message: m, correct, rng, once }: ReactContext) {
      const out: Out = [];
      if (m.type === 'REQUEST' && !ops.includes(m['op'])) ops.push(m['op']);
      if (ops.length < 2 || self !== 0 || !once('equivocate')) return out;
      const replicas = correct.filter((q) => q < n);
      const first = rng.below(2);
      const uis = [0, 1].map((i) => createUI(self, symbolicCrypto.hash([0, 0, 1, ops[(first + i) % 2]!] as unknown as Data)));
      replicas.forEach((q, i) => {
        const k = i === 0 ? 0 : 1;
        out.push([q, { type: 'PREPARE', v: 0, s: 1, op: ops[(first + k) % 2]!, c: uis[k]!.c, cert: uis[k]!.cert } as unknown as Tagged]);
      });
      return out;
    },
  };
}
