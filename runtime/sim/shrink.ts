/**
 * Shrinking a violating run to a short counterexample. Each candidate is a subsequence of
 * the run's steps, replayed on a fresh world and kept when the same property is still
 * violated. A delivery that became impossible delivers instead the corresponding message in
 * flight (same type, sender and receiver: removing a step often changes what later messages
 * carry, not who sends them), or is skipped (`ReplayOptions.adapt`); what was applied is
 * kept, so the result is always a real execution and replays exactly.
 *
 * Two kinds of passes alternate until neither removes anything (or the replay budget ends):
 *
 * - Removing related steps together: all steps of one process, of one message type, or
 *   whose message carries one value in one field (all messages of a round, of a ballot, of a
 *   value). Steps of a protocol depend on each other in these ways, so that a run is often
 *   1-minimal for removing single steps (every step is needed by another) while a whole
 *   round or a whole process can go at once.
 * - Delta debugging (Zeller's ddmin) over the steps: remove chunks, halving their size until
 *   single steps; the result is 1-minimal with respect to removing single steps.
 */
import type { ProtocolModule, Tagged, Wire } from '../replica/contract.js';
import { isEnvelope } from '../replica/engine.js';
import { encode, type Process } from '../replica/values.js';
import type { WorldEvent } from '../world/world.js';
import { replaySteps, type ReplayResult } from './replay.js';
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
  const test = (candidate: readonly TraceStep[]): ReplayResult | undefined => {
    attempts++;
    const result = replaySteps(module, params, byzantine, candidate, { checkLiveness: liveness, adapt: true });
    return result.violation !== undefined && result.violation.property === violation.property ? result : undefined;
  };
  // Start from the prefix that reaches the violation.
  const first = test(steps);
  if (first === undefined) throw new Error('internal: the run to shrink does not violate its property on replay');
  let best = first;
  const budgetLeft = () => attempts < maxAttempts;

  /** Removes groups of related steps, each at most once per round of passes; true if any went. */
  const removeRelated = (): boolean => {
    let removedAny = false;
    for (const label of relatedGroups(best.applied)) {
      if (!budgetLeft()) break;
      // Groups are recomputed by label on the current steps: earlier removals shift indices.
      const current = best.applied;
      const candidate = current.filter((step) => !groupLabels(step).includes(label));
      if (candidate.length === current.length || candidate.length === 0) continue;
      const result = test(candidate);
      if (result !== undefined) {
        best = result;
        removedAny = true;
      }
    }
    return removedAny;
  };

  /** ddmin over single steps; true if it removed any. */
  const deltaDebug = (): boolean => {
    const before = best.applied.length;
    let chunks = 2;
    while (best.applied.length >= 2 && budgetLeft()) {
      const current = best.applied;
      const size = Math.ceil(current.length / chunks);
      let reduced = false;
      for (let start = 0; start < current.length && budgetLeft(); start += size) {
        const result = test([...current.slice(0, start), ...current.slice(start + size)]);
        if (result !== undefined) {
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
    return best.applied.length < before;
  };

  // To a fixpoint: a removal of either kind can make one of the other kind possible.
  for (let changed = true; changed && budgetLeft(); ) {
    const related = removeRelated();
    const single = deltaDebug();
    changed = related || single;
  }
  return { steps: best.applied, violation: best.violation!, attempts };
}

/** The labels of the groups a step belongs to (see `shrink`). */
function groupLabels(step: TraceStep): string[] {
  const event = step.event;
  const labels = [`process ${actor(event)}`];
  if (event.kind === 'deliver') labels.push(`from ${event.from}`, `from ${event.from} to ${event.to}`);
  const message = messageOf(event);
  if (message !== undefined) {
    labels.push(`type ${message.type}`);
    for (const [field, value] of Object.entries(message)) {
      if (field === 'type') continue;
      const text = encode(value);
      // A field of one message type (REPORT's round), and of any type (a whole round).
      labels.push(`field ${message.type}.${field}=${text}`, `field ${field}=${text}`);
    }
  }
  return labels;
}

/** Every group label of `steps`, largest groups first (they shorten the run most when they go). */
function relatedGroups(steps: readonly TraceStep[]): string[] {
  const sizes = new Map<string, number>();
  for (const step of steps) for (const label of groupLabels(step)) sizes.set(label, (sizes.get(label) ?? 0) + 1);
  return [...sizes].filter(([, size]) => size > 1).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([label]) => label);
}

/** The process a step happens at: the receiver of a delivery, the sender of a Byzantine message. */
function actor(event: WorldEvent): Process {
  switch (event.kind) {
    case 'deliver':
      return event.to;
    case 'inject':
    case 'lose':
    case 'duplicate':
      return event.from;
    default:
      return event.process;
  }
}

/** The message of a step, a sub-module's unwrapped from its envelopes. */
function messageOf(event: WorldEvent): Tagged | undefined {
  if (!('message' in event)) return undefined;
  let message: Wire = event.message;
  while (isEnvelope(message)) message = message.message;
  return message;
}
