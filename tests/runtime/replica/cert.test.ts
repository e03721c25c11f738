/**
 * Certificates (`Cert[T]`, runtime/replica/cert.ts) with both cryptographies: symbolic
 * signatures (simulator, model checker) and real Ed25519 keys (network runtime). A
 * certificate counts the DISTINCT processes whose signature verifies on its value: a
 * duplicated signer counts once, a vote forged in another process's name or signed over
 * another value counts not at all, and enough distinct valid signers make it valid. The same
 * through the generated HotStuff module (its QC is a `Cert[(Digest, Nat)]`, `validQC` is
 * `signedBy(qc, n - f)`) and through its PROPOSE validity predicate; a compiled spec that
 * forms, sends and checks certificates, run by the engine with both cryptographies; and
 * certificates in a simulation trace (the `forge` strategy's), written, read back and replayed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HotStuff, validQC } from '../../../generated/hotstuff.js';
import { certify, signedBy, signers, type Cert, type Vote } from '../../../runtime/replica/cert.js';
import { realCrypto, symbolicCrypto, type Crypto } from '../../../runtime/replica/crypto.js';
import type { RuleContext, Tagged } from '../../../runtime/replica/contract.js';
import { setOf, type Data } from '../../../runtime/replica/values.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import { readTrace, TRACE_FORMAT, TRACE_VERSION, writeTrace, type Trace } from '../../../runtime/sim/trace.js';
import { Replica } from '../../../runtime/replica/engine.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';
import { configFor, planRun } from '../sim/sim-config.js';

/** Each process's cryptography: what `sign` makes as process p, and how anyone verifies. */
type Keys = { readonly name: string; readonly of: (p: number) => Crypto };

const symbolic: Keys = { name: 'symbolic', of: () => symbolicCrypto };

