/**
 * The parser stage (lexer, layout, grammar, CST → AST): every construct of the grammar
 * parses to the expected AST shape, paper symbols equal their ASCII spellings, the layout
 * rules for continued lines hold, and syntax errors are reported where they are.
 */
import { describe, expect, it } from 'vitest';
import type * as ast from '../../../compiler/ast/ast.js';
import { LineMap, type Span } from '../../../compiler/ast/span.js';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { parse } from '../../../compiler/syntax/index.js';

const FILE = 'test.rio';

/** A `.rio` snippet: the common indentation and the first empty line are removed. */
function rio(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n').replace(/[ ]+$/, '');
}

/** A deep copy without `id` and `span` fields. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'id' && k !== 'span' && v !== undefined) out[k] = strip(v);
    return out;
  }
  return value;
}

const parseText = (text: string) => parse({ id: FILE, text });

/** Parses text that must have no diagnostics. */
function ok(text: string): ast.Spec {
  const result = parseText(text);
  expect(result.diagnostics.map(show(text)), text).toEqual([]);
  return result.value;
}

/** The diagnostics of text that must have some. */
function errors(text: string): Diagnostic[] {
  const result = parseText(text);
  expect(result.diagnostics.length, `expected diagnostics for:\n${text}`).toBeGreaterThan(0);
  return [...result.diagnostics];
}

/** `CODE line:col` of a diagnostic, for compact assertions. */
const show = (text: string) => {
  const map = new LineMap(text);
  return (d: Diagnostic): string => {
    const { line, column } = map.position(d.span.start);
    return `${d.code} ${line}:${column} ${d.message}`;
  };
};
const at = (text: string, d: Diagnostic): string => {
  const { line, column } = new LineMap(text).position(d.span.start);
  return `${d.code} ${line}:${column}`;
};

/** The members of the only protocol in text. */
function members(text: string): readonly ast.Member[] {
  const spec = ok(text);
  expect(spec.protocols).toHaveLength(1);
  return spec.protocols[0]!.members;
}

