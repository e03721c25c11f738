/**
 * The trace file: versioned JSON lines. The first line is a header (spec, protocol, spec
 * hash, parameters, seed, fault plan, network, workload); then one line per step
 * (`{"step":0,"t":0,"event":{...},"choices":[]}`); the last line is the verdict. The
 * simulator and the model checker write it; `rio replay` reads it back.
 */
import type { Data, Process } from '../replica/values.js';
import type { WorldEvent } from '../world/world.js';
import type { TraceStep, Violation } from './simulate.js';

export const TRACE_FORMAT = 'rio-trace';
export const TRACE_VERSION = 1;

export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
  readonly version: number;
  readonly spec: string;
  readonly protocol: string;
  readonly sourceHash: string;
  readonly params: Record<string, Data>;
  readonly seed: number | null;
  readonly byzantine: readonly Process[];
  /** Who wrote it: a simulation, a shrunk simulation, or the model checker. */
  readonly origin: 'simulate' | 'shrunk' | 'explore';
  /** Whether `eventually` properties were judged at the end. */
  readonly checkLiveness: boolean;
  /** Free-form description of the run's configuration (network, faults, workload). */
  readonly config: Record<string, unknown>;
}

export interface TraceFooter {
  readonly verdict: 'ok' | 'violation';
  readonly violation?: Violation;
}

export interface Trace {
  readonly header: TraceHeader;
  readonly steps: readonly TraceStep[];
  readonly footer: TraceFooter;
}

/** Serialises a trace (deterministic: same trace, same bytes). */
export function writeTrace(trace: Trace): string {
  const lines = [JSON.stringify(trace.header)];
  trace.steps.forEach((s, i) => lines.push(JSON.stringify({ step: i, t: s.t, event: s.event, choices: s.choices })));
  lines.push(JSON.stringify(trace.footer));
  return lines.join('\n') + '\n';
}

/** A trace file that cannot be read, with the line at fault. */
export class TraceError extends Error {
  override readonly name = 'TraceError';

  constructor(readonly line: number, message: string) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isProcess = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function checkEvent(v: unknown, line: number): WorldEvent {
  if (!isObject(v) || typeof v['kind'] !== 'string') throw new TraceError(line, 'the step has no valid "event"');
  const fail = (what: string): never => {
    throw new TraceError(line, `a "${String(v['kind'])}" event needs ${what}`);
  };
  const message = (x: unknown) => (isObject(x) && typeof x['type'] === 'string' ? x : fail('a "message" with a "type"'));
  switch (v['kind']) {
    case 'start': case 'crash': case 'restart':
      if (!isProcess(v['process'])) fail('a "process"');
      return { kind: v['kind'], process: v['process'] as number };
    case 'request':
      if (!isProcess(v['process'])) fail('a "process"');
      return { kind: 'request', process: v['process'] as number, request: message(v['request']) as never };
    case 'deliver': case 'inject': case 'lose': case 'duplicate':
      if (!isProcess(v['from']) || !isProcess(v['to'])) fail('"from" and "to" processes');
      return { kind: v['kind'], from: v['from'] as number, to: v['to'] as number, message: message(v['message']) as never };
    case 'timeout':
      if (!isProcess(v['process']) || typeof v['timer'] !== 'string' || !Array.isArray(v['args'])) fail('"process", "timer" and "args"');
      return { kind: 'timeout', process: v['process'] as number, timer: v['timer'] as string, args: v['args'] as Data[] };
    default:
      throw new TraceError(line, `unknown event kind "${String(v['kind'])}"`);
  }
}

/** Parses and validates a trace file's text. Throws `TraceError` with the line at fault. */
export function readTrace(text: string): Trace {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0 || lines[0]!.trim() === '') throw new TraceError(0, 'the file is empty; a trace starts with a header line');
  const parse = (l: string, i: number): unknown => {
    try {
      return JSON.parse(l);
    } catch {
      throw new TraceError(i + 1, 'not valid JSON (is the file truncated or edited?)');
    }
  };
  const header = parse(lines[0]!, 0);
  if (!isObject(header) || header['format'] !== TRACE_FORMAT) throw new TraceError(1, `not a rio trace (the header must have "format": "${TRACE_FORMAT}")`);
  if (header['version'] !== TRACE_VERSION) throw new TraceError(1, `trace format version ${String(header['version'])} is not supported (this rio reads version ${TRACE_VERSION})`);
  for (const key of ['spec', 'protocol', 'sourceHash'] as const) {
    if (typeof header[key] !== 'string') throw new TraceError(1, `the header has no "${key}"`);
  }
  if (!isObject(header['params'])) throw new TraceError(1, 'the header has no "params"');
  if (!Array.isArray(header['byzantine']) || !header['byzantine'].every(isProcess)) throw new TraceError(1, 'the header has no valid "byzantine" list');
  const steps: TraceStep[] = [];
  let footer: TraceFooter | undefined;
  for (let i = 1; i < lines.length; i++) {
    const v = parse(lines[i]!, i);
    if (!isObject(v)) throw new TraceError(i + 1, 'a line must be a JSON object');
    if ('verdict' in v) {
      if (i !== lines.length - 1) throw new TraceError(i + 1, 'the verdict must be the last line');
      if (v['verdict'] !== 'ok' && v['verdict'] !== 'violation') throw new TraceError(i + 1, 'the verdict must be "ok" or "violation"');
      footer = v as unknown as TraceFooter;
      break;
    }
    if (v['step'] !== steps.length) throw new TraceError(i + 1, `expected step ${steps.length}, found ${JSON.stringify(v['step'])}`);
    if (typeof v['t'] !== 'number' || !Array.isArray(v['choices']) || !v['choices'].every((c) => Number.isInteger(c) && c >= 0)) {
      throw new TraceError(i + 1, 'a step needs a time "t" and a list of "choices"');
    }
    steps.push({ t: v['t'], event: checkEvent(v['event'], i + 1), choices: v['choices'] as number[] });
  }
  if (footer === undefined) throw new TraceError(lines.length, 'the trace ends without a verdict line (is it truncated?)');
  return { header: header as unknown as TraceHeader, steps, footer };
}
