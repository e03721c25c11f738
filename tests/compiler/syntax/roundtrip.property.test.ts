/**
 * Properties of the parser and the canonical printer:
 *   (a) every spec in specs/ survives parse → print → parse unchanged (modulo ids and
 *       spans), and printing is idempotent;
 *   (b) random well-formed expressions survive print → parse, alone and in every kind of
 *       expression position;
 *   (c) mutated specs never make `parse` throw or hang, and every diagnostic it reports
 *       has a valid span and code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as ast from '../../../compiler/ast/ast.js';
import { printExpr, printSpec } from '../../../compiler/ast/print.js';
import { children, walk } from '../../../compiler/ast/walk.js';
import type { Span } from '../../../compiler/ast/span.js';
import { parse } from '../../../compiler/syntax/index.js';
import { applyMutations, mutatedSpec, mutation } from '../../helpers/mutate.js';

const specsDir = join(import.meta.dirname, '..', '..', '..', 'specs');
const specFiles = readdirSync(specsDir).filter((f) => f.endsWith('.rio')).sort();
const specSources = specFiles.map((f) => ({ file: f, text: readFileSync(join(specsDir, f), 'utf8') }));

/** A deep copy without `id` and `span` fields, for comparing ASTs. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'id' || k === 'span' || v === undefined) continue;
      out[k] = strip(v);
    }
    return out;
  }
  return value;
}

/** Parses text that must be free of diagnostics. */
function parseClean(text: string, id = 'test.rio'): ast.Spec {
  const result = parse({ id, text });
  expect(result.diagnostics.map((d) => `${d.code} @${d.span.start}: ${d.message}`), text).toEqual([]);
  return result.value;
}

/** Asserts parse(print(spec)) = spec modulo ids and spans, and that printing is idempotent. */
function expectRoundTrip(spec: ast.Spec): void {
  const printed = printSpec(spec);
  const reparsed = parseClean(printed, spec.file);
  expect(strip(reparsed)).toEqual(strip(spec));
  expect(printSpec(reparsed)).toBe(printed);
}

/** Every construct of the grammar (bare `else` blocks aside, see below). */
const kitchenSink = `// Every construct, once.
protocol Kitchen
  parameters n: Nat, f: Nat
  parameters
    leader: Process
    k: Nat, d: Nat
  assume n > 3 * f and k >= 1
  faults crash f
  uses ReliableBroadcast(n, f) as rb
  uses Consensus(n) as cons[slot: Nat]
  uses Clock as clock
  type Ballot = (Nat, Process)
  enum Phase = Idle | Voting | Done
  record Entry(term: Nat, value: Value)
  const quorum: Nat = (n + f) / 2 + 1
  const limit = 10
  def majority(s: Set[Process]): Bool = |s| > n / 2

  interface
    request propose(v: Value) at leader
    request reset
    indication decide(v: Value)

  messages
    PING
    VOTE(b: Ballot, v: Value)
    ACK(b: Ballot)

  state
    durable ballot: Ballot = (0, leader)
    phase: Phase = Idle
    log: Seq[Entry] = []
    votes: Map[Nat, Set[Process]] = {}
    decided: Option[Value]

  timers
    tick
    retry(b: Ballot)

  upon start
    start timer tick after d

  upon start when phase = Idle
    broadcast PING

  upon propose(v) when phase = Idle
    broadcast VOTE(ballot, v)
    send PING to leader
    broadcast ACK(ballot) to {p in correct | p != leader}

  collect: upon receiving VOTE(b, v) from a majority of correct as msgs
    let chosen: Value = max m in msgs by m.b.1
    let best = min m in msgs by -m.b.1
    for m in msgs
      votes[m.b.1] := votes[m.b.1] ∪ {self}
    if chosen = none
      assert false, "no \\"value\\""
    else if |msgs| >= quorum
      trigger decide(chosen)

  upon receiving ACK(_) from more than f processes of correct
    choose p in correct where p != self
    random q in 1..n
    trigger rb.broadcast(q)
    trigger cons[1].propose(p)
    trigger clock.tick()

  upon receiving PING from any
    cancel timer retry(ballot)
    cancel timer tick

  upon receiving PING from all of correct
    log := log ++ [Entry(1, none)]

  upon receiving PING from all
    log[1] := Entry(2, some(3))

  upon receiving PING from a majority
    ballot := (ballot.1 + 1, self)

  upon receiving PING from f + 1 processes
    assert log[1..2] = log[..2] and log[2..] = []

  upon receiving PING from leader when (|log| > 0 and limit > |log|)
    assert true

  upon timeout tick
    start timer retry(ballot) after d * 2

  upon timeout retry(b)
    assert b.1 >= 0

  upon rb.deliver(v)
    assert v not in {}

  upon cons[s].decide(v)
    assert s ∉ {1, 2} and s ∈ ∅ ∪ {3} ∩ {4} \\ {5}

  upon phase = Done and decided != none
    assert {x * 2 | x in 1..k and x % 2 = 0} ⊆ {y in 1..n | true}

  role Acceptor played by 2 * f + 1 processes
    state
      promised: Nat
    upon receiving PING from any when promised < 3
      promised := if promised > 0 then promised - 1 else -promised

  property safe
    always forall p, q in correct: p.decided != none implies p.decided = q.decided

  property live: eventually exists p in correct: p.decided != none

  property sizes always {1 -> "one", 2 -> "two\\n"} != {} or (1, 2).1 = 1

  scenario basic with n = 4, f = 1, leader = 0, k = 1, d = 5
    at 0 leader requests propose(7)
    at 5 2 crashes

protocol Second
  parameters n: Nat
  assume n > 0
`;