function ed25519(count: number): Keys {
  const pairs = Array.from({ length: count }, () => generateKeyPairSync('ed25519'));
  const publicKeysPem = pairs.map((p) => p.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const rings = pairs.map((p, self) => realCrypto({ privateKeyPem: p.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKeysPem, self }));
  return { name: 'Ed25519', of: (p) => rings[p]! };
}

/** A signature in another process's name: the signer's own signature relabelled (symbolic: its seal kept). */
function forgedAs(sig: Data, victim: number): Data {
  return typeof sig === 'object' && sig !== null && !Array.isArray(sig) ? { ...(sig as Record<string, Data>), signer: victim } : sig;
}

const node: Data = ['d1', 3];
const other: Data = ['d2', 3];

describe.each([symbolic, ed25519(4)])('certificates with $name signatures', (keys) => {
  const verifier = keys.of(0);
  const vote = (p: number, value: Data = node): Vote => [p, keys.of(p).sign(p, value)];

  it('enough distinct valid signers: valid; one short: not', () => {
    const c = certify(verifier, node, setOf([vote(0), vote(1), vote(2)]));
    expect(c.votes).toHaveLength(3);
    expect(signers(verifier, c)).toEqual([0, 1, 2]);
    expect(signedBy(verifier, c, 3)).toBe(true);
    expect(signedBy(verifier, c, 4)).toBe(false);
    // Among a set of processes: 2f prepares from backups, not counting the primary 0.
    expect(signedBy(verifier, c, 2, [1, 2, 3])).toBe(true);
    expect(signedBy(verifier, c, 3, [1, 2, 3])).toBe(false);
  });

  it('a duplicated signer counts once', () => {
    // Not a canonical set: the same vote twice, as a Byzantine sender could write it.
    const c: Cert<Data> = { value: node, votes: [vote(0), vote(1), vote(1)] };
    expect(signers(verifier, c)).toEqual([0, 1]);
    expect(signedBy(verifier, c, 2)).toBe(true);
    expect(signedBy(verifier, c, 3)).toBe(false);
  });

  it('a vote forged in another process\'s name, or signed over another value, does not count', () => {
    const forged: Vote = [2, forgedAs(keys.of(1).sign(1, node), 2)];
    const elsewhere = vote(3, other);
    const c: Cert<Data> = { value: node, votes: setOf([vote(0), vote(1), forged, elsewhere]) };
    expect(signers(verifier, c)).toEqual([0, 1]);
    expect(signedBy(verifier, c, 3)).toBe(false);
    // Forming a certificate keeps only the votes that verify on its value.
    expect(certify(verifier, node, c.votes).votes).toEqual(setOf([vote(0), vote(1)]));
    // The same votes do not certify another value.
    expect(signedBy(verifier, { value: other, votes: c.votes }, 1)).toBe(true);
    expect(signedBy(verifier, { value: other, votes: c.votes }, 2)).toBe(false);
  });

  it('HotStuff\'s validQC (signedBy(qc, n - f)) through the generated module', () => {
    const params = { n: 4, f: 1, maxView: 4 };
    const ctx = { self: 0, params, crypto: verifier } as unknown as RuleContext<typeof params>;
    const state = HotStuff.initialState(params, 0, undefined);
    const qc = (votes: readonly Vote[]) => ({ value: node, votes: setOf(votes) }) as never;
    expect(validQC(ctx, state, qc([vote(0), vote(1), vote(2)]))).toBe(true);
    expect(validQC(ctx, state, qc([vote(0), vote(1)]))).toBe(false);
    expect(validQC(ctx, state, qc([vote(0), vote(1), [2, forgedAs(keys.of(1).sign(1, node), 2)]]))).toBe(false);
    expect(validQC(ctx, state, qc([vote(0), vote(1), vote(2, other)]))).toBe(false);
  });
});

describe('a forged QC fails HotStuff\'s validity predicate', () => {
  it('PROPOSE with a QC padded with forged votes is invalid, with genuine ones valid', () => {
    const params = { n: 4, f: 1, maxView: 4 };
    const ctx = { self: 1, params, crypto: symbolicCrypto } as unknown as RuleContext<typeof params>;
    const state = HotStuff.initialState(params, 1, undefined);
    const parent = symbolicCrypto.hash(['some node']);
    const value: Data = [parent, 1];
    const genuine = (p: number): Vote => [p, symbolicCrypto.sign(p, value)];
    // The leader of view 2 is process 1 (⌊v / 2⌋ mod n).
    const propose = (votes: readonly Vote[]) => ({ type: 'PROPOSE', b: [2, parent, 7, { value, votes: setOf(votes) }] });
    const valid = HotStuff.validity!['PROPOSE']!;
    expect(valid(ctx, state, propose([genuine(0), genuine(1), genuine(2)]), 1)).toBe(true);
    // The `forge` strategy's certificate: its own vote and the others forged from it.
    const own = genuine(3);
    const forged = [0, 1, 2].map((q): Vote => [q, forgedAs(own[1], q)]);
    expect(valid(ctx, state, propose([own, ...forged]), 1)).toBe(false);
    // A duplicated genuine vote does not make a quorum.
    expect(valid(ctx, state, propose([genuine(0), genuine(1), genuine(1)]), 1)).toBe(false);
  });
});

describe('certificates in a trace', () => {
  it('a HotStuff run with a forging replica: its forged QCs are dropped, and the trace round-trips and replays', () => {
    const plan = planRun(HotStuff, { faults: 'byzantine=3:forge', network: 'loss=0.2,gst=400' });
    const config = configFor(plan, 2);
    const result = simulate(config);
    expect(result.violation).toBeUndefined();
    // The forger's QCs: certificates whose votes are forged in other processes' names.
    const injected = result.trace.flatMap((s) => (s.event.kind === 'inject' && s.event.from === 3 ? [s.event.message as Tagged] : []));
    const qcs = injected.flatMap((m) => (m.type === 'NEW_VIEW' ? [m['qc']] : m.type === 'PROPOSE' ? [(m['b'] as Data[])[3]!] : [])) as unknown as Cert<Data>[];
    const forgedQCs = qcs.filter((qc) => qc.votes.length >= 3 && !signedBy(symbolicCrypto, qc, 3));
    expect(forgedQCs.length).toBeGreaterThan(0);
    expect(result.invalid).toEqual([{ sender: 3, messages: expect.any(Number) }]);
    const byzantine = config.faults.byzantine.map((b) => b.process);
    const trace: Trace = {
      header: {
        format: TRACE_FORMAT, version: TRACE_VERSION, spec: 'specs/hotstuff.rio', protocol: HotStuff.name, sourceHash: HotStuff.sourceHash,
        params: plan.params, seed: 2, byzantine, origin: 'simulate', checkLiveness: false,
        config: { network: config.network, faults: config.faults, workload: config.workload, horizon: config.horizon, maxEvents: config.maxEvents, values: config.values },
      },
      steps: result.trace,
      footer: { verdict: 'ok' },
    };
    const read = readTrace(writeTrace(trace));
    expect(read.steps).toEqual(result.trace);
    const replayed = replaySteps(HotStuff, plan.params, byzantine, read.steps, { checkLiveness: false });
    expect(replayed.violation).toBeUndefined();
    expect(replayed.applied).toHaveLength(result.trace.length);
  });
});

/** Forms a certificate from a quorum of signed votes, sends it, and checks the ones it gets. */
const certifySpec = `
protocol Certify
  parameters n: Nat, f: Nat
  messages
    VOTE(x: Nat, sig: Signature) when verify(sig, sender, (5, x))
    QC(c: Cert[(Nat, Nat)]) when signedBy(c, 2 * f + 1) and c.value.1 = 5
  state
    formed: Option[Cert[(Nat, Nat)]] = none
    accepted: Set[Nat] = {}
    backups: Set[Process] = {}
    carried: Nat = 0
  upon receiving VOTE(x, _) from 2 * f + 1 processes as msgs when formed = none
    formed := some(cert((5, x), msgs))
    broadcast QC(cert((5, x), msgs))
  upon receiving QC(c) from any when signedBy(c, 2 * f + 1, Process \\ {0})
    accepted := accepted ∪ {c.value.2}
    backups := backups ∪ signers(c) \\ {0}
    carried := |c.votes|
`;

describe.each([symbolic, ed25519(4)])('a compiled spec with certificates, $name signatures', (keys) => {
  it('forms a certificate from a quorum, sends it, and accepts only certificates with enough distinct valid signers', async () => {
    const Certify = await loadSnippet(certifySpec);
    const replica = new Replica(Certify, { n: 4, f: 1 }, 0, { chooser: { choose: () => 0 }, crypto: keys.of(0) });
    const vote = (p: number, x: number) => ({ type: 'VOTE', x, sig: keys.of(p).sign(p, [5, x]) }) as unknown as Tagged;
    // A vote signed by another process than its sender is dropped and does not count.
    expect(replica.handle({ kind: 'receive', from: 1, message: { ...vote(2, 9) } }).rejected).toHaveLength(1);
    replica.handle({ kind: 'receive', from: 1, message: vote(1, 9) });
    replica.handle({ kind: 'receive', from: 2, message: vote(2, 9) });
    const third = replica.handle({ kind: 'receive', from: 3, message: vote(3, 9) });
    const sent = third.effects.filter((e) => e.kind === 'send').map((e) => (e as { message: Tagged }).message);
    expect(sent).toHaveLength(4); // broadcast QC, to every process
    const qc = sent[0]!['c'] as unknown as Cert<Data>;
    expect(qc.value).toEqual([5, 9]);
    expect(qc.votes.map(([p]) => p)).toEqual([1, 2, 3]);
    expect(replica.vars['formed']).toEqual(qc);
    // Its own QC comes back: 3 backups signed, so it is accepted.
    expect(replica.handle({ kind: 'receive', from: 0, message: sent[0]! }).firings.map((f) => f.rule)).toEqual(['onReceivingQcFromAny']);
    expect(replica.vars['accepted']).toEqual([9]);
    expect(replica.vars['backups']).toEqual([1, 2, 3]);
    // A QC with a duplicated signer, or a forged vote, fails the validity predicate.
    const v = (p: number, x: number): Vote => [p, keys.of(p).sign(p, [5, x])];
    const duplicated = { type: 'QC', c: { value: [5, 4], votes: [v(1, 4), v(2, 4), v(2, 4)] } } as unknown as Tagged;
    const forged = { type: 'QC', c: { value: [5, 4], votes: setOf([v(1, 4), v(2, 4), [3, forgedAs(keys.of(2).sign(2, [5, 4]), 3)]]) } } as unknown as Tagged;
    expect(replica.handle({ kind: 'receive', from: 1, message: duplicated }).rejected).toHaveLength(1);
    expect(replica.handle({ kind: 'receive', from: 1, message: forged }).rejected).toHaveLength(1);
    // Valid (3 signers), but only 2 of them other than process 0: the guard's signedBy(c, 2f + 1, Process \ {0}) is false.
    const fromPrimary = { type: 'QC', c: { value: [5, 4], votes: setOf([v(0, 4), v(1, 4), v(2, 4)]) } } as unknown as Tagged;
    const outcome = replica.handle({ kind: 'receive', from: 1, message: fromPrimary });
    expect(outcome.rejected).toBeUndefined();
    expect(outcome.firings).toEqual([]);
    // With enough distinct valid backups it fires; an extra invalid vote is carried but not counted.
    const enough = { type: 'QC', c: { value: [5, 4], votes: setOf([v(1, 4), v(2, 4), v(3, 4), v(0, 8)]) } } as unknown as Tagged;
    expect(replica.handle({ kind: 'receive', from: 2, message: enough }).firings.map((f) => f.rule)).toEqual(['onReceivingQcFromAny']);
    expect(replica.vars['accepted']).toEqual([4, 9]);
    expect(replica.vars['carried']).toBe(4);
  });
});
