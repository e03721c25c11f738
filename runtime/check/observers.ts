/**
 * Observers: processes that only listen (Paxos's learners). An observer sends nothing,
 * starts no timer and gets no request, so no other process can tell when it received what,
 * and its deliveries commute with every other move. The model checker therefore does not
 * interleave them: it explores the other processes' moves (messages to observers stay in
 * flight, as a record of what was sent to them), and in each state it reaches it works out
 * what each observer could have received by then, in any order, and checks the properties
 * on every combination (docs/explore.md, "Observers").
 *
 * Whether a process really only listens is checked as it runs: a step of an observer that
 * sends a message or starts a timer throws `NotObserver`, and the search starts again
 * without that process's role among the observers.
 */
import type { Tagged } from '../replica/contract.js';
import { leavesOut, type ReplicaState } from '../replica/engine.js';
import { encode, type Process } from '../replica/values.js';
import { encodeReplicaState, nextScript, type World, type WorldEvent, type WorldState } from '../world/world.js';

/** A state an observer can reach by receiving some of the messages in flight to it. */
export interface Completion {
  readonly replica: ReplicaState;
  readonly indications: readonly Tagged[];
  /** The fewest deliveries that reach it, in order, with the choices each step made. */
  readonly steps: readonly { readonly event: WorldEvent; readonly choices: readonly number[] }[];
  /** An assertion failed, or a correct process's message failed its validity predicate, on the last step. */
  readonly error?: string;
}

/** A process taken for an observer did something an observer cannot. */
export class NotObserver extends Error {
  constructor(readonly process: Process, readonly role: string, readonly why: string) {
    super(`p${process} (${role}) is not an observer: ${why}`);
  }
}

/**
 * The completions of one observer, memoised by its own state and the messages in flight to
 * it (all they depend on).
 */
export class ObserverCompletions {
  private readonly memo = new Map<string, readonly Completion[]>();
  /** The observer's own state, encoded, per snapshot (it is part of the memo key, though in a search it stays as it started). */
  private readonly encodings = new WeakMap<ReplicaState, string>();
  /** Local states explored, over all memoised entries (for the summary). */
  localStates = 0;

  constructor(private readonly world: World, readonly process: Process) {}

  /**
   * The distinct states (variables and indications, which is all properties can read) the
   * observer can reach from `w` by receiving some of the messages in flight to it, in some
   * order, each with the fewest deliveries; the first is `w`'s own.
   */
  of(w: WorldState): readonly Completion[] {
    const p = this.process;
    const own = w.replicas[p]!;
    let start = this.encodings.get(own);
    if (start === undefined) this.encodings.set(own, (start = `${encodeReplicaState(own)}\u0001${encode(w.indications[p] as unknown as Tagged[])}`));
    const keys = Object.keys(w.inFlight).filter((k) => w.inFlight[k]![1] === p).sort();
    const key = `${start}\u0003${keys.map((k) => `${k}*${w.inFlight[k]![3]}`).join('\u0002')}`;
    let found = this.memo.get(key);
    if (found === undefined) this.memo.set(key, (found = this.explore(w)));
    return found;
  }

  get entries(): number {
    return this.memo.size;
  }

  private explore(from: WorldState): Completion[] {
    const p = this.process;
    const world = this.world;
    const replica = world.replica(p)!;
    /** What the observer's local identity leaves out (no assumption about rising variables). */
    const localIdentity = (w: WorldState): string => {
      const s = w.replicas[p]!;
      const ignored = replica.ignoredFor(s.vars, undefined, s.fired);
      const flights = Object.values(w.inFlight).filter(([f, to, m]) => to === p && !leavesOut(ignored, f, m)).map(([f, , m, copies]) => `${f}|${encode(m)}*${copies}`).sort();
      return `${encodeReplicaState(s, ignored)}\u0001${flights.join('\u0002')}\u0001${encode(w.indications[p] as unknown as Tagged[])}`;
    };
    const projection = (w: WorldState) => `${encode(w.replicas[p]!.vars)}\u0001${encode(w.indications[p] as unknown as Tagged[])}`;
    const completions = new Map<string, Completion>();
    const seen = new Set<string>([localIdentity(from)]);
    let queue: { w: WorldState; steps: Completion['steps'] }[] = [{ w: from, steps: [] }];
    completions.set(projection(from), { replica: from.replicas[p]!, indications: from.indications[p]!, steps: [] });
    while (queue.length > 0) {
      const next: typeof queue = [];
      for (const node of queue) {
        const flights = Object.values(node.w.inFlight).filter(([, to]) => to === p);
        for (const [f, , message] of flights) {
          const event: WorldEvent = { kind: 'deliver', from: f, to: p, message };
          // Every outcome of the step's choices, enumerated like an odometer.
          let script: readonly number[] | undefined = [];
          while (script !== undefined) {
            world.restore(node.w);
            const outcome = world.apply(event, script);
            script = nextScript(outcome);
            const steps = [...node.steps, { event, choices: outcome.choices }];
            const after = world.snapshot(node.w);
            if (outcome.error !== undefined) {
              const id = `error\u0001${outcome.error}`;
              if (!completions.has(id)) completions.set(id, { replica: after.replicas[p]!, indications: after.indications[p]!, steps, error: outcome.error });
              continue;
            }
            for (const effect of outcome.effects) {
              if (effect.kind === 'send') throw new NotObserver(p, replica.role ?? '', `it sent a ${'type' in effect.message ? effect.message.type : 'message'}`);
              if (effect.kind === 'startTimer') throw new NotObserver(p, replica.role ?? '', `it started timer ${effect.timer}`);
            }
            const id = localIdentity(after);
            if (seen.has(id)) continue;
            seen.add(id);
            this.localStates++;
            const shown = projection(after);
            if (!completions.has(shown)) completions.set(shown, { replica: after.replicas[p]!, indications: after.indications[p]!, steps });
            next.push({ w: after, steps });
          }
        }
      }
      queue = next;
    }
    return [...completions.values()];
  }
}