// ---------------------------------------------------------------------------------------
// (a) specs/*.rio

describe('round trip of the example specs', () => {
  it('finds the example specs', () => {
    expect(specFiles.length).toBeGreaterThan(0);
  });

  it.each(specSources)('$file: parse → print → parse is the identity, and printing is idempotent', ({ file, text }) => {
    expectRoundTrip(parseClean(text, file));
  });

  it('kitchen-sink spec with every construct: parse → print → parse is the identity', () => {
    expectRoundTrip(parseClean(kitchenSink, 'kitchen.rio'));
  });

  it('if-statement with an else block: parse → print → parse is the identity', () => {
    const text = 'protocol P\n  upon start\n    if x\n      y := 1\n    else\n      y := 2\n';
    expectRoundTrip(parseClean(text));
  });
});

// ---------------------------------------------------------------------------------------
// The traversal in walk.ts, on the same specs

/** Every node in a tree, found by looking at every field (the reference for `children`). */
function allNodes(value: unknown, out: ast.Node[] = []): ast.Node[] {
  if (Array.isArray(value)) {
    for (const v of value) allNodes(v, out);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o['id'] === 'number' && typeof o['kind'] === 'string') out.push(value as ast.Node);
    for (const [k, v] of Object.entries(o)) if (k !== 'span') allNodes(v, out);
  }
  return out;
}

describe('walk and children', () => {
  const corpus = [...specSources, { file: 'kitchen.rio', text: kitchenSink }];

  it.each(corpus)('$file: walk visits every node once, parents first, children in source order', ({ file, text }) => {
    const spec = parseClean(text, file);
    const visited: ast.Node[] = [];
    walk(spec, (n) => {
      visited.push(n);
    });
    const expected = allNodes(spec);
    expect(visited.length).toBe(expected.length);
    expect(new Set(visited)).toEqual(new Set(expected));
    const seen = new Set<ast.Node>();
    for (const n of visited) {
      for (const c of children(n)) expect(seen.has(c), `${c.kind} visited before its parent ${n.kind}`).toBe(false);
      seen.add(n);
      const kids = children(n);
      for (let i = 0; i < kids.length; i++) {
        const c = kids[i]!;
        expect(c.span.start >= n.span.start && c.span.end <= n.span.end, `${c.kind} inside ${n.kind}`).toBe(true);
        if (i > 0) expect(kids[i - 1]!.span.end <= c.span.start, `${kids[i - 1]!.kind} before ${c.kind} in ${n.kind}`).toBe(true);
      }
    }
  });

  it('skips the subtree of a node for which the visitor returns false', () => {
    const spec = parseClean(kitchenSink, 'kitchen.rio');
    const kinds: string[] = [];
    walk(spec, (n) => {
      kinds.push(n.kind);
      if (n.kind === 'rule' || n.kind === 'role') return false;
      return undefined;
    });
    const rules = spec.protocols[0]!.members.filter((m) => m.kind === 'rule').length;
    expect(kinds.filter((k) => k === 'rule')).toHaveLength(rules);
    for (const k of ['assign', 'send', 'broadcast', 'trigger', 'let', 'for', 'if']) expect(kinds).not.toContain(k);
    expect(kinds).toContain('stateVar');
  });
});

