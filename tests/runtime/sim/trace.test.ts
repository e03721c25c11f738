/**
 * Tests of the trace file (runtime/sim/trace.ts) and of replaying it
 * (runtime/sim/replay.ts): writeTrace → readTrace is the identity, a replayed trace gives
 * the recorded verdict, and every corrupted input is a `TraceError` that names the line at
 * fault, never another exception.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BrachaBroadcast } from '../../../generated/bracha-broadcast.js';
import { TwoPhaseCommit } from '../../../generated/two-phase-commit.js';
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { shrink } from '../../../runtime/sim/shrink.js';
import { simulate, type SimResult, type TraceStep } from '../../../runtime/sim/simulate.js';
import { readTrace, TRACE_FORMAT, TRACE_VERSION, TraceError, writeTrace, type Trace } from '../../../runtime/sim/trace.js';
import { World } from '../../../runtime/world/world.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';
import { configFor, planRun, type RunOptions } from './sim-config.js';

const repo = join(import.meta.dirname, '..', '..', '..');

/** A trace as `rio simulate` writes it, for one seed of a module and options. */
function traceOf(module: ProtocolModule<any, any>, options: RunOptions, seed: number, mode: 'full' | 'prefix' | 'shrunk' = 'full'): { trace: Trace; result: SimResult } {
  const plan = planRun(module, options);
  const config = configFor(plan, seed);
  const result = simulate(config);
  const byzantine = config.faults.byzantine.map((b) => b.process);
  let steps: readonly TraceStep[] = result.trace;
  let violation = result.violation;
  if (violation !== undefined && mode !== 'full') {
    steps = result.trace.slice(0, violation.step + 1);
    if (mode === 'shrunk') ({ steps, violation } = shrink(module, plan.params, byzantine, steps, violation));
  }
  return {
    result,
    trace: {
      header: {
        format: TRACE_FORMAT, version: TRACE_VERSION, spec: 'specs/test.rio', protocol: module.name, sourceHash: module.sourceHash,
        params: plan.params, seed, byzantine, origin: mode === 'shrunk' ? 'shrunk' : 'simulate', checkLiveness: result.livenessChecked,
        config: { network: config.network, faults: config.faults, workload: config.workload, horizon: config.horizon, maxEvents: config.maxEvents, values: config.values },
      },
      steps,
      footer: violation === undefined ? { verdict: 'ok' } : { verdict: 'violation', violation },
    },
  };
}

const kindsOf = (trace: Trace) => new Set(trace.steps.map((s) => s.event.kind));

