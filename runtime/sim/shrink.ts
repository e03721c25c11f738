/**
 * Shrinking a violating run to a short counterexample by delta debugging (Zeller's ddmin)
 * over its steps: remove chunks of steps, replay, keep the removal when the same property
 * is still violated. Replay skips steps that became impossible, so the result is always a
 * real execution; it is 1-minimal with respect to removing single steps.
 */
import type { ProtocolModule } from '../replica/contract.js';
import type { Process } from '../replica/values.js';
import { replaySteps } from './replay.js';
import type { TraceStep, Violation } from './simulate.js';

export interface ShrinkResult {
  readonly steps: TraceStep[];
  readonly violation: Violation;
  /** Replays tried. */
  readonly attempts: number;
}

/** Shrinks `steps` (which violate `violation.property`) to a small subsequence that still does. */
export function shrink(
  module: ProtocolModule<any, any>,
  params: unknown,
  byzantine: readonly Process[],
  steps: readonly TraceStep[],
  violation: Violation,
  maxAttempts = 50_000,
): ShrinkResult {
  const liveness = violation.kind === 'eventually';
  let attempts = 0;
  const test = (candidate: readonly TraceStep[]) => {
    attempts++;
    const result = replaySteps(module, params, byzantine, candidate, { checkLiveness: liveness });
    return result.violation !== undefined && result.violation.property === violation.property ? result : undefined;
  };
  // Start from the prefix that reaches the violation.
  const first = test(steps);
  if (first === undefined) throw new Error('internal: the run to shrink does not violate its property on replay');
  let current: TraceStep[] = first.applied;
  let best = first;
  let chunks = 2;
  while (current.length >= 2 && attempts < maxAttempts) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length && attempts < maxAttempts; start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      const result = test(candidate);
      if (result !== undefined) {
        current = result.applied;
        best = result;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunks >= current.length) break;
      chunks = Math.min(current.length, chunks * 2);
    }
  }
  return { steps: current, violation: best.violation!, attempts };
}