// ---------------------------------------------------------------------------------------
// (b) random expressions

const noSpan: Span = { file: 'generated', start: 0, end: 0 };
const mkName = (text: string): ast.Name => ({ text, span: noSpan });
/** Builds a node of the given shape with a dummy id and span. */
function mk<T extends ast.Expr>(fields: Omit<T, 'id' | 'span'>): T {
  return { id: 0, span: noSpan, ...fields } as T;
}

/** Names: plain ones and soft keywords (which the language accepts as names). */
const nameText = fc.constantFrom('x', 'y', 'n', 'f', 'p', 'q', 'msgs', 'log', 'sender', 'Idle', 'a', 'all', 'any', 'max', 'start', 'state', 'by', 'processes', 'majority');
const fieldText = fc.oneof(nameText, fc.constantFrom('1', '2', 'term', 'ballot'));
const binaryOp = fc.constantFrom<ast.BinaryOp>(
  'implies', 'or', 'and', '=', '!=', '<', '<=', '>', '>=', 'in', 'notIn', 'subset',
  '+', '-', '*', '/', '%', 'union', 'intersect', 'minus', 'concat', 'range',
);
const stringValue = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\t', ' ', 'é', '∀', '😀'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 })), maxLength: 8 })
  .filter((s) => !s.includes('\r'));

const leaf: fc.Arbitrary<ast.Expr> = fc.oneof(
  { arbitrary: fc.oneof(fc.nat(1000), fc.constant(Number.MAX_SAFE_INTEGER)).map((value) => mk<ast.NumberLit>({ kind: 'number', value })), weight: 3 },
  { arbitrary: fc.boolean().map((value) => mk<ast.BoolLit>({ kind: 'bool', value })), weight: 1 },
  { arbitrary: stringValue.map((value) => mk<ast.StringLit>({ kind: 'string', value })), weight: 1 },
  { arbitrary: fc.constant(mk<ast.NoneLit>({ kind: 'none' })), weight: 1 },
  { arbitrary: fc.constant(mk<ast.Wildcard>({ kind: 'wildcard' })), weight: 1 },
  { arbitrary: nameText.map((text) => mk<ast.NameExpr>({ kind: 'name', name: mkName(text) })), weight: 5 },
);

/** `name in S`: the one element shape a mapping comprehension cannot have (it reads as a filter). */
const isGeneratorShape = (e: ast.Expr): boolean => e.kind === 'binary' && e.op === 'in' && e.left.kind === 'name';

