/** `rio explore`: exhaustive model checking of a small configuration of a spec. */
import { writeFileSync } from 'node:fs';
import { explore, type ExploreResult } from '../../runtime/check/explore.js';
import { faultBounds } from '../../runtime/sim/plan.js';
import { TRACE_FORMAT, TRACE_VERSION, writeTrace, type Trace } from '../../runtime/sim/trace.js';
import type { Io } from './io.js';
import { terminalProgress } from './progress.js';
import { checkCount, loadForRun, renderTraceReport, runSetup, UsageError } from './simulate.js';

export interface ExploreArgs {
  readonly spec: string;
  readonly protocol?: string;
  readonly params: readonly string[];
  readonly scenario?: string;
  readonly requests: readonly string[];
  readonly values: number;
  readonly byzantine?: string;
  readonly crashes?: number;
  readonly lossy: boolean;
  readonly maxStates: number;
  readonly maxDepth: number;
  readonly timeLimit: number;
  /** A count, or 'none'. */
  readonly maxTimeouts?: string;
  readonly dfs: boolean;
  readonly exact: boolean;
  readonly symmetry: boolean;
  /** Leave out messages guards reject for good while a variable never decreases (default true). */
  readonly stale?: boolean;
  /** Explore deliveries to observers per state (default true). */
  readonly observers?: boolean;
  /** Explore crashes even when no property can tell them (default false). */
  readonly explicitCrashes?: boolean;
  readonly trace?: string;
  readonly json: boolean;
}

