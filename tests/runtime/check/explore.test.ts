/**
 * The model checker on small configurations whose answers are known by hand: exact state
 * counts of a complete space under BFS and DFS, and the length of a shortest counterexample.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import { explore, type ExploreConfig } from '../../../runtime/check/explore.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';

const ping = `
protocol Ping
  parameters n: Nat
  messages
    PING
  state
    got: Bool = false
  upon start
    broadcast PING
  upon receiving PING from any when not got
    got := true
  property quiet
    always forall p in correct: p.got or not p.got
`;

/** Hand counts below tell states apart by every message (deadMessages: 'keep'), unless said otherwise. */
const base = (module: ProtocolModule<any, any>, params: unknown): ExploreConfig => ({
  module, params, byzantine: [], crashes: 0, workload: [], values: 2, lossy: false, search: 'bfs',
  maxStates: 1_000_000, maxDepth: 1_000, timeLimitMs: 60_000, exact: false, deadMessages: 'keep',
});

describe('a complete space', () => {
  let module: ProtocolModule<any, any>;
  beforeAll(async () => {
    module = await loadSnippet(ping);
  });

  // Both processes broadcast PING at start: 4 messages in flight (0>0, 0>1, 1>0, 1>1), two to
  // each process. A process's own part of the state is one of 5: nothing received; one PING
  // received (from 0, or from 1: the rule fired for that sender); both received, told apart
  // by which sender made the rule fire (the second PING finds `got` true and is only stored).
  // The processes are independent, so there are 5 * 5 = 25 states. Out of a process's parts,
  // 2 + 1 + 1 + 0 + 0 = 4 deliveries lead on, so there are 5 * 4 + 5 * 4 = 40 transitions,
  // and the deepest state is 4 deliveries away.
  it('has exactly 25 states under BFS and under DFS', () => {
    const bfs = explore(base(module, { n: 2 }));
    const dfs = explore({ ...base(module, { n: 2 }), search: 'dfs' });
    for (const r of [bfs, dfs]) {
      expect(r.verdict).toBe('ok');
      expect(r.complete).toBe(true);
      expect(r.states).toBe(25);
      expect(r.transitions).toBe(40);
      expect(r.maxDepthReached).toBe(4);
    }
  });

  it('counts the same with exact encodings as with fingerprints', () => {
    expect(explore({ ...base(module, { n: 2 }), exact: true }).states).toBe(25);
  });

  // Once `got` is true (it is only ever set), the rule `when not got` can never fire again:
  // a process has stopped reacting to PING, so the PINGs it received or will receive, and
  // which sender made the rule fire, no longer matter. A process's part is then one of 2
  // (got or not): 2 * 2 = 4 states, the deepest 2 deliveries away (one per process). With
  // symmetry too, (got, not) and (not, got) are one: 3.
  it('leaves out messages no rule will read again: 4 states (3 with symmetry)', () => {
    const r = explore({ ...base(module, { n: 2 }), deadMessages: 'ignore' });
    expect(r.complete).toBe(true);
    expect(r.states).toBe(4);
    expect(r.maxDepthReached).toBe(2);
    expect(explore({ ...base(module, { n: 2 }), deadMessages: 'ignore', exact: true }).states).toBe(4);
    expect(explore({ ...base(module, { n: 2 }), deadMessages: 'ignore', symmetry: true }).states).toBe(3);
    expect(explore({ ...base(module, { n: 2 }), deadMessages: 'ignore', symmetry: true, exact: true }).states).toBe(3);
  });

  // With crashes allowed, each of the 25 states may also have p0, p1 or both crashed; a crashed
  // process's pending messages stay in flight but deliveries to it change nothing it has.
  it('explores more states with a crash allowed, and says when a bound cuts the search', () => {
    const crashing = explore({ ...base(module, { n: 2 }), crashes: 1 });
    expect(crashing.complete).toBe(true);
    expect(crashing.states).toBeGreaterThan(25);
    const cut = explore({ ...base(module, { n: 2 }), maxStates: 5 });
    expect(cut.complete).toBe(false);
    expect(cut.cutBy).toBe('maxStates');
    expect(cut.states).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------
// Symmetry reduction.

describe('symmetry reduction', () => {
  let ping2: ProtocolModule<any, any>;
  beforeAll(async () => {
    ping2 = await loadSnippet(ping);
  });

  // The two Ping processes are interchangeable. Write a process's part of the state relative
  // to itself (nothing; the rule fired for its own PING or the other's; both received, the
  // rule fired for its own or the other's): the swap maps (a, b) to (b, a). The 25 states fall
  // into 5 orbits of one state (a = b) and 10 of two: 15 states up to renaming (Burnside:
  // (25 + 5) / 2). The orbit sizes add up to the 25 states of the unreduced search.
  it('Ping with n = 2: 15 states up to renaming, and a factor of 25 / 15', () => {
    const r = explore({ ...base(ping2, { n: 2 }), symmetry: true });
    expect(r.complete).toBe(true);
    expect(r.states).toBe(15);
    expect(r.symmetry).toMatchObject({ applied: true, classes: [[0, 1]], renamings: 2 });
    expect(r.symmetry.applied && r.symmetry.factor * r.states).toBeCloseTo(25, 9);
    expect(explore({ ...base(ping2, { n: 2 }), symmetry: true, exact: true }).states).toBe(15);
    expect(explore({ ...base(ping2, { n: 2 }), symmetry: true, search: 'dfs' }).states).toBe(15);
  });

  // n = 3: all 6 renamings. Each process's part is now one of 1 + 3 + 3 * 2 * ... states; the
  // check here is the one that holds whatever the count: a complete reduced search, whose
  // orbit sizes add up to the unreduced count.
  it('Ping with n = 3: the orbits of the reduced search add up to the unreduced space', () => {
    const full = explore(base(ping2, { n: 3 }));
    const reduced = explore({ ...base(ping2, { n: 3 }), symmetry: true });
    expect(full.complete && reduced.complete).toBe(true);
    expect(reduced.symmetry).toMatchObject({ applied: true, renamings: 6 });
    expect(reduced.states).toBeLessThan(full.states);
    expect(reduced.symmetry.applied && Math.round(reduced.symmetry.factor * reduced.states)).toBe(full.states);
  });

  // Two classes (3 acceptors, 2 learners: 12 renamings) and state keyed by sender. The
  // fingerprint search tries only the renamings that sort each class by an invariant key;
  // --exact tries all 12: both must find the same orbits, and the orbit sizes must add up
  // to the unreduced space (507 states).
  it('Paxos, 3 acceptors and 2 learners: sorting by keys finds the same orbits as trying every renaming', async () => {
    const module = await loadSnippet(readFileSync(join(import.meta.dirname, '..', '..', '..', 'specs', 'paxos.rio'), 'utf8'));
    const config: ExploreConfig = {
      ...base(module, { proposers: 1, acceptors: 3, learners: 2, f: 1 }), deadMessages: 'ignore', maxTimeouts: 0,
      workload: [{ process: 0, request: { type: 'propose', v: 1 } }],
      // The learners' deliveries interleaved, so that they form a class of their own to sort.
      observers: false,
    };
    const full = explore(config);
    const sorted = explore({ ...config, symmetry: true });
    const every = explore({ ...config, symmetry: true, exact: true });
    expect(full).toMatchObject({ complete: true, states: 507 });
    expect(sorted).toMatchObject({ complete: true, states: 70, symmetry: { applied: true, renamings: 12 } });
    expect(every.states).toBe(70);
    expect(sorted.symmetry.applied && Math.round(sorted.symmetry.factor * sorted.states)).toBe(507);
    expect(every.symmetry.applied && Math.round(every.symmetry.factor * every.states)).toBe(507);
  });

  it('keeps the shortest counterexample: Bracha with a mutant, sender and Byzantine process fixed', async () => {
    const spec = readFileSync(join(import.meta.dirname, '..', '..', '..', 'specs', 'bracha-broadcast.rio'), 'utf8');
    const module = await loadSnippet(spec.replace('from 2 * f + 1 processes when delivered = none', 'from 1 processes when delivered = none'));
    const config: ExploreConfig = { ...base(module, { n: 4, f: 1, sender: 0 }), byzantine: [3], workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }] };
    const plain = explore(config);
    const reduced = explore({ ...config, symmetry: true });
    expect(reduced.symmetry).toMatchObject({ applied: true, classes: [[1, 2]] });
    expect(reduced.violation?.property).toBe(plain.violation?.property);
    expect(reduced.counterexample).toHaveLength(plain.counterexample!.length);
    expect(replaySteps(module, config.params, [3], reduced.counterexample!, { checkLiveness: false }).violation?.property).toBe('agreement');
  });

  it('leaves out roles the spec orders by id, and says why it does not apply', async () => {
    const ordered = await loadSnippet(`
protocol Lowest
  parameters n: Nat
  messages
    HELLO
  state
    boss: Process = 0
  upon start
    broadcast HELLO
  upon receiving HELLO from q when q < boss
    boss := q
  property sane
    always forall p in correct: p.boss < n
`);
    const r = explore({ ...base(ordered, { n: 3 }), symmetry: true });
    expect(r.symmetry).toEqual({ applied: false, reason: 'the spec orders processes by id' });
  });

  // Nothing in the spec orders processes, but process 0 is special through a number: the test
  // on the first reachable states sees that swapping p0 with another changes what happens.
  it('finds a process singled out by a number, and does without the reduction', async () => {
    const special = await loadSnippet(`
protocol Special
  parameters n: Nat
  messages
    HELLO
  state
    heard: Nat = 0
  upon start
    broadcast HELLO
  upon receiving HELLO from q when self = 0
    heard := heard + 1
  property sane
    always forall p in correct: p.heard <= n
`);
    const r = explore({ ...base(special, { n: 3 }), symmetry: true });
    expect(r.symmetry.applied).toBe(false);
    expect(!r.symmetry.applied && r.symmetry.reason).toMatch(/^the spec treats p0 and p1 differently/);
    expect(r.states).toBe(explore(base(special, { n: 3 })).states);
  });
});

describe('a Byzantine counterexample', () => {
  let module: ProtocolModule<any, any>;
  beforeAll(async () => {
    const spec = readFileSync(join(import.meta.dirname, '..', '..', '..', 'specs', 'bracha-broadcast.rio'), 'utf8');
    // The mutant delivers on ONE READY instead of 2f+1.
    const mutant = spec.replace('from 2 * f + 1 processes when delivered = none', 'from 1 processes when delivered = none');
    expect(mutant).not.toBe(spec);
    module = await loadSnippet(mutant);
  });

  // By hand: the Byzantine p3 sends READY(0) to one correct process and READY(1) to another;
  // each delivers at once. Two forged messages, each an inject and a delivery: 4 steps. No
  // shorter run can make two processes deliver different values.
  it('BFS finds a shortest counterexample: 4 steps, agreement violated, and it replays', () => {
    const config: ExploreConfig = {
      ...base(module, { n: 4, f: 1, sender: 0 }), byzantine: [3],
      workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }],
    };
    const r = explore(config);
    expect(r.verdict).toBe('violation');
    expect(r.violation?.property).toBe('agreement');
    expect(r.counterexample).toHaveLength(4);
    expect(r.counterexample!.map((s) => s.event.kind)).toEqual(['inject', 'deliver', 'inject', 'deliver']);
    const replayed = replaySteps(module, config.params, [3], r.counterexample!, { checkLiveness: false });
    expect(replayed.violation?.property).toBe('agreement');
    expect(replayed.applied).toHaveLength(4);

    const dfs = explore({ ...config, search: 'dfs' });
    expect(dfs.verdict).toBe('violation');
    expect(dfs.violation?.property).toBe('agreement');
    expect(dfs.counterexample!.length).toBeGreaterThanOrEqual(4);
  });

  // p3 is not the sender, and SEND is read only `from sender`: SEND(0) and SEND(1) forged by p3
  // to p0, p1, p2 (6 pairs) could never be read, so they are not made. Universe: 3 types x 2 values.
  it('leaves out forgeries no rule could ever read, and only those', () => {
    const config: ExploreConfig = {
      ...base(module, { n: 4, f: 1, sender: 0 }), byzantine: [3], maxStates: 50,
      workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }],
    };
    const r = explore(config);
    expect(r.byzantineUniverse).toBe(6);
    expect(r.unreadableForgeries).toBe(6);
    // With p3 as the sender, p3's SENDs are read: nothing is left out.
    expect(explore({ ...config, params: { n: 4, f: 1, sender: 3 }, workload: [] }).unreadableForgeries).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// Mutants from tests/mutants whose shortest counterexample was worked out by hand. BFS counts
// moves (a forged message is one move: inject and deliver, two steps); in each case below
// every shortest run in moves has the same number of steps.

describe('shortest counterexamples of mutants, worked out by hand', () => {
  const mutantsDir = join(import.meta.dirname, '..', '..', 'mutants');
  const load = (path: string) => loadSnippet(readFileSync(join(mutantsDir, path), 'utf8'));
  const check = (module: ProtocolModule<any, any>, config: Partial<ExploreConfig> & { params: unknown }, property: string, steps: number) => {
    const r = explore({ ...base(module, config.params), deadMessages: 'ignore', ...config });
    expect(r.verdict).toBe('violation');
    expect(r.violation?.property).toBe(property);
    expect(r.counterexample).toHaveLength(steps);
    const replayed = replaySteps(module, config.params, config.byzantine ?? [], r.counterexample!, { checkLiveness: false });
    expect(replayed.violation?.property).toBe(property);
    expect(replayed.applied).toHaveLength(steps);
    return r;
  };

  // Delivery on a single READY. Each correct delivery is one delivery step, and needs a READY
  // in flight first; the correct sender's value needs a long echo/ready path, so both values
  // come from the Byzantine p3: inject READY(0) to one, READY(1) to another: 4 steps.
  it('bracha-broadcast/deliver-from-any: agreement, 4 steps', async () => {
    const r = check(await load('bracha-broadcast/deliver-from-any.rio'), {
      params: { n: 4, f: 1, sender: 0 }, byzantine: [3], workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }],
    }, 'agreement', 4);
    expect(r.counterexample!.map((s) => s.event.kind)).toEqual(['inject', 'deliver', 'inject', 'deliver']);
  });

  // SEND accepted from anyone. p must see ECHO(v) from more than (4 + 1) / 2, i.e. 3 distinct
  // processes, for a v the correct sender never sent: the Byzantine p3's own ECHO (a forgery:
  // 2 steps) and two correct echoers, each needing a forged SEND (2 steps) and the delivery
  // of its ECHO to p (1 step): 2 + 2 * 3 = 8 steps.
  it('echo-broadcast/sender-check-dropped: integrity, 8 steps', async () => {
    const r = check(await load('echo-broadcast/sender-check-dropped.rio'), {
      params: { n: 4, f: 1, sender: 0 }, byzantine: [3],
    }, 'integrity', 8);
    expect(r.counterexample!.filter((s) => s.event.kind === 'inject')).toHaveLength(3);
  });

  // Delivery on ECHO from f + 1 = 2 processes, with a Byzantine sender p0. Two correct
  // processes must deliver different values; each needs two distinct echoers of its value.
  // A correct echoer echoes once (sentEcho), so the two values need two different correct
  // echoers, each costing a forged SEND (2 steps) and the delivery of its ECHO (1 step); the
  // cheapest second echoer is the Byzantine sender's forged ECHO (2 steps): 2 * (3 + 2) = 10.
  it('echo-broadcast/echo-quorum-lowered: consistency, 10 steps', async () => {
    check(await load('echo-broadcast/echo-quorum-lowered.rio'), {
      params: { n: 4, f: 1, sender: 0 }, byzantine: [0],
    }, 'consistency', 10);
  });

  // The coordinator commits on a majority (2 of 3) of YES votes, so validity (commit only if
  // every participant voted YES) fails as soon as two votes arrive: the request (1 step),
  // VOTE_REQ delivered to two participants (2), their VOTEs delivered (2): 5 steps. Nothing
  // shorter decides commit: the coordinator needs two VOTEs, each after its VOTE_REQ. The
  // trace begins with the three participants' starts (each starts its VOTE-REQ timer): 8 steps.
  it('two-phase-commit/vote-quorum-lowered: validity, 5 steps after the starts', async () => {
    const r = check(await load('two-phase-commit/vote-quorum-lowered.rio'), {
      params: { participants: 3 }, crashes: 0, workload: [{ process: 0, request: { type: 'commitTransaction' } }],
    }, 'validity', 8);
    expect(r.counterexample!.map((s) => s.event.kind)).toEqual(['start', 'start', 'start', 'request', 'deliver', 'deliver', 'deliver', 'deliver']);
  });
});

