/**
 * Shared checks of the BFT spec tests: a mutant caught by the targeted adversary (or the
 * simulator) must violate the named property, shrink to a short counterexample that still
 * violates it, and replay; the unmodified spec must hold its safety properties on the
 * same runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import type { Process } from '../../../runtime/replica/values.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { shrink } from '../../../runtime/sim/shrink.js';
import type { TraceStep, Violation } from '../../../runtime/sim/simulate.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import { firstTargetedViolation, runTargeted, type TargetedSearch } from './bft-adversary.js';
import { configFor, planRun, type RunOptions } from './sim-config.js';

const repo = join(import.meta.dirname, '..', '..', '..');
/** The longest shrunk counterexample accepted (as in mutants.test.ts). */
export const MAX_SHRUNK = 40;

export function loadMutant(spec: string, name: string, mutated = spec, protocol?: string): Promise<ProtocolModule<any, any>> {
  const text = readFileSync(join(repo, 'tests', 'mutants', spec, `${name}.rio`), 'utf8');
  expect(text.startsWith(`// MUTANT of specs/${mutated}.rio`)).toBe(true);
  return loadSnippet(text, protocol);
}

/** The violation shrinks to at most MAX_SHRUNK steps that replay to the same property. */
export function expectShrunk(module: ProtocolModule<any, any>, params: unknown, byzantine: readonly Process[], steps: readonly TraceStep[], violation: Violation, property: string, maxShrunk = MAX_SHRUNK): TraceStep[] {
  const prefix = steps.slice(0, violation.step + 1);
  const replayed = replaySteps(module, params, byzantine, prefix, { checkLiveness: false });
  expect(replayed.violation?.property).toBe(property);
  expect(replayed.violation?.step).toBe(violation.step);
  const shrunk = shrink(module, params, byzantine, prefix, violation);
  expect(shrunk.violation.property).toBe(property);
  expect(shrunk.steps.length, `shrunk from ${prefix.length} to ${shrunk.steps.length} steps`).toBeLessThanOrEqual(maxShrunk);
  const again = replaySteps(module, params, byzantine, shrunk.steps, { checkLiveness: false });
  expect(again.violation?.property).toBe(property);
  expect(again.applied.length).toBe(shrunk.steps.length);
  return shrunk.steps;
}

/**
 * The mutant is caught by the targeted adversary at `firstSeed` (scanning on to `lastSeed`
 * if the search has changed), for `property`; the original holds every safety property on
 * the seeds scanned (under `controlSearch`, by default the same search).
 */
export function expectTargetedCatch(
  original: ProtocolModule<any, any>, mutant: ProtocolModule<any, any>, params: unknown, search: TargetedSearch,
  firstSeed: number, lastSeed: number, property: string, maxShrunk = MAX_SHRUNK, controlSearch: TargetedSearch = search,
): TraceStep[] {
  const found = firstTargetedViolation(mutant, params, search, firstSeed, lastSeed);
  expect(found, `no violation in seeds ${firstSeed}..${lastSeed}`).toBeDefined();
  const { seed, byzantine, run } = found!;
  expect(run.violation!.property, run.violation!.message).toBe(property);
  if (seed !== firstSeed) console.warn(`the first violating seed is now ${seed}, not ${firstSeed}; update the test`);
  for (let s = firstSeed; s <= seed; s++) {
    const control = runTargeted(original, params, { ...controlSearch, seed: s, byzantine: controlSearch.byzantineOf(s), strategy: controlSearch.makeStrategy() });
    expect(control.violation, `original, seed ${s}: ${control.violation?.message}`).toBeUndefined();
  }
  return expectShrunk(mutant, params, byzantine, run.steps, run.violation!, property, maxShrunk);
}

/**
 * The mutant violates `property` in the simulator at `seed` with the given `rio simulate`
 * options (a protocol-following Byzantine strategy in --faults), the counterexample shrinks
 * and replays, and the unmodified spec holds its safety properties on the same run.
 */
export function expectSimulatorCatch(
  original: ProtocolModule<any, any>, mutant: ProtocolModule<any, any>, options: RunOptions, seed: number, property: string, maxShrunk = MAX_SHRUNK,
): TraceStep[] {
  const plan = planRun(mutant, options);
  const config = configFor(plan, seed);
  const result = simulate(config);
  expect(result.violation?.property, result.violation?.message).toBe(property);
  const control = simulate(configFor(planRun(original, options), seed, false));
  expect(control.violation?.kind, control.violation?.message).not.toBe('always');
  return expectShrunk(mutant, plan.params, config.faults.byzantine.map((b) => b.process), result.trace, result.violation!, property, maxShrunk);
}