/** Runs `rio explore`; returns the exit code (0 held, 1 violation, 2 usage or spec errors). */
export async function runExplore(args: ExploreArgs, io: Io): Promise<number> {
  checkCount('values', args.values, 1);
  checkCount('max-states', args.maxStates, 1);
  checkCount('max-depth', args.maxDepth, 0);
  if (!(args.timeLimit > 0)) throw new UsageError(`--time-limit ${String(args.timeLimit)}: expected a positive number of seconds`);
  if (args.crashes !== undefined) checkCount('crashes', args.crashes, 0);
  const maxTimeouts = parseMaxTimeouts(args.maxTimeouts ?? '1');
  const loaded = await loadForRun(args, io);
  if (typeof loaded === 'number') return loaded;
  const { module, specFile } = loaded;
  const { params, workload } = runSetup(module, specFile, args);
  const bounds = faultBounds(module, params);
  const n = module.processCount(params as never);
  const byzantine = args.byzantine === undefined
    ? Array.from({ length: bounds.byzantine }, (_, i) => n - 1 - i).reverse()
    : args.byzantine === 'none' ? [] : args.byzantine.split(',').map((x) => {
      const p = Number(x.trim());
      if (!Number.isInteger(p) || p < 0 || p >= n) throw new UsageError(`--byzantine '${x}': processes are 0..${n - 1}`);
      return p;
    });
  const crashes = args.crashes ?? bounds.crash;
  const progress = terminalProgress(!args.json && process.stderr.isTTY === true);
  const result: ExploreResult = explore({
    module, params, byzantine, crashes, workload, values: args.values, lossy: args.lossy,
    search: args.dfs ? 'dfs' : 'bfs', maxStates: args.maxStates, maxDepth: args.maxDepth, timeLimitMs: args.timeLimit * 1000, exact: args.exact, symmetry: args.symmetry, staleMessages: args.stale !== false,
    observers: args.observers !== false, subsumeCrashes: args.explicitCrashes !== true,
    ...(maxTimeouts === undefined ? {} : { maxTimeouts }),
    onProgress: (p) => progress.update(`${p.states} states, queue ${p.queue}, depth ${p.depth}, ${Math.round(p.states / Math.max(p.elapsedMs / 1000, 1e-3))} states/s, ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`),
  });
  progress.done();
  let tracePath: string | undefined;
  let report: string | undefined;
  if (result.counterexample !== undefined && result.violation !== undefined) {
    const trace: Trace = {
      header: {
        format: TRACE_FORMAT, version: TRACE_VERSION, spec: specFile, protocol: module.name, sourceHash: module.sourceHash, params, seed: null,
        byzantine, origin: 'explore', checkLiveness: false, config: { workload, values: args.values, crashes, lossy: args.lossy },
      },
      steps: result.counterexample,
      footer: { verdict: 'violation', violation: result.violation },
    };
    report = renderTraceReport(module, trace);
    if (args.trace !== undefined) {
      writeFileSync(args.trace, writeTrace(trace));
      tracePath = args.trace;
    }
  }
  const s = result.symmetry;
  const symmetryNote = s.applied
    ? `symmetry reduction: on, over ${s.classes.map((c) => `{${c.map((p) => `p${p}`).join(', ')}}`).join(' and ')} (${s.renamings} renamings); the count is of states up to renaming`
    : `symmetry reduction: ${args.symmetry ? `not applied (${s.reason})` : 'off'}`;
  if (args.json) {
    io.out(JSON.stringify({
      verdict: result.verdict, spec: specFile, protocol: module.name, params, byzantine, crashes,
      states: result.states, transitions: result.transitions, byzantineUniverse: result.byzantineUniverse, unreadableForgeries: result.unreadableForgeries, depth: result.maxDepthReached, complete: result.complete,
      ...(result.cutBy === undefined ? {} : { cutBy: result.cutBy }), timeoutsBounded: result.timeoutsBounded, maxTimeouts: maxTimeouts ?? 'none', deadlocks: result.deadlocks, seconds: result.elapsedMs / 1000,
      ...(result.violation === undefined ? {} : { property: result.violation.property, counterexample: result.counterexample }),
      ...(tracePath === undefined ? {} : { trace: tracePath }), fingerprints: args.exact ? 'exact' : '64-bit',
      symmetry: s.applied ? { applied: true, classes: s.classes, renamings: s.renamings, factor: Number(s.factor.toFixed(3)) } : { applied: false, reason: s.reason },
      staleVariables: result.staleVariables, decreasingVariables: result.decreasingVariables,
      crashesSubsumed: result.crashesSubsumed, observers: result.observers, observerStates: result.observerStates,
    }, null, 2));
  } else {
    io.out(`rio explore ${specFile} (${module.name})`);
    io.out(`  parameters: ${Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}; Byzantine: ${byzantine.map((p) => `p${p}`).join(', ') || 'none'}; crashes: ${result.crashesSubsumed ? `subsumed (no property reads 'correct', so a crashed process is a process that takes no further step; --explicit-crashes to explore them)` : `up to ${crashes}`}; values: ${args.values}; ${args.lossy ? 'lossy' : 'reliable'} network`);
    io.out(`  workload: ${workload.map((w) => `p${w.process} ${w.request.type}`).join(', ') || 'none'}; search: ${args.dfs ? `depth-first (max depth ${args.maxDepth})` : 'breadth-first'}; ${symmetryNote}`);
    if (byzantine.length > 0) {
      io.out(`  Byzantine messages: ${result.byzantineUniverse} well-typed messages${result.unreadableForgeries > 0 ? `; ${result.unreadableForgeries} (message, recipient) pairs left out because no rule of the recipient could ever read them` : ''}`);
    }
    if (report !== undefined) {
      io.out('');
      io.out(`VIOLATION of '${result.violation!.property}': a shortest counterexample has ${result.counterexample!.length} steps`);
      io.out(report);
      if (tracePath !== undefined) io.out(`trace written to ${tracePath} (replay it with: rio replay ${tracePath})`);
    }
    io.out('');
    const cut = result.cutBy === 'memory' ? 'memory: the heap was nearly full; try --dfs with --max-depth, or fewer values' : result.cutBy ?? 'the violation';
    const within = result.timeoutsBounded ? ` within the timeout bound (each process's timers expire at most ${maxTimeouts} times; --max-timeouts)` : '';
    io.out(`${result.complete ? `fully explored${within}` : `NOT fully explored (cut by ${cut})`}: ${result.states} distinct states, ${result.transitions} transitions, depth ${result.maxDepthReached}, ${(result.elapsedMs / 1000).toFixed(1)} s, ${Math.round(result.states / Math.max(result.elapsedMs / 1000, 1e-3))} states/s`);
    if (s.applied) io.out(`symmetry reduction factor: ${s.factor.toFixed(2)} (the states the search would have visited without it, ${Math.round(s.factor * result.states)}, over those it visited${result.complete ? '' : '; the search was cut, so this is for the explored part'})`);
    io.out(`state identity: ${args.exact ? 'exact encodings' : `64-bit fingerprints (collision probability about ${(result.states * result.states / 2 ** 65).toExponential(1)}; --exact to rule it out)`}; messages no rule will read again are left out (docs/explore.md)`);
    if (result.staleVariables.length > 0) io.out(`  also left out: messages a guard rejects for good while ${result.staleVariables.join(', ')} never decrease${result.staleVariables.length === 1 ? 's' : ''} (checked on every step; --no-stale to keep them)`);
    if (result.decreasingVariables.length > 0) io.out(`  ${result.decreasingVariables.join(', ')} decreased in some step, so messages their guards reject were kept (the search started again)`);
    if (result.observers.length > 0) io.out(`observers: ${result.observers.map((p) => `p${p}`).join(', ')} only ${result.observers.length === 1 ? 'listens, so its' : 'listen, so their'} deliveries were not interleaved: the count is of the other processes' states, and in each the properties were checked on everything the observers could have received by then (${result.observerStates} observer states; --no-observers to interleave them)`);
    if (result.deadlocks > 0) io.out(`warning: ${result.deadlocks} final state${result.deadlocks === 1 ? '' : 's'} where an eventually-property does not hold (nothing can happen, yet a process awaits progress)`);
    if (result.verdict === 'ok') io.out(`ok: every always-property held in every explored state: ${module.properties.filter((p) => p.kind === 'always').map((p) => p.name).join(', ') || 'none declared'}`);
  }
  return result.verdict === 'ok' ? 0 : 1;
}

/** `--max-timeouts`: a count of timer expiries per process, or 'none' (undefined: no bound). */
function parseMaxTimeouts(text: string): number | undefined {
  if (text.trim() === 'none') return undefined;
  const k = Number(text);
  if (text.trim() === '' || !Number.isInteger(k) || k < 0) throw new UsageError(`--max-timeouts '${text}': expected a count (0, 1, 2, ...) or 'none'`);
  return k;
}
