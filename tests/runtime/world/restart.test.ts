/**
 * Crash–recovery: a restarted process keeps its `durable` variables, starts everything else
 * afresh (state, received messages, fired rules, timers), and runs its start rules again;
 * the fault plan's `restart=P@T` words are checked, and the simulator carries them out.
 */
import { describe, expect, it } from 'vitest';
import { Paxos } from '../../../generated/paxos.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import { defaultNetwork } from '../../../runtime/sim/config.js';
import { parseFaults, PlanError } from '../../../runtime/sim/plan.js';
import { World } from '../../../runtime/world/world.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';

const Counter = await loadSnippet(`
protocol Counter
  parameters n: Nat
  interface
    request bump()
    indication started(kept: Nat, lost: Nat)
  messages
    PING
  state
    durable kept: Nat = 0
    lost: Nat = 0
  timers
    Tick
  upon start
    trigger started(kept, lost)
    start timer Tick after 5
  upon bump()
    kept := kept + 1
    lost := lost + 1
    broadcast PING
  upon receiving PING from any
    lost := lost + 10
  upon timeout Tick
    lost := lost + 100
`);

describe('World: restart', () => {
  it('keeps durable variables, resets the rest, drops received messages and timers, and runs the start rules again', () => {
    const world = new World(Counter, { n: 2 });
    world.apply({ kind: 'start', process: 0 });
    world.apply({ kind: 'request', process: 0, request: { type: 'bump' } });
    world.apply({ kind: 'request', process: 0, request: { type: 'bump' } });
    world.apply({ kind: 'deliver', from: 0, to: 0, message: { type: 'PING' } });
    expect(world.replica(0)!.vars).toEqual({ kept: 2, lost: 12 });
    expect(world.isPossible({ kind: 'restart', process: 0 })).toBe(false); // not crashed

    world.apply({ kind: 'crash', process: 0 });
    expect(world.runningTimers()).toEqual([]);
    expect(world.isPossible({ kind: 'request', process: 0, request: { type: 'bump' } })).toBe(false);

    const outcome = world.apply({ kind: 'restart', process: 0 });
    expect(outcome.effects).toEqual([
      { kind: 'indicate', indication: { type: 'started', kept: 2, lost: 0 } },
      { kind: 'startTimer', timer: 'Tick', args: [], delay: 5 },
    ]);
    expect(world.replica(0)!.vars).toEqual({ kept: 2, lost: 0 });
    expect(world.replica(0)!.state.received.size).toBe(0);
    expect(world.correct).toEqual([0, 1]);
    // The PING still in flight is received afresh: the restarted process forgot it.
    world.apply({ kind: 'deliver', from: 0, to: 0, message: { type: 'PING' } });
    expect(world.replica(0)!.vars).toEqual({ kept: 2, lost: 10 });
    expect(world.indicationsOf(0).map((i) => i['kept'])).toEqual([0, 2]);
  });
});

describe('fault plans with restarts', () => {
  const params = { proposers: 2, acceptors: 3, learners: 1, f: 1 } as const;
  const plan = (text: string) => parseFaults(Paxos, params, text, 1, 1000, false);

  it('reads crash=P@T,restart=P@T, and several crash–restart cycles of one process', () => {
    expect(plan('crash=2@10,restart=2@40')).toEqual({ crashes: [{ process: 2, at: 10 }], byzantine: [], restarts: [{ process: 2, at: 40 }] });
    expect(plan('crash=2@10,restart=2@40,crash=2@50').crashes).toHaveLength(2);
  });

  it.each([
    ['restart=2@40', 'restart=2@40, but p2 is not crashed then (give crash=2@T with T < 40)'],
    ['crash=2@50,restart=2@40', 'restart=2@40, but p2 is not crashed then'],
    ['crash=2@10,crash=2@30', 'p2 crashes at t=10 and again at t=30 without a restart in between'],
    ['crash=2@10,restart=2@10', 'p2 crashes and restarts at the same time 10'],
    ['crash=2@10,restart=9@40', 'process 9 does not exist'],
  ])('refuses %s', (text, message) => {
    expect(() => plan(text)).toThrow(PlanError);
    expect(() => plan(text)).toThrow(message);
  });

  it("the spec's own fault model restarts some crashed processes of roles with durable state", () => {
    const plans = Array.from({ length: 40 }, (_, seed) => parseFaults(Paxos, params, undefined, seed, 1000, false));
    const restarted = plans.filter((p) => (p.restarts ?? []).length > 0);
    expect(restarted.length).toBeGreaterThan(0);
    expect(restarted.length).toBeLessThan(plans.length);
    for (const p of restarted) {
      for (const r of p.restarts!) {
        const crash = p.crashes.find((c) => c.process === r.process)!;
        expect(r.at).toBeGreaterThan(crash.at);
        expect(Paxos.durableVariables[Paxos.roleOf(params, r.process)!]).not.toEqual([]);
      }
    }
  });

  it('the simulator restarts an acceptor that crashed after promising: its promise survives, the rest does not', () => {
    const result = simulate({
      module: Paxos, params, seed: 5, network: defaultNetwork, values: 2, record: true, maxEvents: 2000, horizon: 400,
      faults: { crashes: [{ process: 2, at: 12 }], byzantine: [], restarts: [{ process: 2, at: 30 }] },
      workload: [{ at: 0, process: 0, request: { type: 'propose', v: 1 } }],
    });
    expect(result.verdict).toBe('ok');
    // Replay the recorded run and look at p2 just before it crashed and just after it restarted.
    const world = new World(Paxos, params);
    const seen: Record<string, unknown>[] = [];
    for (const step of result.trace) {
      if (step.event.kind === 'crash' || step.event.kind === 'restart') seen.push({ ...world.replica(2)!.vars });
      world.apply(step.event, step.choices);
      if (step.event.kind === 'restart') seen.push({ ...world.replica(2)!.vars });
    }
    const [beforeCrash, atRestart, afterRestart] = seen as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(beforeCrash['promised']).toBeGreaterThan(0);
    expect(atRestart).toEqual(beforeCrash); // a crashed process takes no steps
    for (const name of Paxos.durableVariables['Acceptor']!) expect(afterRestart[name]).toEqual(beforeCrash[name]);
  });
});