/** The one member declared by `lines` (indented under a protocol). */
function member(...lines: string[]): ast.Member {
  const ms = members(`protocol P\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  expect(ms).toHaveLength(1);
  return ms[0]!;
}

/** The expression `source` as written after `assume`. */
function expr(source: string): ast.Expr {
  const m = member(`assume ${source}`);
  if (m.kind !== 'assume') throw new Error('not an assume');
  return m.condition;
}

/** The statements of `lines`, written as the body of `upon start`. */
function stmts(...lines: string[]): readonly ast.Stmt[] {
  const m = member('upon start', ...lines.map((l) => `  ${l}`));
  if (m.kind !== 'rule') throw new Error('not a rule');
  return m.body;
}
const stmt = (...lines: string[]): ast.Stmt => {
  const body = stmts(...lines);
  expect(body).toHaveLength(1);
  return body[0]!;
};

/** The rule declared by `lines`. */
function rule(...lines: string[]): ast.Rule {
  const m = member(...lines);
  if (m.kind !== 'rule') throw new Error('not a rule');
  return m;
}

/** A compact S-expression of an expression, to check shapes and precedence at a glance. */
function sx(e: ast.Expr): string {
  const all = (es: readonly ast.Expr[]): string => es.map((x) => ` ${sx(x)}`).join('');
  const opt = (x: ast.Expr | undefined): string => (x === undefined ? '_' : sx(x));
  switch (e.kind) {
    case 'number':
      return String(e.value);
    case 'bool':
      return String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'none':
      return 'none';
    case 'name':
      return e.name.text;
    case 'wildcard':
      return '_';
    case 'unary':
      return `(${e.op} ${sx(e.operand)})`;
    case 'binary':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'call':
      return `(${e.callee.text}${all(e.args)})`;
    case 'field':
      return `(. ${sx(e.target)} ${e.field.text})`;
    case 'index':
      return `(index ${sx(e.target)} ${sx(e.index)})`;
    case 'slice':
      return `(slice ${sx(e.target)} ${opt(e.from)} ${opt(e.to)})`;
    case 'cardinality':
      return `(card ${sx(e.operand)})`;
    case 'setLit':
      return `(set${all(e.elements)})`;
    case 'mapLit':
      return `(map${e.entries.map((x) => ` (${sx(x.key)} ${sx(x.value)})`).join('')})`;
    case 'seqLit':
      return `(seq${all(e.elements)})`;
    case 'tupleLit':
      return `(tuple${all(e.elements)})`;
    case 'comprehension':
      return `(comprehension ${e.variable.text} ${sx(e.source)} ${opt(e.element)} ${opt(e.filter)})`;
    case 'quantifier':
      return `(${e.quantifier} ${e.variables.map((v) => v.text).join(',')} ${sx(e.source)} ${sx(e.body)})`;
    case 'extremum':
      return `(${e.op} ${e.variable.text} ${sx(e.source)} ${sx(e.key)})`;
    case 'ifExpr':
      return `(if ${sx(e.condition)} ${sx(e.then)} ${sx(e.otherwise)})`;
  }
}
const ex = (source: string): string => sx(expr(source));

const nameOf = (text: string) => ({ text });
const nm = (text: string) => ({ kind: 'name', name: { text } });
const num = (value: number) => ({ kind: 'number', value });
const named = (text: string) => ({ kind: 'namedType', name: { text } });

// ---------------------------------------------------------------------------------------

describe('declarations', () => {
  it('parses a protocol and several protocols in one file', () => {
    const spec = ok(rio`
      // a comment before the first protocol
      protocol First
        assume true

      protocol Second
        assume false
    `);
    expect(spec).toMatchObject({ kind: 'spec', file: FILE });
    expect(spec.protocols.map((p) => p.name.text)).toEqual(['First', 'Second']);
    expect(spec.protocols[1]!.members).toMatchObject([{ kind: 'assume', condition: { kind: 'bool', value: false } }]);
  });

  it('parses parameters on one line and as an indented block', () => {
    const ms = members(rio`
      protocol P
        parameters n: Nat, f: Nat
        parameters
          leader: Process
          k: Nat, ids: Set[Process]
    `);
    expect(ms[0]).toMatchObject({ kind: 'parameters', params: [{ kind: 'param', name: { text: 'n' }, type: named('Nat') }, { name: { text: 'f' } }] });
    expect(ms[1]).toMatchObject({
      kind: 'parameters',
      params: [
        { name: { text: 'leader' }, type: named('Process') },
        { name: { text: 'k' } },
        { name: { text: 'ids' }, type: { kind: 'genericType', name: { text: 'Set' }, args: [named('Process')] } },
      ],
    });
  });

  it('parses assume and faults', () => {
    expect(member('assume n > 3 * f')).toMatchObject({ kind: 'assume', condition: { kind: 'binary', op: '>' } });
    expect(member('faults crash f')).toMatchObject({ kind: 'faults', model: 'crash', bound: nm('f') });
    expect(member('faults byzantine (n - 1) / 3')).toMatchObject({ kind: 'faults', model: 'byzantine', bound: { kind: 'binary', op: '/' } });
  });

  it('parses uses with and without arguments, and keyed instances', () => {
    expect(member('uses ReliableBroadcast(n, f) as rb')).toMatchObject({
      kind: 'uses', protocol: { text: 'ReliableBroadcast' }, args: [nm('n'), nm('f')], alias: { text: 'rb' },
    });
    const plain = member('uses Clock as clock');
    expect(plain).toMatchObject({ kind: 'uses', protocol: { text: 'Clock' }, args: [], alias: { text: 'clock' } });
    expect(plain).not.toHaveProperty('key');
    expect(member('uses Consensus(n) as cons[slot: Nat]')).toMatchObject({
      kind: 'uses', alias: { text: 'cons' }, key: { kind: 'param', name: { text: 'slot' }, type: named('Nat') },
    });
  });

  it('parses type aliases with named, generic and tuple types', () => {
    expect(member('type Ballot = (Nat, Process)')).toMatchObject({
      kind: 'typeAlias', name: { text: 'Ballot' }, type: { kind: 'tupleType', elements: [named('Nat'), named('Process')] },
    });
    expect(member('type Votes = Map[Nat, Set[Process]]')).toMatchObject({
      type: { kind: 'genericType', name: { text: 'Map' }, args: [named('Nat'), { kind: 'genericType', name: { text: 'Set' }, args: [named('Process')] }] },
    });
    // A one-element tuple type is just the type.
    expect(member('type Id = (Nat)')).toMatchObject({ type: named('Nat') });
  });

  it('parses enums, records, constants and defs', () => {
    expect(member('enum Phase = Idle | Voting | Done')).toMatchObject({
      kind: 'enum', name: { text: 'Phase' }, members: [nameOf('Idle'), nameOf('Voting'), nameOf('Done')],
    });
    expect(member('record Entry(term: Nat, value: Option[Value])')).toMatchObject({
      kind: 'record', name: { text: 'Entry' },
      fields: [{ name: { text: 'term' }, type: named('Nat') }, { name: { text: 'value' }, type: { kind: 'genericType', name: { text: 'Option' } } }],
    });
    expect(member('const quorum: Nat = (n + f) / 2 + 1')).toMatchObject({ kind: 'const', name: { text: 'quorum' }, type: named('Nat'), value: { op: '+' } });
    const untyped = member('const limit = 10');
    expect(untyped).toMatchObject({ kind: 'const', value: num(10) });
    expect(untyped).not.toHaveProperty('type');
    expect(member('def majority(s: Set[Process]): Bool = |s| > n / 2')).toMatchObject({
      kind: 'def', name: { text: 'majority' }, params: [{ name: { text: 's' } }], result: named('Bool'),
      body: { kind: 'binary', op: '>', left: { kind: 'cardinality', operand: nm('s') } },
    });
  });

  it('parses interfaces as a block and on one line', () => {
    const block = member('interface', '  request broadcast(m: Value) at sender', '  request reset', '  indication deliver(m: Value)');
    expect(block).toMatchObject({
      kind: 'interface',
      events: [
        { kind: 'interfaceEvent', direction: 'request', name: { text: 'broadcast' }, params: [{ name: { text: 'm' } }], at: nm('sender') },
        { direction: 'request', name: { text: 'reset' }, params: [] },
        { direction: 'indication', name: { text: 'deliver' } },
      ],
    });
    expect(block.kind === 'interface' && block.events[2]).not.toHaveProperty('at');
    expect(member('interface request propose(v: Value), indication decide(v: Value)')).toMatchObject({
      kind: 'interface', events: [{ direction: 'request', name: { text: 'propose' } }, { direction: 'indication', name: { text: 'decide' } }],
    });
  });

  it('parses messages, state and timers as blocks and on one line', () => {
    expect(member('messages', '  PING', '  VOTE(b: Nat, v: Value)')).toMatchObject({
      kind: 'messages', messages: [{ kind: 'message', name: { text: 'PING' }, fields: [] }, { name: { text: 'VOTE' }, fields: [{ name: { text: 'b' } }, { name: { text: 'v' } }] }],
    });
    expect(member('messages A, B(x: Nat)')).toMatchObject({ kind: 'messages', messages: [{ name: { text: 'A' } }, { name: { text: 'B' } }] });
    const state = member('state', '  durable ballot: Nat = 0', '  decided: Option[Value]');
    expect(state).toMatchObject({
      kind: 'state',
      vars: [
        { kind: 'stateVar', name: { text: 'ballot' }, type: named('Nat'), init: num(0), durable: true },
        { kind: 'stateVar', name: { text: 'decided' }, durable: false },
      ],
    });
    expect(state.kind === 'state' && state.vars[1]).not.toHaveProperty('init');
    expect(member('state x: Nat, durable y: Bool = true')).toMatchObject({ kind: 'state', vars: [{ name: { text: 'x' }, durable: false }, { name: { text: 'y' }, durable: true }] });
    expect(member('timers', '  tick', '  retry(b: Nat)')).toMatchObject({
      kind: 'timers', timers: [{ kind: 'timer', name: { text: 'tick' }, params: [] }, { name: { text: 'retry' }, params: [{ name: { text: 'b' } }] }],
    });
    expect(member('timers t, u(x: Nat)')).toMatchObject({ kind: 'timers', timers: [{ name: { text: 't' } }, { name: { text: 'u' } }] });
  });

  it('parses roles with their own members', () => {
    const role = member(
      'role Acceptor played by 2 * f + 1 processes',
      '  state',
      '    promised: Nat',
      '  upon receiving PING from any',
      '    promised := promised + 1',
    );
    expect(role).toMatchObject({
      kind: 'role', name: { text: 'Acceptor' }, count: { kind: 'binary', op: '+' },
      members: [{ kind: 'state' }, { kind: 'rule', event: { kind: 'receive' } }],
    });
  });

  it('parses properties in all three forms', () => {
    const ms = members(rio`
      protocol P
        property agreement
          always forall p, q in correct: p.x = q.x
        property live: eventually exists p in correct: p.done
        property short always true
    `);
    expect(ms).toMatchObject([
      { kind: 'property', name: { text: 'agreement' }, temporal: 'always', body: { kind: 'quantifier', quantifier: 'forall' } },
      { kind: 'property', name: { text: 'live' }, temporal: 'eventually', body: { kind: 'quantifier', quantifier: 'exists' } },
      { kind: 'property', name: { text: 'short' }, temporal: 'always', body: { kind: 'bool', value: true } },
    ]);
  });

  it('parses scenarios with bindings, requests, crashes and restarts', () => {
    const s = member('scenario basic with n = 4, f = n - 3', '  at 0 leader requests propose(7, x)', '  at 5 2 crashes', '  at 9 2 restarts', '  at 1 + 1 p requests reset');
    expect(s).toMatchObject({
      kind: 'scenario', name: { text: 'basic' },
      bindings: [{ name: { text: 'n' }, value: num(4) }, { name: { text: 'f' }, value: { kind: 'binary', op: '-' } }],
      steps: [
        { kind: 'scenarioRequest', time: num(0), process: nm('leader'), request: { text: 'propose' }, args: [num(7), nm('x')] },
        { kind: 'scenarioFault', fault: 'crash', time: num(5), process: num(2) },
        { kind: 'scenarioFault', fault: 'restart', time: num(9), process: num(2) },
        { kind: 'scenarioRequest', time: { kind: 'binary', op: '+' }, process: nm('p'), request: { text: 'reset' }, args: [] },
      ],
    });
    expect(member('scenario bare', '  at 0 0 crashes')).toMatchObject({ kind: 'scenario', bindings: [] });
  });
});

// ---------------------------------------------------------------------------------------

describe('rules and events', () => {
  it('parses upon start, with and without a guard', () => {
    const r = rule('upon start', '  x := 1');
    expect(r).toMatchObject({ kind: 'rule', event: { kind: 'start' }, body: [{ kind: 'assign' }] });
    expect(r).not.toHaveProperty('guard');
    expect(r).not.toHaveProperty('label');
    expect(rule('upon start when n > 0', '  x := 1')).toMatchObject({ event: { kind: 'start' }, guard: { kind: 'binary', op: '>' } });
  });

  it('parses request events', () => {
    expect(rule('upon broadcast(m)', '  x := m').event).toMatchObject({ kind: 'request', name: { text: 'broadcast' }, params: [nm('m')] });
    expect(rule('upon reset()', '  x := 0').event).toMatchObject({ kind: 'request', name: { text: 'reset' }, params: [] });
    // `start(...)` is a request named start, not the start event.
    expect(rule('upon start(v)', '  x := v').event).toMatchObject({ kind: 'request', name: { text: 'start' } });
  });

  it('parses receive events with patterns, a binding and a guard', () => {
    const r = rule('collect: upon receiving VOTE(b, _) from a majority of correct as msgs when phase = 1', '  x := msgs');
    expect(r).toMatchObject({
      label: { text: 'collect' },
      event: {
        kind: 'receive', message: { text: 'VOTE' }, params: [nm('b'), { kind: 'wildcard' }],
        from: { kind: 'majority', among: nm('correct') }, binding: { text: 'msgs' },
      },
      guard: { kind: 'binary', op: '=' },
    });
    expect(rule('upon receiving PING from any', '  x := 1').event).toMatchObject({ kind: 'receive', message: { text: 'PING' }, params: [] });
  });

  it.each([
    ['any', { kind: 'any' }],
    ['sender', { kind: 'process', process: nm('sender') }],
    ['p', { kind: 'process', process: nm('p') }],
    ['f + 1 processes', { kind: 'count', moreThan: false, count: { kind: 'binary', op: '+' } }],
    ['2 * f + 1 processes of correct', { kind: 'count', moreThan: false, count: { op: '+' }, among: nm('correct') }],
    ['more than (n + f) / 2 processes', { kind: 'count', moreThan: true, count: { kind: 'binary', op: '/' } }],
    ['more than f processes of S ∪ T', { kind: 'count', moreThan: true, count: nm('f'), among: { kind: 'binary', op: 'union' } }],
    ['a majority', { kind: 'majority' }],
    ['a majority of acceptors', { kind: 'majority', among: nm('acceptors') }],
    ['all', { kind: 'all' }],
    ['all of correct', { kind: 'all', among: nm('correct') }],
  ])('parses the quorum `from %s`', (quorum, shape) => {
    expect(rule(`upon receiving M(v) from ${quorum}`, '  x := v').event).toMatchObject({ kind: 'receive', from: shape });
  });

  it('parses timeout events with and without parameters', () => {
    expect(rule('upon timeout tick', '  x := 1').event).toMatchObject({ kind: 'timeout', timer: { text: 'tick' }, params: [] });
    expect(rule('upon timeout retry(b, _)', '  x := b').event).toMatchObject({ kind: 'timeout', timer: { text: 'retry' }, params: [nm('b'), { kind: 'wildcard' }] });
  });

  it('parses indications from sub-modules, plain and keyed', () => {
    expect(rule('upon rb.deliver(m)', '  x := m').event).toMatchObject({
      kind: 'indication', instance: { module: { text: 'rb' } }, name: { text: 'deliver' }, params: [nm('m')],
    });
    expect(rule('upon cons[k].decide(v)', '  x := v').event).toMatchObject({
      kind: 'indication', instance: { module: { text: 'cons' }, key: nm('k') }, name: { text: 'decide' }, params: [nm('v')],
    });
  });

  it('parses condition events', () => {
    expect(rule('upon phase = Done and decided != none', '  x := 1').event).toMatchObject({
      kind: 'condition', condition: { kind: 'binary', op: 'and' },
    });
    expect(rule('upon ready', '  x := 1').event).toMatchObject({ kind: 'condition', condition: nm('ready') });
  });
});

// ---------------------------------------------------------------------------------------

describe('statements', () => {
  it('parses assignments to names, indexes and fields', () => {
    expect(stmt('x := 1')).toMatchObject({ kind: 'assign', target: nm('x'), value: num(1) });
    expect(stmt('votes[r] := votes[r] ∪ {p}')).toMatchObject({
      kind: 'assign', target: { kind: 'index', target: nm('votes'), index: nm('r') }, value: { kind: 'binary', op: 'union' },
    });
    expect(stmt('entry.term := 2')).toMatchObject({ kind: 'assign', target: { kind: 'field', target: nm('entry'), field: { text: 'term' } } });
  });

  it('parses send and broadcast', () => {
    expect(stmt('send ECHO(m, 1) to leader')).toMatchObject({
      kind: 'send', message: { kind: 'call', callee: { text: 'ECHO' }, args: [nm('m'), num(1)] }, to: nm('leader'),
    });
    expect(stmt('send PING to p')).toMatchObject({ kind: 'send', message: { kind: 'call', callee: { text: 'PING' }, args: [] } });
    const all = stmt('broadcast READY(m)');
    expect(all).toMatchObject({ kind: 'broadcast', message: { callee: { text: 'READY' } } });
    expect(all).not.toHaveProperty('to');
    expect(stmt('broadcast ACK to {p in correct | p != self}')).toMatchObject({
      kind: 'broadcast', message: { callee: { text: 'ACK' }, args: [] }, to: { kind: 'comprehension' },
    });
  });

  it('parses triggers of indications and of sub-module requests', () => {
    const plain = stmt('trigger deliver(m)');
    expect(plain).toMatchObject({ kind: 'trigger', event: { text: 'deliver' }, args: [nm('m')] });
    expect(plain).not.toHaveProperty('instance');
    expect(stmt('trigger done')).toMatchObject({ kind: 'trigger', event: { text: 'done' }, args: [] });
    expect(stmt('trigger rb.broadcast(v)')).toMatchObject({ kind: 'trigger', instance: { module: { text: 'rb' } }, event: { text: 'broadcast' }, args: [nm('v')] });
    expect(stmt('trigger cons[i + 1].propose(v)')).toMatchObject({
      kind: 'trigger', instance: { module: { text: 'cons' }, key: { kind: 'binary', op: '+' } }, event: { text: 'propose' },
    });
  });

  it('parses timers', () => {
    expect(stmt('start timer tick after d * 2')).toMatchObject({ kind: 'startTimer', timer: { text: 'tick' }, args: [], delay: { op: '*' } });
    expect(stmt('start timer retry(b) after 10')).toMatchObject({ kind: 'startTimer', timer: { text: 'retry' }, args: [nm('b')], delay: num(10) });
    expect(stmt('cancel timer retry(b)')).toMatchObject({ kind: 'cancelTimer', timer: { text: 'retry' }, args: [nm('b')] });
    expect(stmt('cancel timer tick')).toMatchObject({ kind: 'cancelTimer', timer: { text: 'tick' }, args: [] });
  });

  it('parses let, with and without a type', () => {
    const plain = stmt('let k = |msgs|');
    expect(plain).toMatchObject({ kind: 'let', name: { text: 'k' }, value: { kind: 'cardinality' } });
    expect(plain).not.toHaveProperty('type');
    expect(stmt('let s: Set[Process] = {}')).toMatchObject({ kind: 'let', type: { kind: 'genericType', name: { text: 'Set' } }, value: { kind: 'setLit', elements: [] } });
  });

  it('parses if, else if and else', () => {
    const s = stmt('if a', '  x := 1', '  y := 2', 'else if b', '  x := 3', 'else', '  x := 4');
    expect(s).toMatchObject({
      kind: 'if', condition: nm('a'), then: [{ kind: 'assign' }, { kind: 'assign' }],
      otherwise: [{ kind: 'if', condition: nm('b'), then: [{ value: num(3) }], otherwise: [{ kind: 'assign', value: num(4) }] }],
    });
    expect(stmt('if a', '  x := 1')).not.toHaveProperty('otherwise');
  });

  it('parses nested blocks', () => {
    const s = stmt('for m in msgs', '  if m.v > 0', '    for p in m.to', '      send PING to p', '  x := m');
    expect(s).toMatchObject({
      kind: 'for', variable: { text: 'm' }, source: nm('msgs'),
      body: [{ kind: 'if', then: [{ kind: 'for', variable: { text: 'p' }, body: [{ kind: 'send' }] }] }, { kind: 'assign' }],
    });
  });

  it('parses choose, random and assert', () => {
    expect(stmt('choose p in correct where p != self')).toMatchObject({ kind: 'choose', variable: { text: 'p' }, source: nm('correct'), filter: { op: '!=' } });
    expect(stmt('choose v in values')).not.toHaveProperty('filter');
    expect(stmt('random q in 1..n')).toMatchObject({ kind: 'random', variable: { text: 'q' }, source: { kind: 'binary', op: 'range' } });
    expect(stmt('assert x > 0, "x must be positive"')).toMatchObject({
      kind: 'assert', condition: { op: '>' }, message: { kind: 'string', value: 'x must be positive' },
    });
    expect(stmt('assert ok')).not.toHaveProperty('message');
  });

  it('reads soft keywords as names where a name fits', () => {
    expect(stmts('state := 1', 'send := all', 'broadcast := majority')).toMatchObject([
      { kind: 'assign', target: nm('state'), value: num(1) },
      { kind: 'assign', target: nm('send'), value: nm('all') },
      { kind: 'assign', target: nm('broadcast'), value: nm('majority') },
    ]);
  });
});

// ---------------------------------------------------------------------------------------

describe('expressions', () => {
  it('parses literals', () => {
    expect(expr('42')).toMatchObject(num(42));
    expect(expr('true')).toMatchObject({ kind: 'bool', value: true });
    expect(expr('false')).toMatchObject({ kind: 'bool', value: false });
    expect(expr('none')).toMatchObject({ kind: 'none' });
    expect(expr('"a\\"b\\\\c\\n"')).toMatchObject({ kind: 'string', value: 'a"b\\c\n' });
    expect(expr('""')).toMatchObject({ kind: 'string', value: '' });
    expect(expr('{}')).toMatchObject({ kind: 'setLit', elements: [] });
    expect(expr('∅')).toMatchObject({ kind: 'setLit', elements: [] });
    expect(expr('[]')).toMatchObject({ kind: 'seqLit', elements: [] });
    expect(expr('_')).toMatchObject({ kind: 'wildcard' });
  });

  it.each([
    ['f()', '(f)'],
    ['f(x, y + 1)', '(f x (+ y 1))'],
    ['max(a, b)', '(max a b)'],
    ['a.b.c', '(. (. a b) c)'],
    ['t.1.2', '(. (. t 1) 2)'],
    ['f(x).y[1]', '(index (. (f x) y) 1)'],
    ['log[i + 1]', '(index log (+ i 1))'],
    ['log[i..j]', '(slice log i j)'],
    ['log[..j]', '(slice log _ j)'],
    ['log[i..]', '(slice log i _)'],
    ['log[1..|log| - 1]', '(slice log 1 (- (card log) 1))'],
    ['|S|', '(card S)'],
    ['|S ∪ T|', '(card (union S T))'],
    ['{a, b, 1}', '(set a b 1)'],
    ['{k -> v, 1 ↦ 2, 3 → 4}', '(map (k v) (1 2) (3 4))'],
    ['[a, [b]]', '(seq a (seq b))'],
    ['(a, b)', '(tuple a b)'],
    ['()', '(tuple)'],
    ['(a)', 'a'],
    ['((a + b))', '(+ a b)'],
    ['{p in S | p != self}', '(comprehension p S _ (!= p self))'],
    ['{m.sender | m in msgs}', '(comprehension m msgs (. m sender) _)'],
    ['{get(m.v) | m in msgs and m.v != none}', '(comprehension m msgs (get (. m v)) (!= (. m v) none))'],
    ['{f(x) | x in S and (p or q)}', '(comprehension x S (f x) (or p q))'],
    ['forall p, q in correct: p = q', '(forall p,q correct (= p q))'],
    ['exists i in 1..n: i > 0', '(exists i (range 1 n) (> i 0))'],
    ['max m in msgs by m.b', '(max m msgs (. m b))'],
    ['min m in msgs by m.b + 1', '(min m msgs (+ (. m b) 1))'],
    ['max m in msgs by m.b = x', '(= (max m msgs (. m b)) x)'],
    ['if a then 1 else 2', '(if a 1 2)'],
    ['if a then 1 else if b then 2 else 3', '(if a 1 (if b 2 3))'],
    ['if if a then b else c then d else e', '(if (if a b c) d e)'],
  ])('parses %s', (source, expected) => {
    expect(ex(source)).toBe(expected);
  });

  describe('precedence and associativity (docs/language.md 5.1)', () => {
    it.each([
      ['a implies b implies c', '(implies a (implies b c))'],
      ['a and b implies c', '(implies (and a b) c)'],
      ['a implies b or c', '(implies a (or b c))'],
      ['a or b and c', '(or a (and b c))'],
      ['a or b or c', '(or (or a b) c)'],
      ['a and b and c', '(and (and a b) c)'],
      ['not a and b', '(and (not a) b)'],
      ['not a = b', '(not (= a b))'],
      ['not x in S', '(not (in x S))'],
      ['not not a', '(not (not a))'],
      ['a and not b', '(and a (not b))'],
      ['x not in S', '(notIn x S)'],
      ['x ∉ S', '(notIn x S)'],
      ['x in S', '(in x S)'],
      ['S ⊆ T', '(subset S T)'],
      ['a = b + c * d', '(= a (+ b (* c d)))'],
      ['a != b', '(!= a b)'],
      ['a < b or a <= b or a > b or a >= b', '(or (or (or (< a b) (<= a b)) (> a b)) (>= a b))'],
      ['x in 1..n', '(in x (range 1 n))'],
      ['0..n - 1', '(range 0 (- n 1))'],
      ['a - b - c', '(- (- a b) c)'],
      ['a - (b - c)', '(- a (- b c))'],
      ['a ++ b ∪ c \\ d + e', '(+ (minus (union (concat a b) c) d) e)'],
      ['a * b / c % d ∩ e', '(intersect (% (/ (* a b) c) d) e)'],
      ['a ∪ b ∩ c', '(union a (intersect b c))'],
      ['a + b * c', '(+ a (* b c))'],
      ['(a + b) * c', '(* (+ a b) c)'],
      ['-a * b', '(* (neg a) b)'],
      ['a * -b', '(* a (neg b))'],
      ['a - -b', '(- a (neg b))'],
      ['--a', '(neg (neg a))'],
      ['-a.f[1]', '(neg (index (. a f) 1))'],
      ['|S| + 1 > n / 2', '(> (+ (card S) 1) (/ n 2))'],
      ['forall x in S: x > 0 and y', '(forall x S (and (> x 0) y))'],
      ['a and forall x in S: p or q', '(and a (forall x S (or p q)))'],
      ['(forall x in S: p) or q', '(or (forall x S p) q)'],
      ['a + if c then 1 else 2 + 3', '(+ a (if c 1 (+ 2 3)))'],
    ])('parses %s as %s', (source, expected) => {
      expect(ex(source)).toBe(expected);
    });

    it('rejects a chain of comparisons', () => {
      errors('protocol P\n  assume a < b < c\n');
      errors('protocol P\n  assume a = b = c\n');
    });

    it('rejects a chain of ranges', () => {
      errors('protocol P\n  assume 1..2..3\n');
    });
  });

  it('takes everything after the first `and` as the filter of a mapping comprehension', () => {
    expect(ex('{x | x in S and p and q}')).toBe('(comprehension x S x (and p q))');
  });
});

// ---------------------------------------------------------------------------------------

describe('paper symbols', () => {
  it.each([
    ['x ← 1', 'x := 1'],
    ['x ← a ≠ b', 'x := a != b'],
    ['x ← a ≥ b ∧ a ≤ c', 'x := a >= b and a <= c'],
    ['x ← a ∨ ¬b', 'x := a or not b'],
    ['x ← ∀ p ∈ S: p ∈ T', 'x := forall p in S: p in T'],
    ['x ← ∃ p ∈ S: p ∉ T', 'x := exists p in S: p not in T'],
    ['x ← a ⇒ b', 'x := a implies b'],
    ['x ← {k ↦ v, j → w}', 'x := {k -> v, j -> w}'],
    ['x ← a × b', 'x := a * b'],
    ['x ← ∅', 'x := {}'],
  ])('`%s` parses as `%s`', (paper, ascii) => {
    expect(strip(stmts(paper))).toEqual(strip(stmts(ascii)));
  });

  it('parses a whole rule written with paper symbols like its ASCII twin', () => {
    const paper = rio`
      protocol P
        upon receiving ECHO(m) from more than (n + f) / 2 processes when ¬sent ∧ m ≠ none
          sent ← true
          decided ← ∀ p ∈ correct: p.v ≥ 1 ∨ p.v ≤ 0 ⇒ ∃ q ∈ S: q ∉ T
    `;
    const ascii = rio`
      protocol P
        upon receiving ECHO(m) from more than (n + f) / 2 processes when not sent and m != none
          sent := true
          decided := forall p in correct: p.v >= 1 or p.v <= 0 implies exists q in S: q not in T
    `;
    expect(strip(ok(paper))).toEqual(strip(ok(ascii)));
  });
});

// ---------------------------------------------------------------------------------------

describe('line continuation', () => {
  it('ignores newlines inside brackets', () => {
    const e = expr('f(1,\n2,\n      3) + [a,\nb] + {c,\n  d} + (e\n)');
    expect(sx(e)).toBe('(+ (+ (+ (f 1 2 3) (seq a b)) (set c d)) e)');
  });

  it('continues a deeper-indented line after a line ending with an operator, "," or ":"', () => {
    const ms = members(rio`
      protocol P
        assume a and
          b
        assume forall p in S:
          p > 0
        parameters n: Nat,
          f: Nat
        assume x =
            y +
              1
    `);
    expect(ms.map((m) => (m.kind === 'assume' ? sx(m.condition) : m.kind))).toEqual([
      '(and a b)', '(forall p S (> p 0))', 'parameters', '(= x (+ y 1))',
    ]);
  });

  it('continues a deeper-indented line that starts with a binary operator', () => {
    const ms = members(rio`
      protocol P
        assume a
          and b
          or c
        assume x
          = y
        assume if a
          then b
          else c
    `);
    expect(ms.map((m) => (m.kind === 'assume' ? sx(m.condition) : m.kind))).toEqual(['(or (and a b) c)', '(= x y)', '(if a b c)']);
  });

  it('continues the statement of a rule body the same way', () => {
    expect(stmts('x := a +', '    b', 'y := c', '  or d')).toMatchObject([
      { kind: 'assign', target: nm('x'), value: { op: '+' } },
      { kind: 'assign', target: nm('y'), value: { op: 'or' } },
    ]);
  });

  it('does not continue a line at the same indentation, even after an operator', () => {
    const text = 'protocol P\n  assume a and\n  b\n';
    expect(errors(text).length).toBeGreaterThan(0);
  });

  it('ignores blank lines and comment lines between and inside blocks', () => {
    const text = rio`
      protocol P

        // the state
        state
          /* block
             comment */
          x: Nat

          y: Nat   // trailing

        upon start
          // first
          x := 1

          y := 2
    `;
    expect(members(text)).toMatchObject([{ kind: 'state', vars: [{}, {}] }, { kind: 'rule', body: [{}, {}] }]);
  });

  it('ends a rule head that finishes with |S| before its block', () => {
    expect(rule('upon start when x > |S|', '  y := 1')).toMatchObject({ guard: { op: '>' }, body: [{ kind: 'assign' }] });
    expect(stmt('if n = |S|', '  y := 1')).toMatchObject({ kind: 'if', then: [{ kind: 'assign' }] });
  });
});

// ---------------------------------------------------------------------------------------

describe('syntax errors', () => {
  it('reports every independent error in a file', () => {
    const text = rio`
      protocol P
        upon receiving M from p
          x := 1 +
        upon receiving M from p
          y := )
        upon receiving M from p
          z := 3 3
        assume ok
    `;
    const found = errors(text);
    const positions = [...new Set(found.map((d) => at(text, d)))];
    expect(positions).toEqual(expect.arrayContaining(['RIO1007 3:13', 'RIO1007 5:10', 'RIO1006 7:12']));
    expect(new Set(found.map((d) => new LineMap(text).position(d.span.start).line))).toEqual(new Set([3, 5, 7]));
  });

  it('reports errors in separate members and statements, and goes on after each', () => {
    const text = rio`
      protocol P
        parameters n Nat
        state
          x: Nat = = 1
        upon start
          send to p
          x := 2
        property p always
    `;
    const lines = new Set(errors(text).map((d) => new LineMap(text).position(d.span.start).line));
    for (const line of [2, 4, 6, 8]) expect(lines, `an error on line ${line}`).toContain(line);
  });

  it('reports a tab in indentation (RIO1005) where the indentation is', () => {
    const text = 'protocol P\n\tassume x\n';
    const found = errors(text);
    expect(found.map((d) => at(text, d))).toContain('RIO1005 2:1');
    const tab = found.find((d) => d.code === 'RIO1005')!;
    expect(text.slice(tab.span.start, tab.span.end)).toBe('\t');
  });

  it('reports a dedent to a column that matches no enclosing block (RIO1004)', () => {
    const text = rio`
      protocol P
          assume x
        assume y
    `;
    const found = errors(text);
    expect(found.map((d) => at(text, d))).toContain('RIO1004 3:1');
    const deeper = 'protocol P\n  upon start\n      x := 1\n    y := 2\n';
    expect(errors(deeper).map((d) => at(deeper, d))).toContain('RIO1004 4:1');
  });

  it('reports an unterminated string (RIO1002)', () => {
    const text = 'protocol P\n  const s = "abc\n  assume x\n';
    const found = errors(text);
    expect(found.map((d) => at(text, d))).toContain('RIO1002 2:13');
    const d = found.find((x) => x.code === 'RIO1002')!;
    expect(text.slice(d.span.start, d.span.end)).toBe('"abc');
  });

  it('reports an unterminated block comment (RIO1003)', () => {
    const text = 'protocol P\n  assume x\n  /* never closed\n  assume y\n';
    expect(errors(text).map((d) => at(text, d))).toContain('RIO1003 3:3');
  });

  it('reports `wait` as a reserved word (RIO1012)', () => {
    const text = 'protocol P\n  upon start\n    wait x > 0\n';
    const found = errors(text);
    expect(found.map((d) => at(text, d))).toEqual(['RIO1012 3:5']);
    expect(text.slice(found[0]!.span.start, found[0]!.span.end)).toBe('wait');
  });

  it.each([
    ['an unexpected character (RIO1001)', 'protocol P\n  assume $x\n', 'RIO1001 2:10'],
    ['a number that is too large (RIO1010)', 'protocol P\n  assume 99999999999999999999 > 0\n', 'RIO1010 2:10'],
    ['a file without a protocol (RIO1011)', '// nothing here\n', 'RIO1011 1:1'],
    ['an empty file (RIO1011)', '', 'RIO1011 1:1'],
    ['a sub-module call used as a value (RIO1013)', 'protocol P\n  upon start\n    x := rb.deliver(1)\n', 'RIO1013 3:10'],
    ['a call on something that is no sub-module (RIO1014)', 'protocol P\n  upon start\n    x := f(1).g(2)\n', 'RIO1014 3:10'],
    ['a braced `|` form without a generator (RIO1015)', 'protocol P\n  assume {1 | 2}\n', 'RIO1015 2:10'],
  ])('reports %s', (_, text, expected) => {
    expect(errors(text).map((d) => at(text, d))).toContain(expected);
  });

  it('reports text after the last protocol where it starts', () => {
    const text = 'protocol P\n  assume x\n)\n';
    // Recovery reports it as an unexpected token (RIO1006) rather than as trailing input.
    expect(errors(text).map((d) => at(text, d))).toEqual([expect.stringMatching(/^RIO100[69] 3:1$/)]);
    expect(errors('x\n').map((d) => at('x\n', d))).toEqual(['RIO1009 1:1']);
  });

  it('never builds a partial AST when there are syntax errors', () => {
    const result = parseText('protocol P\n  assume x +\n  assume y\n');
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.value).toMatchObject({ kind: 'spec', file: FILE, protocols: [] });
  });

  it('gives every diagnostic a code, a message and a span in the file', () => {
    const text = 'protocol P\n\tassume $ "x\n  upon\n    wait\n  /*';
    for (const d of parseText(text).diagnostics) {
      expect(d.code).toMatch(/^RIO1\d{3}$/);
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.span.file).toBe(FILE);
      expect(0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= text.length).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------

describe('spans', () => {
  const text = rio`
    protocol Counting
      parameters count: Nat
      assume count > 100 and
        limit >= count
      upon receiving PING(m) from leader
        total := total + m
  `;
  const spec = ok(text);
  const map = new LineMap(text);
  const where = (span: Span): string => {
    const from = map.position(span.start);
    const to = map.position(span.end);
    return `${from.line}:${from.column}-${to.line}:${to.column}`;
  };
  const p = spec.protocols[0]!;

  it('covers the file up to its last token with the spec span', () => {
    expect(spec.span).toEqual({ file: FILE, start: 0, end: text.trimEnd().length });
  });

  it('maps names to their exact line and column', () => {
    expect(where(p.name.span)).toBe('1:10-1:18');
    const params = p.members[0]!;
    if (params.kind !== 'parameters') throw new Error('parameters expected');
    expect(where(params.params[0]!.name.span)).toBe('2:14-2:19');
    expect(text.slice(params.params[0]!.name.span.start, params.params[0]!.name.span.end)).toBe('count');
  });

  it('maps expressions, including ones continued over lines, to their exact extent', () => {
    const assume = p.members[1]!;
    if (assume.kind !== 'assume' || assume.condition.kind !== 'binary') throw new Error('binary assume expected');
    expect(where(assume.condition.span)).toBe('3:10-4:19');
    expect(where(assume.condition.left.span)).toBe('3:10-3:21');
    expect(text.slice(assume.condition.left.span.start, assume.condition.left.span.end)).toBe('count > 100');
    expect(where(assume.condition.right.span)).toBe('4:5-4:19');
  });

  it('maps rules and statements to their lines', () => {
    const r = p.members[2]!;
    if (r.kind !== 'rule' || r.event.kind !== 'receive') throw new Error('receive rule expected');
    expect(where(r.span).startsWith('5:3-')).toBe(true);
    expect(where(r.event.message.span)).toBe('5:18-5:22');
    const assign = r.body[0]!;
    if (assign.kind !== 'assign') throw new Error('assign expected');
    expect(where(assign.span)).toBe('6:5-6:23');
    expect(where(assign.value.span)).toBe('6:14-6:23');
  });

  it('maps a syntax error to the offending token', () => {
    const bad = 'protocol P\n  upon start\n    x := 1 ) 2\n';
    const d = parseText(bad).diagnostics[0]!;
    const lm = new LineMap(bad);
    expect(lm.position(d.span.start)).toEqual({ line: 3, column: 12 });
    expect(bad.slice(d.span.start, d.span.end)).toBe(')');
  });
});
