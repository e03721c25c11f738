/**
 * A targeted Byzantine adversary for the BFT consensus specs, run in tests only.
 *
 * The simulator's own strategies cover what can be done to a protocol without knowing it
 * (runtime/sim/adversary.ts: conflicting re-signed copies of the spec's own messages, twins,
 * withholding, stale and forged certificates). Some mutants need a protocol decision: which
 * conflicting value to give whom so that both sides reach a quorum across rounds, or a fork
 * from a QC below the others' lock. This driver plays such a replica: it reacts to the
 * messages it receives with messages of its own, validly signed with its own symbolic key,
 * chosen by a per-spec strategy (bft-strategies.ts). Everything else is an ordinary
 * asynchronous run on the shared World: a seeded scheduler picks which message to deliver
 * or lose next, or which timer expires, and every step is recorded as a TraceStep, so a
 * violation can be shrunk (runtime/sim/shrink.ts) and replayed like a simulator run.
 */
import type { ProtocolModule, Tagged } from '../../../runtime/replica/contract.js';
import { symbolicCrypto } from '../../../runtime/replica/crypto.js';
import { Rng } from '../../../runtime/replica/rng.js';
import type { Data, Process } from '../../../runtime/replica/values.js';
import type { TraceStep, Violation } from '../../../runtime/sim/simulate.js';
import { World, type WorldEvent } from '../../../runtime/world/world.js';

/** What the Byzantine process knows when it reacts to a message. */
export interface ReactContext {
  readonly self: Process;
  readonly from: Process;
  readonly message: Tagged & Record<string, any>;
  /** The correct processes (the ones worth lying to). */
  readonly correct: readonly Process[];
  readonly rng: Rng;
  /** Its own signature of a payload (what a correct replica's `sign(x)` makes). */
  sign(payload: Data): Data;
  /** True the first time it is called with this key in a run (react once per slot). */
  once(key: string): boolean;
}

export interface TargetedStrategy {
  readonly name: string;
  /** The messages to send, as [recipient, message], in reaction to one received message. */
  react(ctx: ReactContext): readonly (readonly [Process, Tagged])[];
}

export interface TargetedOptions {
  readonly byzantine: readonly Process[];
  readonly strategy: TargetedStrategy;
  readonly seed: number;
  /** Probability that a delivery is a loss instead. */
  readonly loss: number;
  /** Probability of firing a running timer when messages are also pending. */
  readonly timerChance: number;
  readonly maxSteps: number;
  /** Probability that a pending message of a Byzantine process is delivered before any other (a fast adversary). */
  readonly byzantineFirst?: number;
  readonly requests?: readonly { readonly process: Process; readonly request: Tagged }[];
}

export interface TargetedRun {
  readonly steps: readonly TraceStep[];
  readonly violation?: Violation;
}

/** One run under the targeted adversary; stops at the first safety violation. */
export function runTargeted(module: ProtocolModule<any, any>, params: unknown, options: TargetedOptions): TargetedRun {
  const rng = new Rng(options.seed);
  const world = new World(module, params, { byzantine: options.byzantine });
  const correct = world.processes.filter((p) => !options.byzantine.includes(p));
  const steps: TraceStep[] = [];
  const reacted = new Set<string>();
  let violation: Violation | undefined;

  const apply = (event: WorldEvent): boolean => {
    if (!world.isPossible(event)) return false;
    const outcome = world.apply(event);
    steps.push({ t: steps.length, event, choices: outcome.choices });
    if (outcome.error !== undefined) {
      violation = { property: 'assertion', kind: 'assertion', step: steps.length - 1, time: steps.length - 1, message: outcome.error };
      return true;
    }
    const violated = outcome.firings.length > 0 ? world.violatedSafety() : undefined;
    if (violated !== undefined) {
      violation = { property: violated, kind: 'always', step: steps.length - 1, time: steps.length - 1, message: `'${violated}' does not hold after step ${steps.length - 1}` };
      return true;
    }
    return false;
  };

  for (const p of correct) if (apply({ kind: 'start', process: p })) return { steps, violation };
  for (const r of options.requests ?? []) if (apply({ kind: 'request', process: r.process, request: r.request })) return { steps, violation };

  while (steps.length < options.maxSteps) {
    const pending = world.pending();
    const timers = world.runningTimers().filter(([p]) => correct.includes(p));
    if (pending.length === 0 && timers.length === 0) break;
    if (pending.length > 0 && (timers.length === 0 || !rng.chance(options.timerChance))) {
      const fromByzantine = pending.filter(([from]) => options.byzantine.includes(from));
      const [from, to, message] = fromByzantine.length > 0 && rng.chance(options.byzantineFirst ?? 0) ? rng.pick(fromByzantine) : rng.pick(pending);
      if (rng.chance(options.loss)) {
        if (apply({ kind: 'lose', from, to, message })) break;
        continue;
      }
      if (apply({ kind: 'deliver', from, to, message })) break;
      if (options.byzantine.includes(to)) {
        const ctx: ReactContext = {
          self: to, from, message: message as Tagged & Record<string, any>, correct, rng,
          sign: (payload) => symbolicCrypto.sign(to, payload),
          once: (key) => !reacted.has(`${to}|${key}`) && reacted.add(`${to}|${key}`) !== undefined,
        };
        let stop = false;
        for (const [q, m] of options.strategy.react(ctx)) if ((stop = apply({ kind: 'inject', from: to, to: q, message: m }))) break;
        if (stop) break;
      }
    } else {
      const [process, timer, args] = rng.pick(timers);
      if (apply({ kind: 'timeout', process, timer, args: args as never })) break;
    }
  }
  return violation === undefined ? { steps } : { steps, violation };
}

/** A targeted search: the strategy is made afresh for each run (strategies keep per-run memory). */
export interface TargetedSearch extends Omit<TargetedOptions, 'seed' | 'strategy' | 'byzantine'> {
  readonly makeStrategy: () => TargetedStrategy;
  /** The Byzantine processes of a seed's run. */
  readonly byzantineOf: (seed: number) => readonly Process[];
}

/** The first seed in [from, to] whose targeted run violates a safety property. */
export function firstTargetedViolation(
  module: ProtocolModule<any, any>, params: unknown, search: TargetedSearch, from: number, to: number,
): { seed: number; byzantine: readonly Process[]; run: TargetedRun } | undefined {
  for (let seed = from; seed <= to; seed++) {
    const byzantine = search.byzantineOf(seed);
    const run = runTargeted(module, params, { ...search, seed, byzantine, strategy: search.makeStrategy() });
    if (run.violation !== undefined) return { seed, byzantine, run };
  }
  return undefined;
}