const exprCache = new Map<number, fc.Arbitrary<ast.Expr>>();
/** Well-formed expressions of nesting depth at most `depth`. */
function exprArb(depth: number): fc.Arbitrary<ast.Expr> {
  const cached = exprCache.get(depth);
  if (cached !== undefined) return cached;
  if (depth === 0) return leaf;
  const sub = exprArb(depth - 1);
  const items = (min: number, max: number): fc.Arbitrary<ast.Expr[]> => fc.array(sub, { minLength: min, maxLength: max });
  const composite: fc.Arbitrary<ast.Expr> = fc.oneof(
    fc.tuple(fc.constantFrom<ast.UnaryOp>('not', 'neg'), sub).map(([op, operand]) => mk<ast.Unary>({ kind: 'unary', op, operand })),
    fc.tuple(binaryOp, sub, sub).map(([op, left, right]) => mk<ast.Binary>({ kind: 'binary', op, left, right })),
    fc.tuple(binaryOp, sub, sub).map(([op, left, right]) => mk<ast.Binary>({ kind: 'binary', op, left, right })),
    fc.tuple(nameText, items(0, 3)).map(([callee, args]) => mk<ast.Call>({ kind: 'call', callee: mkName(callee), args })),
    fc.tuple(sub, fieldText).map(([target, field]) => mk<ast.FieldAccess>({ kind: 'field', target, field: mkName(field) })),
    fc.tuple(sub, sub).map(([target, index]) => mk<ast.IndexExpr>({ kind: 'index', target, index })),
    fc.tuple(sub, fc.option(sub, { nil: undefined }), fc.option(sub, { nil: undefined }))
      .filter(([, from, to]) => from !== undefined || to !== undefined)
      .map(([target, from, to]) =>
        mk<ast.SliceExpr>({ kind: 'slice', target, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }),
      ),
    sub.map((operand) => mk<ast.Cardinality>({ kind: 'cardinality', operand })),
    items(0, 3).map((elements) => mk<ast.SetLit>({ kind: 'setLit', elements })),
    items(0, 3).map((elements) => mk<ast.SeqLit>({ kind: 'seqLit', elements })),
    fc.oneof(fc.constant([]), items(2, 3)).map((elements) => mk<ast.TupleLit>({ kind: 'tupleLit', elements })),
    fc.array(fc.tuple(sub, sub), { minLength: 1, maxLength: 3 })
      .map((pairs) => mk<ast.MapLit>({ kind: 'mapLit', entries: pairs.map(([key, value]) => ({ key, value })) })),
    fc.tuple(nameText, sub, sub).map(([v, source, filter]) =>
      mk<ast.Comprehension>({ kind: 'comprehension', variable: mkName(v), source, filter }),
    ),
    fc.tuple(sub.filter((e) => !isGeneratorShape(e)), nameText, sub, fc.option(sub, { nil: undefined })).map(([element, v, source, filter]) =>
      mk<ast.Comprehension>({ kind: 'comprehension', variable: mkName(v), source, element, ...(filter === undefined ? {} : { filter }) }),
    ),
    fc.tuple(fc.constantFrom<'forall' | 'exists'>('forall', 'exists'), fc.array(nameText, { minLength: 1, maxLength: 2 }), sub, sub).map(
      ([quantifier, vars, source, body]) => mk<ast.Quantifier>({ kind: 'quantifier', quantifier, variables: vars.map(mkName), source, body }),
    ),
    fc.tuple(fc.constantFrom<'max' | 'min'>('max', 'min'), nameText, sub, sub).map(([op, v, source, key]) =>
      mk<ast.Extremum>({ kind: 'extremum', op, variable: mkName(v), source, key }),
    ),
    fc.tuple(sub, sub, sub).map(([condition, then, otherwise]) => mk<ast.IfExpr>({ kind: 'ifExpr', condition, then, otherwise })),
  );
  const arb = fc.oneof({ arbitrary: leaf, weight: 1 }, { arbitrary: composite, weight: 3 });
  exprCache.set(depth, arb);
  return arb;
}

const generatedExpr = exprArb(4);

/** A protocol whose only interesting part is `members`. */
function specOf(members: ast.Member[]): ast.Spec {
  const param: ast.Param = { kind: 'param', id: 0, span: noSpan, name: mkName('n'), type: { kind: 'namedType', id: 0, span: noSpan, name: mkName('Nat') } };
  const parameters: ast.ParametersDecl = { kind: 'parameters', id: 0, span: noSpan, params: [param] };
  return {
    kind: 'spec', id: 0, span: noSpan, file: 'generated.rio',
    protocols: [{ kind: 'protocol', id: 0, span: noSpan, name: mkName('P'), members: [parameters, ...members] }],
  };
}

