/**
 * Message validity predicates (`M(fields) when P`, docs/language.md 3.5) at run time: the
 * engine drops a message that fails its predicate before any rule sees it (it is not stored,
 * counts toward no quorum) and reports it; the world turns an invalid message from a
 * correct process into an error of the spec, and lets the simulator count those of
 * Byzantine processes per sender; PBFT and HotStuff use them against every Byzantine
 * strategy; and they found a real PBFT bug (tests/mutants/pbft/view-change-resend-stale-p.rio).
 */
import { describe, expect, it } from 'vitest';
import { HotStuff } from '../../../generated/hotstuff.js';
import { PBFT } from '../../../generated/pbft.js';
import type { ProtocolModule, Tagged } from '../../../runtime/replica/contract.js';
import { symbolicCrypto } from '../../../runtime/replica/crypto.js';
import { Replica } from '../../../runtime/replica/engine.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import { World } from '../../../runtime/world/world.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';
import { expectShrunk, loadMutant } from './bft-check.js';
import { configFor, planRun } from './sim-config.js';

const votes = `
protocol Votes
  parameters n: Nat
  faults byzantine 1

  messages
    VOTE(x: Value, sig: Signature) when verify(sig, sender, x) and small(x)
    PING(y: Nat)
      when y < n

  def small(x: Value): Bool = x < 3

  state
    got: Set[Value] = {}
    pings: Nat = 0

  upon start
    broadcast VOTE(0, sign(0))

  upon receiving VOTE(x, _) from p
    got := got ∪ {x}

  upon receiving VOTE(_, _) from 2 processes
    pings := pings + 1

  upon receiving PING(y) from p
    pings := pings + y
`;

describe('the engine', () => {
  it('drops an invalid message before any rule sees it, and reports it with its sender', async () => {
    const Votes = await loadSnippet(votes);
    const replica = new Replica(Votes, { n: 3 }, 0, { chooser: { choose: () => 0 }, crypto: symbolicCrypto });
    const vote = (x: number, signer: number) => ({ type: 'VOTE', x, sig: symbolicCrypto.sign(signer, x) }) as unknown as Tagged;
    // Signed by someone else than its sender: invalid.
    const forged = replica.handle({ kind: 'receive', from: 1, message: vote(1, 2) });
    expect(forged).toEqual({ effects: [], firings: [], rejected: [{ from: 1, type: 'VOTE', path: '' }] });
    expect(replica.state.received.has('VOTE')).toBe(false);
    // A value the predicate refuses, validly signed.
    expect(replica.handle({ kind: 'receive', from: 1, message: vote(7, 1) }).rejected).toEqual([{ from: 1, type: 'VOTE', path: '' }]);
    expect(replica.handle({ kind: 'receive', from: 2, message: { type: 'PING', y: 3 } as unknown as Tagged }).rejected).toEqual([{ from: 2, type: 'PING', path: '' }]);
    // Valid ones are stored and fire; the invalid ones did not count toward the quorum of 2.
    const first = replica.handle({ kind: 'receive', from: 1, message: vote(1, 1) });
    expect(first.rejected).toBeUndefined();
    expect(first.firings.map((f) => f.rule)).toEqual(['onReceivingVote']);
    expect(replica.vars).toEqual({ got: [1], pings: 0 });
    const second = replica.handle({ kind: 'receive', from: 2, message: vote(2, 2) });
    expect(second.firings.map((f) => f.rule)).toEqual(['onReceivingVote', 'onReceivingVoteFromQuorum']);
    expect(replica.vars).toEqual({ got: [1, 2], pings: 1 });
  });
});

describe('the world', () => {
  it('an invalid message from a correct process is an error of the spec; from a Byzantine one, a reported drop', async () => {
    const Votes = await loadSnippet(votes.replace('broadcast VOTE(0, sign(0))', 'broadcast VOTE(0, sign(0))\n    send PING(n) to 0'));
    const world = new World(Votes, { n: 3 }, { byzantine: [2] });
    world.apply({ kind: 'start', process: 1 });
    const ping = { type: 'PING', y: 3 } as unknown as Tagged;
    expect(world.apply({ kind: 'deliver', from: 1, to: 0, message: ping }).error).toBe("p1, a correct process, sent p0 a PING that fails the message's validity predicate");
    world.apply({ kind: 'inject', from: 2, to: 0, message: ping });
    const outcome = world.apply({ kind: 'deliver', from: 2, to: 0, message: ping });
    expect(outcome.error).toBeUndefined();
    expect(outcome.rejected).toEqual([{ from: 2, type: 'PING', path: '' }]);
  });
});

