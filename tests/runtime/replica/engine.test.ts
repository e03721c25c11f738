/**
 * Semantic tests of the rule engine (runtime/replica/engine.ts), driving replicas by hand
 * and asserting their exact effects and firings. The semantics are those of
 * docs/language.md, section 7.6: received messages are kept, rules fire until quiescence in
 * declaration order, at most once per binding, quorums count distinct senders, guards are
 * evaluated at firing time.
 *
 * Bracha's broadcast is the generated module of specs/bracha-broadcast.rio; the other
 * protocols are small snippets compiled for the test (tests/helpers/compile-snippet.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BrachaBroadcast } from '../../../generated/bracha-broadcast.js';
import {
  encodeState,
  Replica,
  Rng,
  setOf,
  symbolicCrypto,
  type Chooser,
  type Data,
  type Effect,
  type Environment,
  type Input,
  type Process,
  type ProtocolModule,
  type StepResult,
  type Tagged,
} from '../../../runtime/replica/index.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';

/** Always picks the first option: these tests exercise no `choose`. */
const firstChooser: Chooser = { choose: () => 0 };
const env: Environment = { chooser: firstChooser, crypto: symbolicCrypto };

const receive = (from: Process, message: Tagged | Data): Input => ({ kind: 'receive', from, message: message as Tagged });
const request = (req: Tagged): Input => ({ kind: 'request', request: req });
const sendToAll = (n: number, message: Data): Effect[] => Array.from({ length: n }, (_, to) => ({ kind: 'send', to, message }) as Effect);
/** The rule names of a step's firings, in order. */
const fired = (result: StepResult) => result.firings.map((f) => f.rule);
const nothing: StepResult = { effects: [], firings: [] };
/** The indications among a step's effects, in order. */
const indications = (result: StepResult): Tagged[] => result.effects.flatMap((e) => (e.kind === 'indicate' ? [e.indication] : []));

/** A protocol module loaded once for a `describe` block. */
function snippet(source: string, name?: string): () => ProtocolModule<any, any> {
  let module: ProtocolModule<any, any> | undefined;
  beforeAll(async () => {
    module = await loadSnippet(source, name);
  });
  return () => {
    if (module === undefined) throw new Error('snippet not loaded');
    return module;
  };
}

// ---------------------------------------------------------------------------------------
// (a), (b), (d): Bracha's broadcast, n = 4, f = 1: the ECHO quorum is (n + f) / 2 + 1 = 3.