describe('writeTrace → readTrace', () => {
  it('round-trips every kind of event: start, request, deliver, timeout, crash, restart, inject, lose, duplicate', () => {
    const traces = [
      traceOf(TwoPhaseCommit, { network: 'loss=0.2,dup=0.2,gst=100' }, 3).trace, // timers, crashes, a restart, choose
      traceOf(BrachaBroadcast, { faults: 'byzantine=1:arbitrary', network: 'loss=0.1,dup=0.2,gst=200' }, 2).trace,
    ];
    const kinds = new Set(traces.flatMap((t) => [...kindsOf(t)]));
    expect([...kinds].sort()).toEqual(['crash', 'deliver', 'duplicate', 'inject', 'lose', 'request', 'restart', 'start', 'timeout']);
    for (const trace of traces) {
      const text = writeTrace(trace);
      expect(readTrace(text)).toEqual(trace);
      expect(writeTrace(readTrace(text))).toBe(text);
      expect(text.endsWith('}\n')).toBe(true);
      expect(text.split('\n')).toHaveLength(trace.steps.length + 3); // header, steps, verdict, and the final newline
    }
  });

  it('round-trips a violation with its footer, and a trace with no steps', () => {
    const empty: Trace = { ...traceOf(BrachaBroadcast, {}, 1).trace, steps: [], footer: { verdict: 'violation', violation: { property: 'p', kind: 'eventually', step: 0, time: 0, message: 'm' } } };
    expect(readTrace(writeTrace(empty))).toEqual(empty);
  });

  it('writes lines in a fixed form: header, {"step":i,...} lines, verdict', () => {
    const { trace } = traceOf(BrachaBroadcast, { faults: 'none' }, 1);
    const lines = writeTrace(trace).trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'rio-trace', version: 1, protocol: 'BrachaBroadcast' });
    lines.slice(1, -1).forEach((l, i) => expect(l.startsWith(`{"step":${i},"t":`)).toBe(true));
    expect(lines.at(-1)).toBe('{"verdict":"ok"}');
  });

  it('reads CRLF line endings', () => {
    const { trace } = traceOf(BrachaBroadcast, {}, 3);
    expect(readTrace(writeTrace(trace).replace(/\n/g, '\r\n'))).toEqual(trace);
  });

  /**
   * Regression: a trace with an empty line after the verdict (an editor, `echo >>`, a copy
   * and paste) was rejected with "line N: the verdict must be the last line" (before 048e279).
   */
  it('accepts blank lines after the verdict', () => {
    const { trace } = traceOf(BrachaBroadcast, {}, 3);
    expect(readTrace(writeTrace(trace) + '\n')).toEqual(trace);
    expect(readTrace(writeTrace(trace) + '\n  \n\n')).toEqual(trace);
  });
});

describe('replaying a written trace gives the recorded verdict', () => {
  let mutant: ProtocolModule<any, any>;
  beforeAll(async () => {
    mutant = await loadSnippet(readFileSync(join(repo, 'tests', 'mutants', 'bracha-broadcast', 'ready-quorum-lowered.rio'), 'utf8'));
  });

  const replayText = (module: ProtocolModule<any, any>, text: string) => {
    const read = readTrace(text);
    return replaySteps(module, read.header.params, read.header.byzantine, read.steps, { checkLiveness: read.header.checkLiveness });
  };

  it.each(['full', 'prefix', 'shrunk'] as const)('a safety violation (%s run), with a Byzantine process', (mode) => {
    const { trace, result } = traceOf(mutant, {}, 2, mode);
    expect(result.violation?.property).toBe('agreement');
    expect(trace.header.byzantine.length).toBe(1);
    const replayed = replayText(mutant, writeTrace(trace));
    expect(replayed.violation).toEqual(trace.footer.violation);
  });

  it('a liveness violation, judged because the run ended stable', () => {
    const config = { ...configFor(planRun(BrachaBroadcast, { faults: 'none' }), 4), workload: [] };
    const result = simulate(config);
    expect(result.violation).toMatchObject({ property: 'validity', kind: 'eventually' });
    const trace: Trace = { ...traceOf(BrachaBroadcast, { faults: 'none' }, 4).trace, steps: result.trace, footer: { verdict: 'violation', violation: result.violation! } };
    const replayed = replayText(BrachaBroadcast, writeTrace({ ...trace, header: { ...trace.header, checkLiveness: true } }));
    expect(replayed.violation?.property).toBe('validity');
    expect(replayed.violation?.kind).toBe('eventually');
    expect(replayText(BrachaBroadcast, writeTrace({ ...trace, header: { ...trace.header, checkLiveness: false } })).violation).toBeUndefined();
  });

  it.each([1, 2, 3, 4, 5])('ok runs of two-phase commit replay ok, with the same choices (seed %i)', (seed) => {
    const { trace } = traceOf(TwoPhaseCommit, {}, seed);
    expect(trace.footer.verdict).toBe('ok');
    const replayed = replayText(TwoPhaseCommit, writeTrace(trace));
    expect(replayed.violation).toBeUndefined();
    expect(replayed.applied).toEqual(trace.steps);
  });

  it('steps that are not possible are skipped, not applied', () => {
    const { trace } = traceOf(BrachaBroadcast, { faults: 'none' }, 2);
    const bogus: TraceStep = { t: 0, event: { kind: 'deliver', from: 3, to: 2, message: { type: 'ECHO', m: 99 } as never }, choices: [] };
    const replayed = replaySteps(BrachaBroadcast, trace.header.params, [], [bogus, ...trace.steps], { checkLiveness: true });
    expect(replayed.applied).toEqual(trace.steps);
    expect(replayed.violation).toBeUndefined();
  });
});