describe('PBFT and HotStuff with validity predicates', () => {
  const count = (module: ProtocolModule<any, any>, faults: string, seed: number) => simulate(configFor(planRun(module, { faults, network: 'loss=0.2,gst=400' }), seed, false));

  it.each([
    [PBFT, 'byzantine=2:arbitrary'], [PBFT, 'byzantine=0:forge'], [HotStuff, 'byzantine=1:equivocate'], [HotStuff, 'byzantine=3:forge'],
  ] as const)('%#: the Byzantine process\'s invalid messages are dropped and counted against it; safety holds', (module, faults) => {
    const result = count(module, faults, 2);
    expect(result.violation?.kind, result.violation?.message).not.toBe('always');
    expect(result.violation?.kind).not.toBe('assertion');
    const byzantine = Number(faults.split('=')[1]!.split(':')[0]);
    expect(result.invalid.map((x) => x.sender)).toEqual([byzantine]);
    expect(result.invalid[0]!.messages).toBeGreaterThan(0);
  });

  it('a correct process sends no invalid message under the protocol-following strategies (the predicates are what the rules assume)', () => {
    for (const [module, faults] of [[PBFT, 'byzantine=1:twins'], [PBFT, 'byzantine=0:conflict'], [HotStuff, 'byzantine=1:twins'], [HotStuff, 'byzantine=1:withhold']] as const) {
      const result = count(module, faults, 1);
      expect(result.violation?.kind, `${faults}: ${result.violation?.message}`).not.toBe('assertion');
      expect(result.invalid.every((x) => x.sender === Number(faults.split('=')[1]!.split(':')[0]))).toBe(true);
    }
  });

  it('found a PBFT bug: a VIEW-CHANGE re-sent after a state transfer kept certificates at or below its new h', async () => {
    const mutant = await loadMutant('pbft', 'view-change-resend-stale-p');
    const plan = planRun(mutant, { faults: 'byzantine=0:silent', network: 'loss=0.2,gst=400' });
    const config = configFor(plan, 10);
    const result = simulate(config);
    expect(result.violation?.kind).toBe('assertion');
    expect(result.violation?.message).toBe("p1, a correct process, sent p1 a VIEW_CHANGE that fails the message's validity predicate");
    const steps = expectShrunk(mutant, plan.params, [0], result.trace, result.violation!, 'assertion', 60);
    // The counterexample: a view change, a state transfer that moves h to 2, the re-sent VIEW-CHANGE.
    const messages = steps.flatMap((s) => (s.event.kind === 'deliver' ? [(s.event.message as Tagged).type] : []));
    expect(messages).toContain('STATE');
    expect(messages[messages.length - 1]).toBe('VIEW_CHANGE');
    // The spec as fixed runs the same seed clean.
    const fixed = simulate(configFor(planRun(PBFT, { faults: 'byzantine=0:silent', network: 'loss=0.2,gst=400' }), 10, false));
    expect(fixed.violation, fixed.violation?.message).toBeUndefined();
  });
});

describe('HotStuff: a bug the validity predicates found', () => {
  it('a leader proposed for a view its qc_high was already past (a QC formed late, when its node arrived)', async () => {
    const mutant = await loadMutant('hotstuff', 'propose-stale-view');
    const options = { faults: 'byzantine=0:stale', network: 'loss=0.2,gst=400' };
    const plan = planRun(mutant, options);
    const result = simulate(configFor(plan, 60));
    expect(result.violation?.message).toBe("p1, a correct process, sent p3 a PROPOSE that fails the message's validity predicate");
    expectShrunk(mutant, plan.params, [0], result.trace, result.violation!, 'assertion', 40);
    const fixed = simulate(configFor(planRun(HotStuff, options), 60, false));
    expect(fixed.violation, fixed.violation?.message).toBeUndefined();
  });
});