describe("Bracha's broadcast (generated/bracha-broadcast.ts), n = 4, f = 1", () => {
  const params = { n: 4, f: 1, sender: 0 };
  const bracha = (self: Process = 1) => new Replica(BrachaBroadcast, params, self, env);

  it('the ECHO quorum rule fires exactly on the 3rd distinct sender, not on a duplicate', () => {
    const r = bracha();
    expect(r.handle(receive(0, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    // The same sender again: still one sender.
    expect(r.handle(receive(0, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    expect(r.handle(receive(2, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    expect(r.handle(receive(2, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    expect(r.vars.sentReady).toBe(false);
    const third = r.handle(receive(3, { type: 'ECHO', m: 7 }));
    expect(third.firings).toEqual([{ rule: 'onReceivingEchoFromQuorum', source: 'specs/bracha-broadcast.rio:33', path: '', binding: { m: 7 } }]);
    expect(third.effects).toEqual(sendToAll(4, { type: 'READY', m: 7 }));
    expect(r.vars.sentReady).toBe(true);
  });

  it('a duplicate message is stored once', () => {
    const r = bracha();
    r.handle(receive(0, { type: 'ECHO', m: 7 }));
    const once = encodeState(r.state);
    r.handle(receive(0, { type: 'ECHO', m: 7 }));
    expect(encodeState(r.state)).toBe(once);
    expect([...r.state.received.get('ECHO')!.values()]).toEqual([{ message: { type: 'ECHO', m: 7 }, senders: [0] }]);
  });

  it('stores each message under its canonical encoding, small field values or not, and tells apart messages with other fields', () => {
    const r = bracha();
    // Small naturals and booleans take the engine's per-type shortcut; 5000, strings and extra fields do not.
    const messages: Tagged[] = [
      { type: 'ECHO', m: 7 },
      { type: 'ECHO', m: 5000 },
      { type: 'ECHO', m: true },
      { type: 'ECHO', m: 'v' },
      { type: 'ECHO', m: 7, extra: 1 },
      { type: 'ECHO' },
    ];
    for (const message of messages) r.handle(receive(0, message));
    r.handle(receive(2, { m: 7, type: 'ECHO' }));
    const stored = r.state.received.get('ECHO')!;
    expect([...stored.keys()]).toEqual(['{"m":7,"type":"ECHO"}', '{"m":5000,"type":"ECHO"}', '{"m":true,"type":"ECHO"}', '{"m":"v","type":"ECHO"}', '{"extra":1,"m":7,"type":"ECHO"}', '{"type":"ECHO"}']);
    expect(stored.get('{"m":7,"type":"ECHO"}')!.senders).toEqual([0, 2]);
    expect(stored.get('{"extra":1,"m":7,"type":"ECHO"}')!.senders).toEqual([0]);
  });

  it('ECHOs of different values do not add up to a quorum', () => {
    const r = bracha();
    expect(r.handle(receive(0, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    expect(r.handle(receive(2, { type: 'ECHO', m: 8 }))).toEqual(nothing);
    expect(r.handle(receive(3, { type: 'ECHO', m: 9 }))).toEqual(nothing);
    expect(r.handle(receive(1, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    expect(fired(r.handle(receive(3, { type: 'ECHO', m: 7 })))).toEqual(['onReceivingEchoFromQuorum']);
  });

  it('fires once per binding: a 4th ECHO of the same value does nothing', () => {
    const r = bracha();
    for (const p of [0, 2]) r.handle(receive(p, { type: 'ECHO', m: 7 }));
    expect(fired(r.handle(receive(3, { type: 'ECHO', m: 7 })))).toEqual(['onReceivingEchoFromQuorum']);
    expect(r.handle(receive(1, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    expect(r.state.fired['onReceivingEchoFromQuorum']).toEqual(['{"m":7}']);
  });

  it("another value's ECHO quorum does not fire under the guard `not sentReady`", () => {
    const r = bracha();
    for (const p of [0, 2, 3]) r.handle(receive(p, { type: 'ECHO', m: 7 }));
    for (const p of [0, 2, 3]) expect(r.handle(receive(p, { type: 'ECHO', m: 8 }))).toEqual(nothing);
  });

  it('the sender echoes the first SEND from the sender only, and ignores SEND from others', () => {
    const r = bracha();
    expect(r.handle(receive(2, { type: 'SEND', m: 5 }))).toEqual(nothing);
    const first = r.handle(receive(0, { type: 'SEND', m: 7 }));
    expect(first.firings).toEqual([{ rule: 'onReceivingSendFromSender', source: 'specs/bracha-broadcast.rio:29', path: '', binding: { m: 7 } }]);
    expect(first.effects).toEqual(sendToAll(4, { type: 'ECHO', m: 7 }));
    // An equivocating sender's second SEND is not echoed (sentEcho).
    expect(r.handle(receive(0, { type: 'SEND', m: 8 }))).toEqual(nothing);
  });

  it('the broadcast request sends SEND to every process, the sender included', () => {
    const r = bracha(0);
    const result = r.handle(request({ type: 'broadcast', m: 7 }));
    expect(result.firings).toEqual([{ rule: 'onBroadcast', source: 'specs/bracha-broadcast.rio:26', path: '', binding: { m: 7 } }]);
    expect(result.effects).toEqual(sendToAll(4, { type: 'SEND', m: 7 }));
  });

  it('READY amplification (f + 1) then delivery (2f + 1), each once', () => {
    const r = bracha();
    expect(r.handle(receive(0, { type: 'READY', m: 7 }))).toEqual(nothing);
    const amplify = r.handle(receive(2, { type: 'READY', m: 7 }));
    expect(fired(amplify)).toEqual(['onReceivingReadyFromQuorum']);
    expect(amplify.effects).toEqual(sendToAll(4, { type: 'READY', m: 7 }));
    const deliver = r.handle(receive(3, { type: 'READY', m: 7 }));
    expect(deliver.firings).toEqual([{ rule: 'onReceivingReadyFromQuorum2', source: 'specs/bracha-broadcast.rio:41', path: '', binding: { m: 7 } }]);
    expect(deliver.effects).toEqual([{ kind: 'indicate', indication: { type: 'deliver', m: 7 } }]);
    expect(r.vars.delivered).toBe(7);
    expect(r.handle(receive(1, { type: 'READY', m: 7 }))).toEqual(nothing);
  });

  it('guards are read at firing time: an ECHO quorum after READY amplification does not fire', () => {
    const r = bracha();
    for (const p of [0, 2]) r.handle(receive(p, { type: 'ECHO', m: 7 }));
    r.handle(receive(0, { type: 'READY', m: 7 }));
    expect(fired(r.handle(receive(2, { type: 'READY', m: 7 })))).toEqual(['onReceivingReadyFromQuorum']);
    expect(r.handle(receive(3, { type: 'ECHO', m: 7 }))).toEqual(nothing);
  });
});

// ---------------------------------------------------------------------------------------
// (b) per-binding firing without a one-shot guard.

describe('a quorum rule fires once per binding', () => {
  const Quorum = snippet(`
protocol Quorum
  parameters n: Nat, f: Nat
  interface
    request lower(k: Nat)
    indication quorum(m: Value)
  messages
    ECHO(m: Value)
  state
    needed: Nat = 3
  upon lower(k)
    needed := k
  upon receiving ECHO(m) from needed processes
    trigger quorum(m)
`);
  const make = () => new Replica(Quorum(), { n: 4, f: 1 }, 0, env);
  const quorumOf = (m: number): Effect => ({ kind: 'indicate', indication: { type: 'quorum', m } });

  it('fires for each value that reaches the quorum, once each', () => {
    const r = make();
    for (const p of [0, 1]) expect(r.handle(receive(p, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    for (const p of [0, 1]) expect(r.handle(receive(p, { type: 'ECHO', m: 8 }))).toEqual(nothing);
    const seven = r.handle(receive(2, { type: 'ECHO', m: 7 }));
    expect(seven.firings.map((f) => f.binding)).toEqual([{ m: 7 }]);
    expect(seven.effects).toEqual([quorumOf(7)]);
    expect(r.handle(receive(3, { type: 'ECHO', m: 7 }))).toEqual(nothing);
    const eight = r.handle(receive(3, { type: 'ECHO', m: 8 }));
    expect(eight.firings.map((f) => f.binding)).toEqual([{ m: 8 }]);
    expect(eight.effects).toEqual([quorumOf(8)]);
    expect(r.handle(receive(2, { type: 'ECHO', m: 8 }))).toEqual(nothing);
  });

  it('several bindings enabled at once all fire in the same step', () => {
    const r = make();
    for (const p of [0, 1]) r.handle(receive(p, { type: 'ECHO', m: 7 }));
    r.handle(receive(2, { type: 'ECHO', m: 8 }));
    const step = r.handle(request({ type: 'lower', k: 1 }));
    expect(fired(step)).toEqual(['onLower', 'onReceivingEchoFromQuorum', 'onReceivingEchoFromQuorum']);
    expect(step.effects).toEqual([quorumOf(7), quorumOf(8)]);
    // Lowering again fires nothing new.
    expect(fired(r.handle(request({ type: 'lower', k: 0 })))).toEqual(['onLower']);
  });

  // engine.ts: "the first enabled (rule, binding) in declaration order and canonical binding
  // order fires"; docs/language.md 7.6 expects the canonical order of the bindings. In the
  // canonical order (values.ts `compare`) 9 < 10.
  it('bindings enabled at once fire in canonical order (9 before 10)', () => {
    const r = make();
    r.handle(receive(0, { type: 'ECHO', m: 10 }));
    r.handle(receive(0, { type: 'ECHO', m: 9 }));
    const step = r.handle(request({ type: 'lower', k: 1 }));
    expect(step.effects).toEqual([quorumOf(9), quorumOf(10)]);
  });

  // The same for a single-message rule whose sender binds: {q: 2} comes before {q: 10}.
  it('single-message bindings enabled at once fire in canonical order (sender 2 before 10)', async () => {
    const Senders = await loadSnippet(`
protocol Senders
  parameters n: Nat
  interface
    request open()
    indication seen(q: Process)
  messages
    PING
  state
    isOpen: Bool = false
  upon open()
    isOpen := true
  upon receiving PING from q when isOpen
    trigger seen(q)
`);
    const r = new Replica(Senders, { n: 12 }, 0, env);
    for (const p of [10, 2, 11, 3]) expect(r.handle(receive(p, { type: 'PING' }))).toEqual(nothing);
    const step = r.handle(request({ type: 'open' }));
    expect(indications(step).map((i) => i['q'])).toEqual([2, 3, 10, 11]);
  });
});

// ---------------------------------------------------------------------------------------
// (c) rules enabled by another rule's effect fire in the same step.

describe('rules enabled during a step fire in the same step', () => {
  const Chain = snippet(`
protocol Chain
  parameters n: Nat
  interface
    indication done(x: Nat)
    indication early(x: Nat)
  messages
    PING(x: Nat)
  state
    flag: Bool = false
    got: Nat = 0
    twice: Bool = false
  upon twice
    trigger early(got)
  upon receiving PING(x) from any
    flag := true
    got := x
  upon flag
    twice := true
    trigger done(got)
`);

  it('a receive rule sets a flag; the condition rules on it fire in the same handle call, in order', () => {
    const r = new Replica(Chain(), { n: 3 }, 0, env);
    const step = r.handle(receive(2, { type: 'PING', x: 5 }));
    // `upon flag` is enabled by the receive rule; `upon twice`, declared first, by `upon flag`.
    expect(step.firings).toEqual([
      { rule: 'onReceivingPingFromAny', source: 'snippet.rio:15', path: '', binding: { x: 5 } },
      { rule: 'onCondition2', source: 'snippet.rio:18', path: '', binding: {} },
      { rule: 'onCondition', source: 'snippet.rio:13', path: '', binding: {} },
    ]);
    expect(step.effects).toEqual([
      { kind: 'indicate', indication: { type: 'done', x: 5 } },
      { kind: 'indicate', indication: { type: 'early', x: 5 } },
    ]);
  });

  it('a condition rule fires on a false-to-true change only, not again while it stays true', () => {
    const r = new Replica(Chain(), { n: 3 }, 0, env);
    r.handle(receive(2, { type: 'PING', x: 5 }));
    const again = r.handle(receive(1, { type: 'PING', x: 6 }));
    expect(fired(again)).toEqual(['onReceivingPingFromAny']);
    expect(again.effects).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// (d) guards are evaluated at firing time.

describe('guards are evaluated at firing time', () => {
  const Gate = snippet(`
protocol Gate
  parameters n: Nat
  interface
    request open()
    indication passed(m: Value)
    indication first(m: Value)
    indication second(m: Value)
  messages
    VOTE(m: Value)
    BALLOT(m: Value)
  state
    isOpen: Bool = false
    done: Bool = false
  upon open()
    isOpen := true
  upon receiving VOTE(m) from 2 processes when isOpen
    trigger passed(m)
  upon receiving BALLOT(m) from 2 processes when not done
    done := true
    trigger first(m)
  upon receiving BALLOT(m) from 2 processes when not done
    trigger second(m)
`);
  const make = () => new Replica(Gate(), { n: 3 }, 0, env);

  it('a quorum reached while the guard is false fires later, in the step that makes the guard true', () => {
    const r = make();
    expect(r.handle(receive(0, { type: 'VOTE', m: 4 }))).toEqual(nothing);
    expect(r.handle(receive(1, { type: 'VOTE', m: 4 }))).toEqual(nothing);
    expect(r.handle(receive(2, { type: 'VOTE', m: 4 }))).toEqual(nothing);
    const step = r.handle(request({ type: 'open' }));
    expect(step.firings).toEqual([
      { rule: 'onOpen', source: 'snippet.rio:15', path: '', binding: {} },
      { rule: 'onReceivingVoteFromQuorum', source: 'snippet.rio:17', path: '', binding: { m: 4 } },
    ]);
    expect(step.effects).toEqual([{ kind: 'indicate', indication: { type: 'passed', m: 4 } }]);
    expect(r.handle(request({ type: 'open' })).effects).toEqual([]);
  });

  it('a rule enabled at the start of a step does not fire if an earlier rule falsifies its guard', () => {
    const r = make();
    r.handle(receive(0, { type: 'BALLOT', m: 1 }));
    const step = r.handle(receive(1, { type: 'BALLOT', m: 1 }));
    expect(fired(step)).toEqual(['onReceivingBallotFromQuorum']);
    expect(step.effects).toEqual([{ kind: 'indicate', indication: { type: 'first', m: 1 } }]);
    expect(r.handle(receive(2, { type: 'BALLOT', m: 1 }))).toEqual(nothing);
  });
});

// ---------------------------------------------------------------------------------------
// (e) timers.

describe('timers', () => {
  const Clock = snippet(`
protocol Clock
  parameters n: Nat
  interface
    request begin(r: Nat)
    request stop(r: Nat)
    indication expired(r: Nat)
  timers
    T(r: Nat)
  state
    round: Nat = 0
  upon begin(r)
    round := r
    start timer T(r) after 5
  upon stop(r)
    cancel timer T(r)
  upon timeout T(r) when r = round
    trigger expired(r)
`);
  const make = () => new Replica(Clock(), { n: 2 }, 0, env);

  it('start timer and cancel timer are effects with the timer, its arguments and the delay', () => {
    const r = make();
    expect(r.handle(request({ type: 'begin', r: 3 })).effects).toEqual([{ kind: 'startTimer', timer: 'T', args: [3], delay: 5 }]);
    expect(r.handle(request({ type: 'stop', r: 3 })).effects).toEqual([{ kind: 'cancelTimer', timer: 'T', args: [3] }]);
  });

  it('a timeout input fires the timeout rule with the timer arguments bound', () => {
    const r = make();
    r.handle(request({ type: 'begin', r: 3 }));
    const step = r.handle({ kind: 'timeout', timer: 'T', args: [3] });
    expect(step.firings).toEqual([{ rule: 'onTimeoutT', source: 'snippet.rio:17', path: '', binding: { r: 3 } }]);
    expect(step.effects).toEqual([{ kind: 'indicate', indication: { type: 'expired', r: 3 } }]);
  });

  it('a timeout whose guard is false, or of another timer, fires nothing', () => {
    const r = make();
    r.handle(request({ type: 'begin', r: 3 }));
    expect(r.handle({ kind: 'timeout', timer: 'T', args: [2] })).toEqual(nothing);
    expect(r.handle({ kind: 'timeout', timer: 'U', args: [3] })).toEqual(nothing);
  });
});

// ---------------------------------------------------------------------------------------
// (f) keyed sub-modules.

describe('a keyed sub-module (uses Child(...) as c[k: Process])', () => {
  const source = `
protocol Child
  parameters n: Nat, owner: Process
  interface
    request req(v: Nat)
    indication ind(v: Nat)
  messages
    PING(v: Nat)
  timers
    Tick(v: Nat)
  upon req(v)
    broadcast PING(v)
    start timer Tick(v) after 2
    trigger ind(v + 1)
  upon receiving PING(v) from owner
    trigger ind(v)
  upon timeout Tick(v)
    trigger ind(v + 100)

protocol Parent
  parameters n: Nat
  uses Child(n, k) as c[k: Process]
  interface
    request go(k: Process, v: Nat)
    indication got(k: Process, v: Nat)
  state
    last: Nat = 0
  upon go(k, v)
    trigger c[k].req(v)
  upon c[k].ind(v)
    last := v
    trigger got(k, v)
`;
  const Parent = snippet(source, 'Parent');
  const make = (self: Process = 1) => new Replica(Parent(), { n: 3 }, self, env);
  const via = (key: Data, message: Data) => ({ type: '$via', via: 'c', key, message });

  it('creates the instance for key k on the first trigger; its indication reaches the parent in the same step; its sends are wrapped', () => {
    const r = make();
    expect(r.state.children['c']).toBeUndefined();
    const step = r.handle(request({ type: 'go', k: 2, v: 5 }));
    expect(Object.keys(r.state.children['c'] ?? {})).toEqual(['2']);
    expect(step.firings).toEqual([
      { rule: 'onGo', source: 'snippet.rio:28', path: '', binding: { k: 2, v: 5 } },
      { rule: 'onReq', source: 'snippet.rio:11', path: 'c[2]', binding: { v: 5 } },
      { rule: 'onCInd', source: 'snippet.rio:30', path: '', binding: { k: 2, v: 6 } },
    ]);
    expect(step.effects).toEqual([
      ...sendToAll(3, via(2, { type: 'PING', v: 5 })),
      { kind: 'startTimer', timer: 'c/Tick', args: [2, 5], delay: 2 },
      { kind: 'indicate', indication: { type: 'got', k: 2, v: 6 } },
    ]);
    expect(r.vars.last).toBe(6);
    // A second instance, for another key.
    r.handle(request({ type: 'go', k: 0, v: 1 }));
    expect(Object.keys(r.state.children['c']!).sort()).toEqual(['0', '2']);
  });

  it("delivers the instance's indication to the parent's `upon c[k].ind` rule in the same step", () => {
    const r = make();
    // The owner of instance 2 is process 2: its PING makes the instance indicate.
    const step = r.handle(receive(2, via(2, { type: 'PING', v: 9 })));
    expect(Object.keys(r.state.children['c']!)).toEqual(['2']);
    expect(step.firings).toEqual([
      { rule: 'onReceivingPingFromOwner', source: 'snippet.rio:15', path: 'c[2]', binding: { v: 9 } },
      { rule: 'onCInd', source: 'snippet.rio:30', path: '', binding: { k: 2, v: 9 } },
    ]);
    expect(step.effects).toEqual([{ kind: 'indicate', indication: { type: 'got', k: 2, v: 9 } }]);
    expect(r.vars.last).toBe(9);
    // Not from the owner: the instance ignores it.
    expect(fired(r.handle(receive(1, via(2, { type: 'PING', v: 10 }))))).toEqual([]);
  });

  it('keeps instances apart: the same message to another key is a new binding there', () => {
    const r = make();
    r.handle(receive(2, via(2, { type: 'PING', v: 9 })));
    expect(r.handle(receive(2, via(2, { type: 'PING', v: 9 })))).toEqual(nothing);
    const other = r.handle(receive(0, via(0, { type: 'PING', v: 9 })));
    expect(other.firings.map((f) => `${f.path}:${f.rule}`)).toEqual(['c[0]:onReceivingPingFromOwner', ':onCInd']);
  });

  it('collect(alias, key) removes the instance', () => {
    const r = make();
    r.handle(request({ type: 'go', k: 2, v: 5 }));
    r.handle(request({ type: 'go', k: 0, v: 5 }));
    r.collect('c', 2);
    expect(Object.keys(r.state.children['c']!)).toEqual(['0']);
    r.collect('c', 0);
    expect(r.state.children['c']?.['0']).toBeUndefined();
  });

  it('snapshot and restore carry the instances', () => {
    const r = make();
    r.handle(receive(2, via(2, { type: 'PING', v: 9 })));
    const saved = r.snapshot();
    const before = encodeState(r.state);
    r.handle(receive(0, via(0, { type: 'PING', v: 3 })));
    expect(encodeState(saved)).toBe(before);
    const fresh = make();
    fresh.restore(saved);
    expect(encodeState(fresh.state)).toBe(before);
    // The restored instance remembers it has fired for PING(9) from 2.
    expect(fresh.handle(receive(2, via(2, { type: 'PING', v: 9 })))).toEqual(nothing);
    // Restoring into the replica itself forgets instance 0, made after the snapshot.
    r.restore(saved);
    expect(encodeState(r.state)).toBe(before);
    expect(fired(r.handle(receive(0, via(0, { type: 'PING', v: 3 }))))).toEqual(['onReceivingPingFromOwner', 'onCInd']);
  });

  // The instance's `start timer Tick(5)` comes out as `startTimer c/Tick [2, 5]`; when the
  // executor reports that timer's expiry back, the instance's `upon timeout Tick(v)` must run.
  it("routes the timeout of an instance's timer back to the instance", () => {
    const r = make();
    const started = r.handle(request({ type: 'go', k: 2, v: 5 })).effects.find((e) => e.kind === 'startTimer')!;
    expect(started).toEqual({ kind: 'startTimer', timer: 'c/Tick', args: [2, 5], delay: 2 });
    const step = r.handle({ kind: 'timeout', timer: 'c/Tick', args: [2, 5] });
    expect(step.firings.map((f) => `${f.path}:${f.rule}`)).toEqual(['c[2]:onTimeoutTick', ':onCInd']);
    expect(step.effects).toEqual([{ kind: 'indicate', indication: { type: 'got', k: 2, v: 105 } }]);
  });
});

// ---------------------------------------------------------------------------------------
// (h) `as msgs`: the collected messages, with their senders.

describe('quorums over distinct senders with `as msgs`', () => {
  const Collect = snippet(`
protocol Collect
  parameters n: Nat
  interface
    indication got(r: Nat, senders: Set[Process], xs: Set[Nat], top: Process)
  messages
    V(a: Nat, r: Nat)
  upon receiving V(_, r) from 3 processes as msgs
    trigger got(r, { m.sender | m in msgs }, { m.a | m in msgs }, (max m in msgs by m.r).sender)
`);
  const make = () => new Replica(Collect(), { n: 5 }, 0, env);

  /** Three V(_, 1) from 0, 2 and 3, with a duplicate from 0 and a V(_, 2) in between. */
  function run(r: Replica) {
    const steps = [
      r.handle(receive(0, { type: 'V', a: 9, r: 1 })),
      r.handle(receive(0, { type: 'V', a: 9, r: 1 })),
      r.handle(receive(1, { type: 'V', a: 4, r: 2 })),
      r.handle(receive(2, { type: 'V', a: 5, r: 1 })),
    ];
    for (const s of steps) expect(s).toEqual(nothing);
    return r.handle(receive(3, { type: 'V', a: 7, r: 1 }));
  }

  it('fires on the third distinct sender, with every matching message and its sender', () => {
    const step = run(make());
    expect(step.firings).toHaveLength(1);
    const { binding } = step.firings[0]!;
    expect(binding['r']).toBe(1);
    const msgs = binding['msgs'] as readonly Record<string, Data>[];
    expect([...msgs].sort((x, y) => (x['sender'] as number) - (y['sender'] as number))).toEqual([
      { type: 'V', a: 9, r: 1, sender: 0 },
      { type: 'V', a: 5, r: 1, sender: 2 },
      { type: 'V', a: 7, r: 1, sender: 3 },
    ]);
    const [indication] = indications(step);
    expect(indication).toBeDefined();
    expect(indication!['senders']).toEqual([0, 2, 3]);
    expect(indication!['xs']).toEqual([5, 7, 9]);
  });

  it('the `msgs` set is a canonical set (sorted in the canonical order, as setOf makes it)', () => {
    const msgs = run(make()).firings[0]!.binding['msgs'] as readonly Data[];
    expect(msgs).toEqual(setOf(msgs));
  });

  // docs/language.md 5.8: "on a tie, the least element in canonical order". All three
  // messages have r = 1; the least in canonical order is the one with a = 5 (from 2).
  it('`max m in msgs by m.r` breaks the tie by canonical order', () => {
    const step = run(make());
    expect(indications(step)[0]?.['top']).toBe(2);
  });

  it('only messages from `of S` count', async () => {
    const Among = await loadSnippet(`
protocol Among
  parameters n: Nat
  interface
    indication got(senders: Set[Process])
  messages
    V(r: Nat)
  upon receiving V(r) from 2 processes of {1, 2, 3} as msgs
    trigger got({ m.sender | m in msgs })
`);
    const r = new Replica(Among, { n: 5 }, 0, env);
    expect(r.handle(receive(0, { type: 'V', r: 1 }))).toEqual(nothing);
    expect(r.handle(receive(4, { type: 'V', r: 1 }))).toEqual(nothing);
    expect(r.handle(receive(2, { type: 'V', r: 1 }))).toEqual(nothing);
    expect(r.handle(receive(3, { type: 'V', r: 1 })).effects).toEqual([{ kind: 'indicate', indication: { type: 'got', senders: [2, 3] } }]);
  });
});

// ---------------------------------------------------------------------------------------
// (g) determinism, snapshot and restore.

describe('determinism', () => {
  const params = { n: 4, f: 1, sender: 0 };
  const self = 0;

  /** 50 inputs for process 0 of Bracha (n = 4), from a fixed seed: requests and messages of two values. */
  function inputs(seed: number, count = 50): Input[] {
    const rng = new Rng(seed);
    const out: Input[] = [];
    for (let i = 0; i < count; i++) {
      const m = rng.pick([7, 8]);
      if (rng.below(10) === 0) out.push(request({ type: 'broadcast', m }));
      else out.push(receive(rng.below(4), { type: rng.pick(['SEND', 'ECHO', 'ECHO', 'READY', 'READY']), m }));
    }
    return out;
  }

  /** Runs the inputs on a replica; returns the encoding after each step and each step's result. */
  function runAll(replica: Replica, list: readonly Input[]) {
    const encodings: string[] = [];
    const results: string[] = [];
    for (const input of list) {
      results.push(JSON.stringify(replica.handle(input)));
      encodings.push(encodeState(replica.state));
    }
    return { encodings, results };
  }

  const list = inputs(20240611);

  it('the input list exercises the protocol (it delivers)', () => {
    const r = new Replica(BrachaBroadcast, params, self, env);
    const all = list.flatMap((input) => r.handle(input).firings.map((f) => f.rule));
    expect(all).toContain('onBroadcast');
    expect(all).toContain('onReceivingSendFromSender');
    expect(all).toContain('onReceivingReadyFromQuorum2');
    expect(all.filter((rule) => rule === 'onReceivingEchoFromQuorum' || rule === 'onReceivingReadyFromQuorum')).toHaveLength(1);
  });

  it('two fresh replicas given the same 50 inputs pass through byte-identical states', () => {
    const a = runAll(new Replica(BrachaBroadcast, params, self, env), list);
    const b = runAll(new Replica(BrachaBroadcast, params, self, env), list);
    expect(a.encodings).toHaveLength(50);
    expect(new Set(a.encodings).size).toBeGreaterThan(10);
    expect(b.encodings).toEqual(a.encodings);
    expect(b.results).toEqual(a.results);
  });

  it('restoring a snapshot and replaying the rest gives the same states', () => {
    const reference = runAll(new Replica(BrachaBroadcast, params, self, env), list);
    for (const cut of [0, 1, 17, 33, 49]) {
      const r = new Replica(BrachaBroadcast, params, self, env);
      runAll(r, list.slice(0, cut));
      const saved = r.snapshot();
      const savedText = encodeState(saved);
      // Go on past the snapshot: the snapshot must not change.
      runAll(r, list.slice(cut));
      expect(encodeState(saved)).toBe(savedText);
      // Into the same replica, and into a fresh one.
      for (const target of [r, new Replica(BrachaBroadcast, params, self, env)]) {
        target.restore(saved);
        expect(encodeState(target.state)).toBe(savedText);
        const replay = runAll(target, list.slice(cut));
        expect(replay.encodings).toEqual(reference.encodings.slice(cut));
        expect(replay.results).toEqual(reference.results.slice(cut));
      }
      // The snapshot can be restored again: restoring copies it.
      expect(encodeState(saved)).toBe(savedText);
    }
  });

  it('the encoding of a state does not depend on the order its records were built in', () => {
    const forward = new Replica(BrachaBroadcast, params, self, env);
    const backward = new Replica(BrachaBroadcast, params, self, env);
    const echoes = [1, 2, 3].map((p) => receive(p, { type: 'ECHO', m: 8 }));
    const readies = [2, 3].map((p) => receive(p, { type: 'READY', m: 8 }));
    for (const input of [...readies, ...echoes]) forward.handle(input);
    for (const input of [...echoes, ...readies].reverse()) backward.handle(input);
    expect(encodeState(backward.state)).toBe(encodeState(forward.state));
  });
});

// ---------------------------------------------------------------------------------------
// Garbage collection: `m \ K` drops the entries of a map whose keys are in K.

describe('map minus a set of keys', () => {
  const Slots = snippet(`
protocol Slots
  parameters n: Nat
  interface
    request put(slot: Nat, v: Nat)
    request forgetBelow(slot: Nat)
    indication size(k: Nat, at2: Nat)
  state
    log: Map[Nat, Nat] = {}
  upon put(slot, v)
    log[slot] := v
  upon forgetBelow(slot)
    log := log \\ { s in keys(log) | s < slot }
    trigger size(|log|, log[2])
`);

  it('removes exactly the keys in the set, and a removed key reads as the default again', () => {
    const r = new Replica(Slots(), { n: 1 }, 0, env);
    for (const [slot, v] of [[3, 30], [1, 10], [2, 20], [5, 50]] as const) r.handle(request({ type: 'put', slot, v }));
    const step = r.handle(request({ type: 'forgetBelow', slot: 3 }));
    expect(step.effects).toEqual([{ kind: 'indicate', indication: { type: 'size', k: 2, at2: 0 } }]);
    expect(r.vars).toEqual({ log: [[3, 30], [5, 50]] });
  });
});

// ---------------------------------------------------------------------------------------
// Guard shortcuts: `precondition` (leading conjuncts that do not read the binding) and
// `pin` (`when b = ballot` looks up its group) only skip work: a replica behaves exactly as
// one whose module has them removed, on any sequence of inputs.

describe('guard shortcuts change nothing but speed', () => {
  const Ballots = snippet(`
protocol Ballots
  parameters n: Nat
  interface
    request advance(b: Nat)
    request stop()
    indication quorum(b: Nat, v: Nat, k: Nat)
    indication first(b: Nat)
  messages
    VOTE(b: Nat, v: Nat)
  state
    ballot: Nat = 0
    open: Bool = true
    last: Seq[Nat] = []
  upon advance(b)
    ballot := b
  upon stop()
    open := false
  upon receiving VOTE(b, v) from 2 processes as msgs when open and b = ballot and v + 0 = v
    trigger quorum(b, v, |msgs|)
  upon receiving VOTE(b, _) from any when last[1] = b
    trigger first(b)
  upon receiving VOTE(b, _) from any when open
    last := append(last, b)
`);

  it('generates a precondition and a pin for the quorum rule', () => {
    const rule = Ballots().rules.find((r) => r.name.startsWith('onReceivingVoteFromQuorum'))!;
    expect(rule).toMatchObject({ staticBind: true, pin: { fields: ['b'] } });
    expect(typeof (rule as { precondition?: unknown }).precondition).toBe('function');
  });

  it('gives the same effects and states as the module without them, on 200 random input sequences', () => {
    const plain: ProtocolModule<any, any> = {
      ...Ballots(),
      rules: Ballots().rules.map((r) => {
        const { precondition: _p, pin: _q, ...rest } = r as typeof r & { precondition?: unknown; pin?: unknown };
        return rest as typeof r;
      }),
    };
    const rng = new Rng(7n);
    for (let run = 0; run < 200; run++) {
      const fast = new Replica(Ballots(), { n: 4 }, 0, env);
      const slow = new Replica(plain, { n: 4 }, 0, env);
      for (let i = 0; i < 30; i++) {
        const pick = rng.below(10);
        const input =
          pick === 0 ? request({ type: 'advance', b: rng.below(3) })
          : pick === 1 && rng.below(4) === 0 ? request({ type: 'stop' })
          : receive(rng.below(4), { type: 'VOTE', b: rng.below(3), v: rng.below(2) });
        let a: StepResult | string;
        let b: StepResult | string;
        try { a = fast.handle(input); } catch (e) { a = String(e); }
        try { b = slow.handle(input); } catch (e) { b = String(e); }
        expect(a).toEqual(b);
        expect(encodeState(fast.state)).toBe(encodeState(slow.state));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// Regressions found by the BFT specs: a record built in a comprehension (the generated arrow
// returned an object literal without parentheses: RIO9001), and a def that only verifies a
// signature (it was compiled without the process's cryptography: "ctx is not defined").

describe('records in comprehensions, and defs that verify signatures', () => {
  const Votes = snippet(`
protocol Votes
  parameters n: Nat
  interface
    indication counted(k: Nat)
  messages
    VOTE(k: Nat, s: Signature)
  record R(p: Process, k: Nat)
  state
    rs: Set[R] = {}
  def signed(p: Process, k: Nat, s: Signature): Bool = verify(s, p, k)
  upon start
    broadcast VOTE(1, sign(1))
  upon receiving VOTE(k, _) from 2 processes as msgs when forall m in msgs: signed(m.sender, m.k, m.s)
    rs := { R(m.sender, m.k) | m in msgs }
    trigger counted(|rs|)
`);

  it('builds the records and checks the signatures', () => {
    const r = new Replica(Votes(), { n: 3 }, 0, env);
    const sig = (p: number) => symbolicCrypto.sign(p, 1);
    expect(r.handle(receive(1, { type: 'VOTE', k: 1, s: sig(1) }))).toEqual(nothing);
    const step = r.handle(receive(2, { type: 'VOTE', k: 1, s: sig(2) }));
    expect(indications(step)).toEqual([{ type: 'counted', k: 2 }]);
    expect(r.vars).toEqual({ rs: [{ p: 1, k: 1 }, { p: 2, k: 1 }] });
    // A vote signed by someone else than its sender does not count.
    const forged = new Replica(Votes(), { n: 3 }, 0, env);
    forged.handle(receive(1, { type: 'VOTE', k: 1, s: sig(1) }));
    expect(indications(forged.handle(receive(2, { type: 'VOTE', k: 1, s: sig(1) })))).toEqual([]);
  });
});