describe('corrupted trace files', () => {
  const { trace } = traceOf(BrachaBroadcast, { faults: 'byzantine=3:equivocate' }, 2);
  const good = writeTrace(trace);
  const lines = good.trimEnd().split('\n'); // header, steps..., verdict
  const last = lines.length; // the verdict's line number
  const joinLines = (ls: readonly string[]) => ls.join('\n') + '\n';
  const withHeader = (f: (h: Record<string, unknown>) => void) => {
    const h = JSON.parse(lines[0]!) as Record<string, unknown>;
    f(h);
    return joinLines([JSON.stringify(h), ...lines.slice(1)]);
  };
  /** Line `n` (1-based) replaced by the result of `f` on its parsed object. */
  const withLine = (n: number, f: (v: Record<string, any>) => unknown) => {
    const ls = [...lines];
    const v = JSON.parse(ls[n - 1]!) as Record<string, any>;
    const out = f(v);
    ls[n - 1] = JSON.stringify(out === undefined ? v : out);
    return joinLines(ls);
  };
  const stepLine = (kind: string) => 1 + 1 + trace.steps.findIndex((s) => s.event.kind === kind);

  const cases: [string, string, number, RegExp][] = [
    ['an empty file', '', 0, /the file is empty/],
    ['a file of blank lines', '\n  \n', 0, /the file is empty/],
    ['not JSON', 'hello world\n', 1, /not valid JSON/],
    ['a JSON array as header', '[1, 2]\n', 1, /not a rio trace/],
    ['another format', withHeader((h) => (h['format'] = 'other-trace')), 1, /not a rio trace \(the header must have "format": "rio-trace"\)/],
    ['no format', withHeader((h) => delete h['format']), 1, /not a rio trace/],
    ['a newer version', withHeader((h) => (h['version'] = 2)), 1, /trace format version 2 is not supported \(this rio reads version 1\)/],
    ['no version', withHeader((h) => delete h['version']), 1, /version undefined is not supported/],
    ['no spec', withHeader((h) => delete h['spec']), 1, /the header has no "spec"/],
    ['no protocol', withHeader((h) => (h['protocol'] = 5)), 1, /the header has no "protocol"/],
    ['no sourceHash', withHeader((h) => delete h['sourceHash']), 1, /the header has no "sourceHash"/],
    ['no params', withHeader((h) => delete h['params']), 1, /the header has no "params"/],
    ['params not an object', withHeader((h) => (h['params'] = [4, 1, 0])), 1, /the header has no "params"/],
    ['no byzantine list', withHeader((h) => delete h['byzantine']), 1, /the header has no valid "byzantine" list/],
    ['a bad byzantine process', withHeader((h) => (h['byzantine'] = [-1])), 1, /the header has no valid "byzantine" list/],
    ['truncated: no verdict line', joinLines(lines.slice(0, -1)), last - 1, /the trace ends without a verdict line \(is it truncated\?\)/],
    ['only a header', lines[0]! + '\n', 1, /ends without a verdict line/],
    ['a blank line between steps', joinLines([...lines.slice(0, 3), '', ...lines.slice(3)]), 4, /not valid JSON/],
    ['two steps swapped', joinLines([lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)]), 2, /expected step 0, found 1/],
    ['a step left out', joinLines([lines[0]!, ...lines.slice(2)]), 2, /expected step 0, found 1/],
    ['a step number as a string', withLine(3, (v) => void (v['step'] = '1')), 3, /expected step 1, found "1"/],
    ['a step that is an array', joinLines([lines[0]!, '[0]', ...lines.slice(2)]), 2, /a line must be a JSON object/],
    ['no time', withLine(2, (v) => void delete v['t']), 2, /a step needs a time "t" and a list of "choices"/],
    ['negative choices', withLine(2, (v) => void (v['choices'] = [-1])), 2, /a step needs a time "t" and a list of "choices"/],
    ['no event', withLine(2, (v) => void delete v['event']), 2, /the step has no valid "event"/],
    ['an event without kind', withLine(2, (v) => void delete v['event']['kind']), 2, /the step has no valid "event"/],
    ['an unknown event kind', withLine(2, (v) => void (v['event']['kind'] = 'explode')), 2, /unknown event kind "explode"/],
    ['a start with process -1', withLine(2, (v) => void (v['event']['process'] = -1)), 2, /a "start" event needs a "process"/],
    ['a start with process 1.5', withLine(2, (v) => void (v['event']['process'] = 1.5)), 2, /a "start" event needs a "process"/],
    ['a start with process "0"', withLine(2, (v) => void (v['event']['process'] = '0')), 2, /a "start" event needs a "process"/],
    ['a request without request', withLine(stepLine('request'), (v) => void delete v['event']['request']), stepLine('request'), /a "request" event needs a "message" with a "type"/],
    ['a delivery with no "to"', withLine(stepLine('deliver'), (v) => void delete v['event']['to']), stepLine('deliver'), /a "deliver" event needs "from" and "to" processes/],
    ['a delivery from process null', withLine(stepLine('deliver'), (v) => void (v['event']['from'] = null)), stepLine('deliver'), /"from" and "to" processes/],
    ['a delivery of a message without type', withLine(stepLine('deliver'), (v) => void delete v['event']['message']['type']), stepLine('deliver'), /needs a "message" with a "type"/],
    ['an injection from "p3"', withLine(stepLine('inject'), (v) => void (v['event']['from'] = 'p3')), stepLine('inject'), /an? "inject" event needs "from" and "to" processes/],
    ['a timeout without args', withLine(2, (v) => ({ ...v, event: { kind: 'timeout', process: 0, timer: 'T' } })), 2, /a "timeout" event needs "process", "timer" and "args"/],
    ['a verdict before the last line', joinLines([lines[0]!, lines.at(-1)!, ...lines.slice(1)]), 2, /the verdict must be the last line/],
    ['an unknown verdict', withLine(last, () => ({ verdict: 'maybe' })), last, /the verdict must be "ok" or "violation"/],
  ];

  it.each(cases)('%s: TraceError at the right line, with a clear message', (_, text, line, message) => {
    let error: unknown;
    try {
      readTrace(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TraceError);
    const e = error as TraceError;
    expect(e.message).toMatch(message);
    expect(e.line).toBe(line);
    if (e.line > 0) expect(e.message.startsWith(`line ${e.line}: `)).toBe(true);
    expect(e.message).not.toContain('\n');
  });

  it('a file truncated in the middle of a line names that line', () => {
    for (const cut of [good.length - 3, Math.floor(good.length / 2), 40]) {
      const text = good.slice(0, cut);
      const lineOfCut = text.split('\n').length;
      try {
        readTrace(text);
        expect.unreachable('a truncated trace was read');
      } catch (e) {
        expect(e).toBeInstanceOf(TraceError);
        expect((e as TraceError).line).toBe(lineOfCut);
        expect((e as TraceError).message).toMatch(/not valid JSON \(is the file truncated or edited\?\)|ends without a verdict line/);
      }
    }
  });

  it('random corruption gives a trace or a TraceError, never another exception', () => {
    const edit = fc.oneof(
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('deleteLine' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('duplicateLine' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('swapLines' as const), at: fc.nat(), to: fc.nat() }),
      fc.record({ op: fc.constant('char' as const), at: fc.nat(), ch: fc.constantFrom('"', '{', '}', ',', ':', '0', '9', '-', 'x', ' ', '\n', '[', ']') }),
      fc.record({ op: fc.constant('value' as const), at: fc.nat(), v: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        let text = good;
        for (const e of edits) {
          const ls = text.split('\n');
          const i = e.at % Math.max(ls.length, 1);
          switch (e.op) {
            case 'truncate': text = text.slice(0, e.at % (text.length + 1)); break;
            case 'deleteLine': ls.splice(i, 1); text = ls.join('\n'); break;
            case 'duplicateLine': ls.splice(i, 0, ls[i] ?? ''); text = ls.join('\n'); break;
            case 'swapLines': { const j = e.to % ls.length; [ls[i], ls[j]] = [ls[j]!, ls[i]!]; text = ls.join('\n'); break; }
            case 'char': { const k = e.at % (text.length + 1); text = text.slice(0, k) + e.ch + text.slice(k + 1); break; }
            case 'value': {
              // Replace one JSON value of a line by another: the file stays JSON lines.
              try {
                const v = JSON.parse(ls[i] ?? '') as Record<string, unknown>;
                const keys = typeof v === 'object' && v !== null ? Object.keys(v) : [];
                if (keys.length > 0) (v as Record<string, unknown>)[keys[e.at % keys.length]!] = e.v;
                ls[i] = JSON.stringify(v);
              } catch {
                // not a JSON line any more: leave it
              }
              text = ls.join('\n');
              break;
            }
          }
        }
        try {
          readTrace(text);
        } catch (error) {
          if (!(error instanceof TraceError)) throw error;
          expect(error.line).toBeGreaterThanOrEqual(0);
          expect(error.line).toBeLessThanOrEqual(text.split('\n').length);
        }
      }),
      { seed: 20240601, numRuns: 500 },
    );
  });
});