// ---------------------------------------------------------------------------------------
// A timer that re-arms itself makes the space infinite (time is abstract: it may expire at
// any moment); maxTimeouts bounds each process's expiries.

const tick = `
protocol Tick
  parameters n: Nat
  state
    ticks: Nat = 0
  timers
    T
  upon start
    start timer T after 1
  upon timeout T
    ticks := ticks + 1
    start timer T after 1
  property counted
    always forall p in correct: p.ticks <= 2
`;

describe('a bound on timer expiries', () => {
  let module: ProtocolModule<any, any>;
  beforeAll(async () => {
    module = await loadSnippet(tick);
  });

  // One process: ticks 0, 1, 2 (the timer still running in each): 3 states, 2 transitions.
  it('makes a self-rearming timer finite, and says the space was bounded', () => {
    const r = explore({ ...base(module, { n: 1 }), maxTimeouts: 2 });
    expect(r).toMatchObject({ verdict: 'ok', complete: true, timeoutsBounded: true, states: 3, transitions: 2 });
    expect(r.deadlocks).toBe(0);
  });

  // Two processes: pairs (a, b) with a, b in 0..2: 9 states; up to swapping the two: 6.
  it('bounds each process on its own, and composes with symmetry', () => {
    expect(explore({ ...base(module, { n: 2 }), maxTimeouts: 2 }).states).toBe(9);
    const reduced = explore({ ...base(module, { n: 2 }), maxTimeouts: 2, symmetry: true });
    expect(reduced.states).toBe(6);
    expect(reduced.symmetry).toMatchObject({ applied: true, factor: 9 / 6 });
  });

  it('without a bound or with 3 expiries, finds the third tick that breaks the property', () => {
    for (const maxTimeouts of [undefined, 3]) {
      const r = explore({ ...base(module, { n: 1 }), ...(maxTimeouts === undefined ? {} : { maxTimeouts }) });
      expect(r.violation?.property).toBe('counted');
      expect(r.counterexample!.map((s) => s.event.kind)).toEqual(['start', 'timeout', 'timeout', 'timeout']);
    }
  });

  // Regression: counterexamples left out the start steps, so a replay never sent what the
  // start rules send, and showed the first delivery as "not possible here".
  it('a counterexample starts with the start steps that did something, and replays', async () => {
    const module = await loadSnippet(ping.replace('always forall p in correct: p.got or not p.got', 'always forall p in correct: not p.got'));
    const r = explore(base(module, { n: 2 }));
    expect(r.violation?.property).toBe('quiet');
    expect(r.counterexample!.map((s) => s.event.kind)).toEqual(['start', 'start', 'deliver']);
    const replayed = replaySteps(module, { n: 2 }, [], r.counterexample!, { checkLiveness: false });
    expect(replayed.applied).toHaveLength(3);
    expect(replayed.violation).toMatchObject({ property: 'quiet', step: 2 });
  });
});