describe('round trip of random expressions', () => {
  it('print → parse gives back an expression inside `assume` (modulo ids and spans)', () => {
    fc.assert(
      fc.property(generatedExpr, (e) => {
        const spec = specOf([{ kind: 'assume', id: 0, span: noSpan, condition: e }]);
        const text = printSpec(spec);
        const result = parse({ id: 'generated.rio', text });
        expect(result.diagnostics.map((d) => `${d.code} @${d.span.start}: ${d.message}`), text).toEqual([]);
        const member = result.value.protocols[0]!.members[1]!;
        expect(member.kind).toBe('assume');
        expect(strip((member as ast.AssumeDecl).condition), text).toEqual(strip(e));
        expect(printExpr((member as ast.AssumeDecl).condition)).toBe(printExpr(e));
      }),
      { numRuns: 600, seed: 20261126 },
    );
  });

  /** A spec that puts the expressions into every kind of expression position. */
  function everyPosition(es: ast.Expr[]): ast.Spec {
    const [e0, e1, e2, e3, e4, e5, e6, e7] = es as [ast.Expr, ast.Expr, ast.Expr, ast.Expr, ast.Expr, ast.Expr, ast.Expr, ast.Expr];
    const n = (text: string): ast.NameExpr => mk<ast.NameExpr>({ kind: 'name', name: mkName(text) });
    const call = (callee: string, args: ast.Expr[]): ast.Call => mk<ast.Call>({ kind: 'call', callee: mkName(callee), args });
    const s = <T extends ast.Stmt>(fields: Omit<T, 'id' | 'span'>): T => ({ id: 0, span: noSpan, ...fields }) as T;
    const body: ast.Stmt[] = [
      s<ast.AssignStmt>({ kind: 'assign', target: mk<ast.IndexExpr>({ kind: 'index', target: n('log'), index: e0 }), value: e1 }),
      s<ast.SendStmt>({ kind: 'send', message: call('M', [e2]), to: e3 }),
      s<ast.BroadcastStmt>({ kind: 'broadcast', message: call('M', [e4]), to: e5 }),
      s<ast.TriggerStmt>({ kind: 'trigger', instance: { module: mkName('rb'), key: e6, span: noSpan }, event: mkName('go'), args: [e7] }),
      s<ast.StartTimerStmt>({ kind: 'startTimer', timer: mkName('t'), args: [e0], delay: e1 }),
      s<ast.LetStmt>({ kind: 'let', name: mkName('v'), value: e2 }),
      s<ast.IfStmt>({ kind: 'if', condition: e3, then: [s<ast.AssertStmt>({ kind: 'assert', condition: e4, message: mk<ast.StringLit>({ kind: 'string', value: 'm' }) })] }),
      s<ast.ForStmt>({ kind: 'for', variable: mkName('i'), source: e5, body: [s<ast.ChooseStmt>({ kind: 'choose', variable: mkName('c'), source: e6, filter: e7 })] }),
      s<ast.ChooseStmt>({ kind: 'choose', variable: mkName('c'), source: e0 }),
      s<ast.RandomStmt>({ kind: 'random', variable: mkName('r'), source: e1 }),
    ];
    const rules: ast.Rule[] = [
      { kind: 'rule', id: 0, span: noSpan, event: { kind: 'receive', span: noSpan, message: mkName('M'), params: [e2], from: { kind: 'count', span: noSpan, count: e3, moreThan: true, among: e4 } }, guard: e5, body },
      { kind: 'rule', id: 0, span: noSpan, event: { kind: 'receive', span: noSpan, message: mkName('M'), params: [], from: { kind: 'process', span: noSpan, process: e6 } }, body: [s<ast.AssertStmt>({ kind: 'assert', condition: e7 })] },
      { kind: 'rule', id: 0, span: noSpan, event: { kind: 'receive', span: noSpan, message: mkName('M'), params: [], from: { kind: 'count', span: noSpan, count: e0, moreThan: false } }, body: [s<ast.AssertStmt>({ kind: 'assert', condition: e1 })] },
      { kind: 'rule', id: 0, span: noSpan, event: { kind: 'indication', span: noSpan, instance: { module: mkName('rb'), key: e2, span: noSpan }, name: mkName('deliver'), params: [e3] }, body: [s<ast.AssertStmt>({ kind: 'assert', condition: e4 })] },
    ];
    const members: ast.Member[] = [
      { kind: 'const', id: 0, span: noSpan, name: mkName('c'), value: e0 },
      { kind: 'def', id: 0, span: noSpan, name: mkName('d'), params: [], result: { kind: 'namedType', id: 0, span: noSpan, name: mkName('Nat') }, body: e1 },
      { kind: 'faults', id: 0, span: noSpan, model: 'crash', bound: e2 },
      { kind: 'interface', id: 0, span: noSpan, events: [{ kind: 'interfaceEvent', id: 0, span: noSpan, direction: 'request', name: mkName('go'), params: [], at: e3 }] },
      {
        kind: 'state', id: 0, span: noSpan,
        vars: [{ kind: 'stateVar', id: 0, span: noSpan, name: mkName('s'), type: { kind: 'namedType', id: 0, span: noSpan, name: mkName('Nat') }, init: e4, durable: false }],
      },
      ...rules,
      { kind: 'role', id: 0, span: noSpan, name: mkName('R'), count: e5, members: [{ kind: 'assume', id: 0, span: noSpan, condition: e6 }] },
      { kind: 'property', id: 0, span: noSpan, name: mkName('prop'), temporal: 'always', body: e7 },
      {
        kind: 'scenario', id: 0, span: noSpan, name: mkName('sc'), bindings: [{ name: mkName('n'), value: e0 }, { name: mkName('k'), value: e1 }],
        steps: [
          { kind: 'scenarioRequest', span: noSpan, time: e2, process: e3, request: mkName('go'), args: [e4] },
          { kind: 'scenarioFault', span: noSpan, time: e5, process: e6, fault: 'crash' },
          { kind: 'scenarioFault', span: noSpan, time: e6, process: e5, fault: 'restart' },
        ],
      },
    ];
    return specOf(members);
  }

  it('print → parse gives back expressions in every kind of expression position', () => {
    fc.assert(
      fc.property(fc.array(exprArb(3), { minLength: 8, maxLength: 8 }), (es) => {
        const spec = everyPosition(es);
        const text = printSpec(spec);
        const result = parse({ id: 'generated.rio', text });
        expect(result.diagnostics.map((d) => `${d.code} @${d.span.start}: ${d.message}`), text).toEqual([]);
        expect(strip(result.value), text).toEqual(strip(spec));
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// (c) mutation fuzz

/** Checks one mutated input: `parse` returns in time with well-formed diagnostics. */
function checkMutant(text: string): void {
  const id = 'mutant.rio';
  const start = performance.now();
  const result = parse({ id, text });
  const elapsed = performance.now() - start;
  expect(elapsed, 'parse time (ms)').toBeLessThan(10_000) // a guard against hangs and blow-ups (typical: a few ms), loose enough for a loaded machine;
  for (const d of result.diagnostics) {
    expect(d.code).toMatch(/^RIO\d{4}$/);
    expect(d.span.file).toBe(id);
    expect(Number.isInteger(d.span.start) && Number.isInteger(d.span.end), `span ${d.span.start}-${d.span.end} of ${d.code}`).toBe(true);
    expect(0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= text.length, `span ${d.span.start}-${d.span.end} of ${d.code} in ${text.length} chars`).toBe(true);
  }
  // A mutant that still parses must print back to itself, like any other spec.
  if (result.diagnostics.length === 0) expectRoundTrip(result.value);
}

/** At least 2,000 cases in total (more with RIO_FUZZ_RUNS=n), spread over the example specs. */
const runsPerSpec = Math.ceil(Math.max(2000, Number(process.env['RIO_FUZZ_RUNS'] ?? 0)) / Math.max(1, specSources.length));

describe('mutation fuzz', () => {
  it.each(specSources)('$file: parse never throws or hangs on mutants, and its diagnostics are well-formed', ({ file, text }) => {
    fc.assert(fc.property(mutatedSpec([text]), checkMutant), { numRuns: runsPerSpec, seed: 0x5eed + file.length });
  });

  it('mutatedSpec draws varied mutants of all the specs', () => {
    const samples = fc.sample(mutatedSpec(specSources.map((s) => s.text)), { numRuns: 200, seed: 1 });
    expect(samples.length).toBe(200);
    expect(new Set(samples).size).toBeGreaterThan(150);
    expect(samples.every((s) => specSources.every((src) => src.text !== s))).toBe(true);
  });

  it('replays mutation chains deterministically', () => {
    const chains = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 4 }), { numRuns: 50, seed: 2 });
    const source = specSources[0]!.text;
    for (const chain of chains) expect(applyMutations(source, chain)).toBe(applyMutations(source, chain));
  });
});