/**
 * A trace whose steps name processes the run does not have (readTrace cannot tell: it does
 * not know the protocol) is replayed as the file says it is: steps that are not possible are
 * skipped. Regression: World.isPossible took `start` and `crash` of a process that does not
 * exist for possible (`this.replicas[p] !== null` is true for `undefined`), so replaying a
 * start of process 99 threw a TypeError (and `rio replay` exited 3, "internal compiler
 * error"), and a crash of process 99 was applied (before 048e279).
 */
describe('replaying steps of processes that do not exist', () => {
  const params = { n: 4, f: 1, sender: 0 };
  const { trace } = traceOf(BrachaBroadcast, { faults: 'none' }, 2);

  it('World.isPossible is false for start, crash and request of a process that does not exist', () => {
    const world = new World(BrachaBroadcast, params);
    expect(world.isPossible({ kind: 'request', process: 99, request: { type: 'broadcast', m: 1 } as never })).toBe(false);
    expect(world.isPossible({ kind: 'start', process: 99 })).toBe(false);
    expect(world.isPossible({ kind: 'crash', process: 99 })).toBe(false);
  });

  it('a start of process 99 is skipped on replay', () => {
    const steps: TraceStep[] = [{ t: 0, event: { kind: 'start', process: 99 }, choices: [] }, ...trace.steps];
    let replayed: ReturnType<typeof replaySteps> | undefined;
    expect(() => (replayed = replaySteps(BrachaBroadcast, params, [], steps, { checkLiveness: true }))).not.toThrow();
    expect(replayed?.applied).toEqual(trace.steps);
  });

  it('a crash of process 99 is skipped on replay', () => {
    const steps: TraceStep[] = [...trace.steps, { t: 500, event: { kind: 'crash', process: 99 }, choices: [] }];
    const replayed = replaySteps(BrachaBroadcast, params, [], steps, { checkLiveness: true });
    expect(replayed.applied).toEqual(trace.steps);
  });
});
