/**
 * Replaying a sequence of world events: the basis of `rio replay`, of shrinking, and of
 * checking the model checker's counterexamples. Events that are not possible in the
 * replayed world (a message no one sent, a timer not running) are skipped, so whatever is
 * replayed is a real execution of the protocol.
 */
import type { ProtocolModule, Wire } from '../replica/contract.js';
import { encode, type Process } from '../replica/values.js';
import { World, type WorldEvent } from '../world/world.js';
import type { TraceStep, Violation } from './simulate.js';

export interface ReplayResult {
  /** The steps that were possible and were applied. */
  readonly applied: TraceStep[];
  readonly violation?: Violation;
  /** One line of outcome per applied step, for reports. */
  readonly world: World;
}

export interface ReplayOptions {
  /** Judge `eventually` properties at the end (the original run ended stable). */
  readonly checkLiveness: boolean;
  /**
   * For the shrinker: a delivery of a message no longer in flight delivers instead the
   * in-flight message of the same type from the same sender to the same receiver that agrees
   * with it on the most fields (if any). Removing a step often changes what later messages
   * carry (a round's value), not whether they are sent; adapting keeps the schedule of who
   * hears from whom. What is applied is recorded, so the result replays exactly.
   */
  readonly adapt?: boolean;
}

/** Replays steps on a fresh world; stops at the first safety violation. */
export function replaySteps(module: ProtocolModule<any, any>, params: unknown, byzantine: readonly Process[], steps: readonly TraceStep[], options: ReplayOptions): ReplayResult {
  const world = new World(module, params, { byzantine });
  const applied: TraceStep[] = [];
  for (const original of steps) {
    let step = original;
    if (!world.isPossible(step.event)) {
      const substitute = options.adapt === true ? closestInFlight(world, step.event) : undefined;
      if (substitute === undefined) continue;
      step = { ...step, event: substitute };
    }
    const outcome = world.apply(step.event, step.choices);
    applied.push({ t: step.t, event: step.event, choices: outcome.choices });
    if (outcome.error !== undefined) {
      return { applied, world, violation: { property: 'assertion', kind: 'assertion', step: applied.length - 1, time: step.t, message: outcome.error } };
    }
    if (outcome.firings.length > 0 || step.event.kind === 'crash' || step.event.kind === 'restart') {
      const violated = world.violatedSafety();
      if (violated !== undefined) {
        return { applied, world, violation: { property: violated, kind: 'always', step: applied.length - 1, time: step.t, message: `'${violated}' does not hold after step ${applied.length - 1} (t=${step.t})` } };
      }
    }
  }
  if (options.checkLiveness) {
    const unmet = world.unmetLiveness();
    if (unmet.length > 0) {
      const t = applied[applied.length - 1]?.t ?? 0;
      return { applied, world, violation: { property: unmet[0]!, kind: 'eventually', step: applied.length, time: t, message: `'${unmet[0]}' does not hold at the end of the run (t=${t})` } };
    }
  }
  return { applied, world };
}

/** The in-flight message that can stand for a delivery no longer possible (`ReplayOptions.adapt`). */
function closestInFlight(world: World, event: WorldEvent): WorldEvent | undefined {
  if (event.kind !== 'deliver') return undefined;
  const wanted = event.message;
  let best: Wire | undefined;
  let bestScore = -1;
  // Canonical order, first best: deterministic.
  for (const [from, to, message] of world.pending()) {
    if (from !== event.from || to !== event.to || message.type !== wanted.type) continue;
    let score = 0;
    for (const [field, value] of Object.entries(message)) if (encode(value) === encode((wanted as Record<string, unknown>)[field])) score++;
    if (score > bestScore) {
      best = message;
      bestScore = score;
    }
  }
  return best === undefined ? undefined : { kind: 'deliver', from: event.from, to: event.to, message: best };
}
