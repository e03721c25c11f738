/**
 * Explicit-state model checking of a small configuration: every interleaving of message
 * deliveries, timer expiries, crashes (up to the bound), Byzantine messages (every
 * well-typed message over the finite domains, each to each process at most once: a
 * replica ignores a repeated message anyway) and every outcome of `choose`/`random`.
 *
 * States are worlds (runtime/world); a state's identity is a 64-bit fingerprint of its
 * canonical encoding (or, with `exact`, the encoding itself). Breadth-first search finds a
 * shortest counterexample; depth-first search with a depth bound is an option.
 *
 * Simplifications, documented in docs/explore.md: processes start before anything else
 * happens (start rules run in process order); each request of the workload happens once,
 * in any order with everything else; time is abstract (a timer may expire at any moment
 * while it runs).
 */
import { getHeapStatistics } from 'node:v8';
import type { ProtocolModule, Tagged, TypeDesc, Wire } from '../replica/contract.js';
import { encode, type Data, type Process } from '../replica/values.js';
import { allMessages } from '../sim/domain.js';
import { PlanError } from '../sim/plan.js';
import type { TraceStep, Violation } from '../sim/simulate.js';
import type { ReplicaState } from '../replica/engine.js';
import { encodeReplicaState, encodeWorldState, nextScript, withoutStale, World, type Ignored, type WorldEvent, type WorldState } from '../world/world.js';
import { leavesOut } from '../replica/engine.js';
import { NotObserver, ObserverCompletions, type Completion } from './observers.js';
import { comparePrints, IntList, mix32, printOf, PrintBuilder, PrintSet, type Print } from './prints.js';
import { permutations, planSymmetry, Renamer, type Renaming, type SymmetryPlan } from './symmetry.js';

export interface ExploreConfig<P = any> {
  readonly module: ProtocolModule<P, any>;
  readonly params: P;
  readonly byzantine: readonly Process[];
  /** How many correct processes may crash. */
  readonly crashes: number;
  readonly workload: readonly { readonly process: Process; readonly request: Tagged }[];
  /** Size of the Value domain for Byzantine messages. */
  readonly values: number;
  readonly lossy: boolean;
  readonly search: 'bfs' | 'dfs';
  readonly maxStates: number;
  readonly maxDepth: number;
  readonly timeLimitMs: number;
  /**
   * How many times each process's timers may expire in all (abstract time lets a timer
   * expire at any moment, so a retry timer alone makes the space infinite). Undefined: no bound.
   */
  readonly maxTimeouts?: number;
  /** Keep full encodings instead of fingerprints (no collisions, more memory). */
  readonly exact: boolean;
  /** Identify states that differ by a renaming of interchangeable processes (symmetry.ts). */
  readonly symmetry?: boolean;
  /** How many states the symmetry is tested on before the search (default 200). */
  readonly symmetryChecks?: number;
  /**
   * 'ignore' (default): two states that differ only in messages a process can never react
   * to again (every rule reading them stopped for good: `stopsWhen`), received or in flight
   * to it, are one state. 'keep' tells them apart (for counts worked out by hand).
   */
  readonly deadMessages?: 'ignore' | 'keep';
  /**
   * With deadMessages 'ignore': also leave out single messages a guard conjunct such as
   * `b = ballot` rejects for good if the variable never decreases (`staleWhen`). The search
   * checks on every step that no such variable decreased; if one does, it starts again without
   * that assumption (`ExploreResult.staleVariables` says which were kept). Default true.
   */
  readonly staleMessages?: boolean;
  /**
   * Crash–stop faults change nothing the properties can see when no property reads
   * `correct` and none is an `eventually` property: every state a run with a crash reaches
   * is, as the properties see it, one the run without it reaches (the process just takes no
   * further step). Then crashes are not explored (`ExploreResult.crashesSubsumed`). Default true.
   */
  readonly subsumeCrashes?: boolean;
  /**
   * Explore the deliveries to observers (processes that only listen) per state instead of
   * interleaving them (observers.ts). Default true.
   */
  readonly observers?: boolean;
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Called with each distinct state the search keeps (for tests and tools that inspect the space). */
  readonly onState?: (w: WorldState) => void;
}

export interface ExploreProgress {
  readonly states: number;
  readonly queue: number;
  readonly depth: number;
  readonly transitions: number;
  readonly elapsedMs: number;
}

export interface ExploreResult {
  readonly verdict: 'ok' | 'violation';
  readonly violation?: Violation;
  /** The shortest (BFS) path to the violation. */
  readonly counterexample?: readonly TraceStep[];
  readonly states: number;
  readonly transitions: number;
  readonly maxDepthReached: number;
  /** True when every reachable state was explored (no bound cut the search). */
  readonly complete: boolean;
  /**
   * True when some timer could have expired again but for `maxTimeouts`: `complete` then
   * means every state reachable within that bound was explored.
   */
  readonly timeoutsBounded: boolean;
  readonly cutBy?: 'maxStates' | 'maxDepth' | 'timeLimit' | 'memory';
  /** Final states (nothing can happen) where an `eventually` property does not hold. */
  readonly deadlocks: number;
  /** Bytes held by the visited-state table and by how each state was reached (for counterexamples). */
  readonly stateBytes: number;
  readonly elapsedMs: number;
  /** Byzantine messages in the universe each Byzantine process may send. */
  readonly byzantineUniverse: number;
  /** Forgeries (message, recipient) left out because no rule of the recipient could ever read them. */
  readonly unreadableForgeries: number;
  readonly symmetry: SymmetryReport;
  /**
   * The variables (role.variable) assumed never to decrease, so that messages their guards
   * reject for good were left out; checked on every step of the search.
   */
  readonly staleVariables: readonly string[];
  /** Variables first assumed never to decrease but seen to decrease (the search started again without them). */
  readonly decreasingVariables: readonly string[];
  /** True when crashes were not explored because no property can tell a crash (`subsumeCrashes`). */
  readonly crashesSubsumed: boolean;
  /**
   * The observers (processes that only listen) whose deliveries were explored per state
   * rather than interleaved; `states` then counts the states of the other processes' moves.
   */
  readonly observers: readonly Process[];
  /** The distinct states the observers' deliveries reached (over all the states they were worked out from). */
  readonly observerStates: number;
}

/** Whether symmetry reduction was used, on which processes, and what it saved. */
export type SymmetryReport =
  | { readonly applied: false; readonly reason: string }
  | {
      readonly applied: true;
      readonly classes: readonly (readonly Process[])[];
      readonly renamings: number;
      /**
       * States the search would have visited without the reduction (the sizes of the visited
       * states' orbits summed) divided by the states it visited. Exact for a complete search.
       */
      readonly factor: number;
    };

/** The part of a search state beyond the world: which requests and forgeries already happened. */
interface Extra {
  readonly requestsDone: readonly number[];
  /** How many times each process's timers expired, by process (only with `maxTimeouts`). */
  readonly timeouts: readonly number[];
  /** One character per possible forgery: '1' once it happened. */
  readonly forged: string;
  readonly crashes: number;
}


/** A state still to expand: its full snapshot, and each replica's encoding (reused by children). */
interface Pending {
  readonly index: number;
  readonly world: WorldState;
  readonly extra: Extra;
  readonly depth: number;
  /** Each replica's encoding, when state identity uses them (no symmetry reduction). */
  readonly encodings?: readonly string[];
  /** What each process's encoding leaves out (deadMessages 'ignore'). */
  readonly ignored: readonly (Ignored | undefined)[];
}

type Move =
  | { readonly kind: 'world'; readonly event: WorldEvent }
  | { readonly kind: 'request'; readonly index: number }
  | { readonly kind: 'forge'; readonly index: number; readonly from: Process; readonly to: Process; readonly message: Wire };

/** A variable assumed never to decrease did decrease: the search must start again without the assumption. */
class Decreased extends Error {
  constructor(readonly role: string, readonly variable: string) {
    super(`${role}.${variable} decreased`);
  }
}

/** `Role.variable`, or `variable` in a protocol without roles. */
const qualified = (role: string, variable: string) => (role === '' ? variable : `${role}.${variable}`);

/** Explores the state space of one configuration. */
export function explore(config: ExploreConfig): ExploreResult {
  const started = Date.now();
  // Variables whose guards reject messages for good if they never decrease, by role.
  const rising = new Map<string, Set<string>>();
  if (config.staleMessages !== false && config.deadMessages !== 'keep') {
    for (const rule of config.module.rules) {
      if (rule.event !== 'receive' || rule.staleWhen === undefined) continue;
      let vars = rising.get(rule.role ?? '');
      if (vars === undefined) rising.set(rule.role ?? '', (vars = new Set()));
      for (const e of rule.staleWhen) vars.add(e.variable);
    }
  }
  const decreasing: string[] = [];
  /** Roles seen not to be observers (one of their processes sent a message or started a timer). */
  const speaking = new Set<string>();
  for (;;) {
    try {
      const result = exploreAssuming(config, rising, started, config.observers !== false, speaking);
      return { ...result, decreasingVariables: decreasing };
    } catch (error) {
      if (error instanceof NotObserver) {
        speaking.add(error.role);
        continue;
      }
      if (!(error instanceof Decreased)) throw error;
      rising.get(error.role)!.delete(error.variable);
      decreasing.push(qualified(error.role, error.variable));
    }
  }
}

function exploreAssuming(
  config: ExploreConfig, rising: ReadonlyMap<string, ReadonlySet<string>>, started: number, useObservers: boolean, speaking: ReadonlySet<string>,
): Omit<ExploreResult, 'decreasingVariables'> {
  const heapBudget = getHeapStatistics().heap_size_limit * 0.8;
  const ignoring = config.deadMessages !== 'keep';
  const world = new World(config.module, config.params, { byzantine: config.byzantine, dropToByzantine: true });
  /** The variables of p's role assumed never to decrease. */
  const risingAt = world.processes.map((p) => rising.get(world.replica(p)?.role ?? ''));
  const liveness = config.module.properties.some((p) => p.kind === 'eventually');
  const crashesSubsumed = config.crashes > 0 && config.subsumeCrashes !== false && config.module.propertiesReadCorrect === false && !liveness;
  const crashBudget = crashesSubsumed ? 0 : config.crashes;
  /**
   * A crashed process never steps again (crash–stop): what it received, the records of what
   * its rules fired for, the messages in flight to it, and the variables no property reads
   * change nothing any more.
   */
  const crashedIgnored: Ignored = {
    types: new Set(config.module.messages.map((m) => m.name)), rules: new Set(config.module.rules.map((r) => r.name)), stale: () => true, staleFired: () => true,
    ...(config.module.propertyReads === undefined ? {} : { vars: new Set(config.module.propertyReads) }),
  };
  const ignoredAt = (p: Process) => (!ignoring ? undefined : world.isCrashed(p) ? crashedIgnored : world.ignoredAt(p, risingAt[p]));
  /** What each process's part of a snapshot leaves out, per replica snapshot. */
  const ignoredCache = new WeakMap<ReplicaState, Ignored>();
  const ignoredIn = (w: WorldState): (Ignored | undefined)[] =>
    w.replicas.map((s, p) => {
      if (!ignoring || s === null) return undefined;
      if (w.crashed.includes(p)) return crashedIgnored;
      let ignored = ignoredCache.get(s);
      if (ignored === undefined) ignoredCache.set(s, (ignored = world.replica(p)!.ignoredFor(s.vars, risingAt[p], s.fired)));
      return ignored;
    });
  // Processes start before anything else; a start that does something is a step of every
  // counterexample (a replay must send what the start rules send).
  const startSteps: TraceStep[] = [];
  /** Processes whose start sent a message or started a timer: not observers. */
  const speaks = new Set<Process>();
  for (const p of world.processes) {
    if (config.byzantine.includes(p)) continue;
    const event: WorldEvent = { kind: 'start', process: p };
    const outcome = world.apply(event);
    if (outcome.effects.length > 0 || outcome.firings.length > 0) startSteps.push({ t: 0, event, choices: outcome.choices });
    if (outcome.effects.some((e) => e.kind === 'send' || e.kind === 'startTimer')) speaks.add(p);
  }
  // Observers: processes that only listen (observers.ts). Taken only when nothing else can
  // tell when they receive: no crash to explore (a crash of one competes with the others'
  // for the budget), no Byzantine process, no `eventually` property (final states need every
  // delivery), no sub-modules. Whether they really only listen is checked as they run.
  const observerRoles = new Set(config.module.roles.map((r) => r.name).filter((role) => !speaking.has(role) &&
    !config.module.rules.some((r) => (r.role ?? '') === role && (r.event === 'timeout' || r.event === 'request' || r.event === 'indication'))));
  const observerProcesses = !useObservers || crashBudget > 0 || config.byzantine.length > 0 || liveness || config.module.modules.length > 0 ? [] :
    world.processes.filter((p) => {
      const role = world.replica(p)?.role;
      return role !== undefined && observerRoles.has(role) && !speaks.has(p) && !config.workload.some((w) => w.process === p);
    });
  const isObserver = world.processes.map((p) => observerProcesses.includes(p));
  const observed = observerProcesses.map((p) => new ObserverCompletions(world, p));
  /**
   * The fewest deliveries to observers after which, from state w, a property fails or a
   * step fails (an assertion), if any: every combination of what each observer could have
   * received by then is checked.
   */
  const observerViolation = (w: WorldState): { property: string; kind: 'always' | 'assertion'; message?: string; steps: Completion['steps'] } | undefined => {
    if (observed.length === 0) return undefined;
    const lists = observed.map((o) => o.of(w));
    let found: ReturnType<typeof observerViolation>;
    for (const list of lists) {
      for (const c of list) {
        if (c.error !== undefined && (found === undefined || c.steps.length < found.steps.length)) found = { property: 'assertion', kind: 'assertion', message: c.error, steps: c.steps };
      }
    }
    if (lists.every((l) => l.length === 1)) return found;
    const replicas = [...w.replicas];
    const indications = [...w.indications];
    const chosen: Completion[] = [];
    const combine = (k: number): void => {
      if (k === lists.length) {
        const steps = chosen.flatMap((c) => c.steps);
        if (steps.length === 0 || (found !== undefined && steps.length >= found.steps.length)) return;
        const violated = world.violatedSafety({ ...w, replicas, indications });
        if (violated !== undefined) found = { property: violated, kind: 'always', steps };
        return;
      }
      const p = observed[k]!.process;
      for (const c of lists[k]!) {
        if (c.error !== undefined) continue;
        replicas[p] = c.replica;
        indications[p] = c.indications;
        chosen[k] = c;
        combine(k + 1);
      }
    };
    combine(0);
    return found;
  };
  // The finite universe of Byzantine messages.
  const universe: Wire[] = [];
  if (config.byzantine.length > 0) {
    for (const desc of config.module.messages) {
      const all = allMessages(desc, { values: config.values, processes: world.processes, signer: config.byzantine[0]! }, 256);
      if (all === undefined) {
        throw new PlanError(
          `a Byzantine process could send too many different ${desc.name} messages to enumerate (more than 256, or a field of a type without a small finite domain: a set, sequence, map, string or digest); explore with --byzantine none, or with a smaller --values`,
        );
      }
      universe.push(...all);
    }
  }
  // A forgery no rule of its recipient could ever read (e.g. a SEND when the rule reads SEND
  // only `from sender`) would change nothing but the record that it happened: left out.
  const forgeries: { from: Process; to: Process; message: Wire }[] = [];
  let unreadable = 0;
  for (const from of config.byzantine) {
    for (const message of universe) {
      for (const to of world.processes) {
        if (to === from || config.byzantine.includes(to)) continue;
        if (world.replica(to)?.canEverRead(from, message) === false) unreadable++;
        else forgeries.push({ from, to, message });
      }
    }
  }
  /**
   * Forgeries of a type their recipient ignores for good (`ignoredFor`) would change nothing
   * (receipt only stores them, and the identity leaves them out): they are not made, and
   * whether they were made is forgotten, so that two states differing only there are one.
   */
  const forgetIgnoredForgeries = (extra: Extra, ignored: readonly (Ignored | undefined)[]): Extra => {
    if (forgeries.length === 0 || !ignoring) return extra;
    let forged: string | undefined;
    forgeries.forEach((f, i) => {
      if (extra.forged.charCodeAt(i) !== 49 || !leavesOut(ignored[f.to], f.from, f.message)) return;
      forged ??= extra.forged;
      forged = `${forged.slice(0, i)}0${forged.slice(i + 1)}`;
    });
    return forged === undefined ? extra : { ...extra, forged };
  };

  /** Set once a timer could have expired but for `maxTimeouts`: the space explored is then bounded. */
  let timeoutsBounded = false;
  /** Whether the last `movesOf` left out a timeout for the bound (such a state is not final). */
  let skippedTimeout = false;
  /** The moves possible in the live world, given what already happened. */
  const movesOf = (extra: Extra, ignored: readonly (Ignored | undefined)[]): Move[] => {
    const moves: Move[] = [];
    skippedTimeout = false;
    for (const [from, to, message] of world.pending()) {
      if (isObserver[to] === true) continue;
      moves.push({ kind: 'world', event: { kind: 'deliver', from, to, message } });
      if (config.lossy) moves.push({ kind: 'world', event: { kind: 'lose', from, to, message } });
    }
    for (const [process, timer, args] of world.runningTimers()) {
      if (config.maxTimeouts !== undefined && extra.timeouts[process]! >= config.maxTimeouts) timeoutsBounded = skippedTimeout = true;
      else moves.push({ kind: 'world', event: { kind: 'timeout', process, timer, args } });
    }
    config.workload.forEach((w, i) => {
      if (!extra.requestsDone.includes(i) && !world.isCrashed(w.process)) moves.push({ kind: 'request', index: i });
    });
    if (extra.crashes < crashBudget) {
      for (const p of world.correct) moves.push({ kind: 'world', event: { kind: 'crash', process: p } });
    }
    forgeries.forEach((f, i) => {
      if (extra.forged.charCodeAt(i) === 48 && !leavesOut(ignored[f.to], f.from, f.message)) moves.push({ kind: 'forge', index: i, ...f });
    });
    return moves;
  };

  /**
   * Makes one move in the live world (restored to `from`) with a script for its choices:
   * the event, its outcome, what happened since the start, the trace steps, and the next
   * script to try (every outcome of the step's choices, enumerated like an odometer).
   * Undefined when the move is not possible.
   */
  const perform = (from: WorldState, extraBefore: Extra, move: Move, script: readonly number[], t: number) => {
    world.restore(from);
    let event: WorldEvent;
    let extra = extraBefore;
    if (move.kind === 'world') {
      event = move.event;
      if (event.kind === 'crash') extra = { ...extra, crashes: extra.crashes + 1 };
      if (event.kind === 'timeout' && config.maxTimeouts !== undefined) {
        const p = event.process;
        extra = { ...extra, timeouts: extra.timeouts.map((k, q) => (q === p ? k + 1 : k)) };
      }
    } else if (move.kind === 'request') {
      const w = config.workload[move.index]!;
      event = { kind: 'request', process: w.process, request: w.request };
      extra = { ...extra, requestsDone: [...extra.requestsDone, move.index].sort((a, b) => a - b) };
    } else {
      // A forged message goes straight to its recipient: injecting it earlier changes nothing.
      world.apply({ kind: 'inject', from: move.from, to: move.to, message: move.message });
      event = { kind: 'deliver', from: move.from, to: move.to, message: move.message };
      extra = { ...extra, forged: `${extra.forged.slice(0, move.index)}1${extra.forged.slice(move.index + 1)}` };
    }
    if (!world.isPossible(event)) return undefined;
    const outcome = world.apply(event, script);
    const step: TraceStep = { t, event: move.kind === 'forge' ? { kind: 'inject', from: move.from, to: move.to, message: move.message } : event, choices: outcome.choices };
    const steps = move.kind === 'forge' ? [step, { t, event, choices: outcome.choices }] : [step];
    return { event, outcome, extra, steps, next: nextScript(outcome) };
  };

  const extraText = (extra: Extra) => `${extra.requestsDone.join(',')}|${extra.forged}|${extra.crashes}|${extra.timeouts.join(',')}`;

  // Symmetry: which processes are interchangeable, and how renamings act on forgeries.
  const renamer = new Renamer(config.module);
  let symmetry: SymmetryPlan | undefined;
  let symmetryReport: SymmetryReport = { applied: false, reason: 'off (--no-symmetry)' };
  const forgeryIndex = new Map(forgeries.map((f, i) => [`${f.from}>${f.to}|${encode(f.message)}`, i]));
  /** Where each renaming sends each forgery (computed once per renaming). */
  const forgeryPermutations = new Map<string, Int32Array>();
  const forgeryPermutation = (r: Renaming): Int32Array => {
    let perm = forgeryPermutations.get(r.join(','));
    if (perm === undefined) {
      perm = new Int32Array(forgeries.length);
      forgeries.forEach((f, i) => (perm![i] = forgeryIndex.get(`${r[f.from]}>${r[f.to]}|${encode(renamer.message(f.message, r))}`) ?? -1));
      forgeryPermutations.set(r.join(','), perm);
    }
    return perm;
  };
  const renameExtra = (extra: Extra, r: Renaming): Extra => {
    const timeouts = new Array<number>(extra.timeouts.length);
    extra.timeouts.forEach((k, p) => (timeouts[r[p]!] = k));
    if (forgeries.length === 0 || !extra.forged.includes('1')) return { ...extra, timeouts };
    const perm = forgeryPermutation(r);
    const forged = new Array<string>(forgeries.length).fill('0');
    for (let i = 0; i < forgeries.length; i++) if (extra.forged.charCodeAt(i) === 49) forged[perm[i]!] = '1';
    return { ...extra, forged: forged.join(''), timeouts };
  };
  /** The exact text of a snapshot with what happened since the start. */
  const textOf = (w: WorldState, extra: Extra, ignored = ignoredIn(w)) => `${encodeWorldState(w, ignored)}\u0007${extraText(extra)}`;
  /** Sum of the orbit sizes of the visited states; the size of the last identity's orbit. */
  let orbitTotal = 0;
  let lastOrbitSize = 1;

  /** A state's identity: its exact text (--exact) or a 64-bit fingerprint. */
  type Identity = string | Print;
  const visitedTexts = new Set<string>();
  const visitedPrints = new PrintSet();
  const visitedCount = () => (config.exact ? visitedTexts.size : visitedPrints.size);
  /** Records a state as visited; false when it already was. */
  const firstVisit = (id: Identity): boolean => {
    if (typeof id !== 'string') return visitedPrints.add(id);
    if (visitedTexts.has(id)) return false;
    visitedTexts.add(id);
    return true;
  };
  const identity = (encodings: () => readonly string[], ignored: readonly (Ignored | undefined)[], extra: Extra, snapshot: () => WorldState): Identity => {
    if (symmetry !== undefined) return canonicalIdentity(snapshot(), extra, symmetry, ignored);
    // As World.encode, but reusing the encodings of replicas the last step did not touch.
    const text = `${encodings().join('\u0007')}\u0007${world.encodeNetwork(ignored)}\u0007${extraText(extra)}`;
    return config.exact ? text : printOf(text);
  };

  /**
   * The identity of a state up to renaming: the least, over the renamings of the group
   * (the identity included), of the renamed state's identity. With fingerprints, a renamed
   * state's fingerprint combines its parts' fingerprints (each replica's, cached per replica
   * snapshot and renaming; each message's, cached per message and renaming; messages in
   * flight as a multiset), so renaming costs little more than a step; with --exact, it is
   * the full renamed text.
   */
  const canonicalIdentity = (w: WorldState, extra: Extra, plan: SymmetryPlan, ignored: readonly (Ignored | undefined)[]): Identity => {
    if (config.exact) {
      const orbit = new Set<string>();
      for (let i = 0; i <= plan.renamings.length; i++) {
        const r = i === 0 ? identityRenaming : plan.renamings[i - 1]!;
        const renamed = renamer.world(w, r);
        orbit.add(textOf(renamed, renameExtra(extra, r), ignoredIn(renamed)));
      }
      lastOrbitSize = orbit.size;
      let least: string | undefined;
      for (const key of orbit) if (least === undefined || key < least) least = key;
      return least!;
    }
    // Only the renamings that sort each class by a renaming-invariant key of its members
    // (ties in every order) are tried: the least over them is the same for every state of
    // an orbit, since renaming a state permutes its keys along with it.
    // (With two renamings, trying both costs less than computing the keys.)
    // The messages in flight that count, found once for all the renamings tried.
    const flights = Object.values(w.inFlight).filter(([from, to, m]) => !leavesOut(ignored[to], from, m));
    const candidates = plan.renamings.length <= 1 ? [identityRenaming, ...plan.renamings] : sortingRenamings(plan, invariantKeys(w, plan, ignored, flights));
    let least: Print | undefined;
    const distinct: Print[] = [];
    for (const r of candidates) {
      const print = renamedPrint(w, extra, r, ignored, flights);
      if (!distinct.some((o) => o.hi === print.hi && o.lo === print.lo)) distinct.push(print);
      if (least === undefined || comparePrints(print, least) < 0) least = print;
    }
    // The candidates are one sorting renaming composed with the tie permutations T, and two
    // give the same state exactly when they differ by a stabiliser of the state (which keeps
    // keys, so lies in T): |orbit| = |group| / |stabiliser| = |group| * distinct / |T|.
    lastOrbitSize = Math.round(((plan.renamings.length + 1) * distinct.length) / candidates.length);
    return least!;
  };

  /**
   * Per process, a fingerprint of its state and of the messages in flight to and from it,
   * with every process id replaced by the least id of its class: the same for p in s as for
   * r(p) in r(s), for every renaming r of the group.
   */
  const classOf = new Map<Process, number>();
  const abstraction: Process[] = world.processes.map((p) => p);
  const invariantKeys = (w: WorldState, plan: SymmetryPlan, ignored: readonly (Ignored | undefined)[], flights: WorldState['inFlight'][string][]): Print[] => {
    if (classOf.size === 0) {
      plan.classes.forEach((c, k) => {
        for (const p of c) {
          classOf.set(p, k);
          abstraction[p] = c[0]!;
        }
      });
    }
    const builders = w.replicas.map((s, p) => {
      const b = new PrintBuilder();
      if (classOf.has(p)) b.add(s === null ? CRASHED : abstractReplicaPrint(asIdentified(w, s, p), ignored[p]));
      return b;
    });
    for (const [from, to, m, copies] of flights) {
      const print = messagePrint(m, abstraction);
      if (classOf.has(to)) builders[to]!.addUnordered({ hi: print.hi ^ Math.imul(abstraction[from]! + 1, 0x9e3779b1), lo: mix32(print.lo + copies) });
      if (classOf.has(from)) builders[from]!.addUnordered({ hi: mix32(print.hi ^ 0x5bd1e995), lo: print.lo ^ Math.imul(abstraction[to]! + 1, 0x85ebca6b) ^ copies });
    }
    for (const p of w.crashed) builders[p]!.addNumber(-2);
    return builders.map((b) => b.done());
  };
  const abstractPrints = new WeakMap<ReplicaState, Print>();
  const abstractReplicaPrint = (s: ReplicaState, ignored: Ignored | undefined): Print => {
    let print = abstractPrints.get(s);
    if (print === undefined) {
      const kept = withoutStale(s, ignored);
      abstractPrints.set(s, (print = printOf(encodeReplicaState(renamer.replica(kept.state, abstraction, false), kept.ignored))));
    }
    return print;
  };

  /** The renamings that put each class's members in the order of their keys, ties in every order. */
  const sortingRenamings = (plan: SymmetryPlan, keys: readonly Print[]): Renaming[] => {
    let renamings: Process[][] = [world.processes.map((p) => p)];
    for (const members of plan.classes) {
      const slots = [...members].sort((a, b) => a - b);
      const sorted = [...members].sort((a, b) => comparePrints(keys[a]!, keys[b]!) || a - b);
      // Runs of equal keys: within a run, every order.
      const runs: Process[][] = [];
      for (const p of sorted) {
        const run = runs[runs.length - 1];
        if (run !== undefined && comparePrints(keys[run[0]!]!, keys[p]!) === 0) run.push(p);
        else runs.push([p]);
      }
      let orders: Process[][] = [[]];
      for (const run of runs) orders = orders.flatMap((prefix) => permutations(run).map((perm) => [...prefix, ...perm]));
      // The k-th process of an order goes to the class's k-th least id.
      renamings = renamings.flatMap((r) => orders.map((order) => {
        const next = [...r];
        order.forEach((p, k) => (next[p] = slots[k]!));
        return next;
      }));
    }
    // The same renaming object each time: caches (renamed messages) are keyed by it.
    return renamings.map((r) => {
      const key = r.join(',');
      let interned = internedRenamings.get(key);
      if (interned === undefined) internedRenamings.set(key, (interned = r));
      return interned;
    });
  };
  const internedRenamings = new Map<string, Renaming>();

  const identityRenaming: Renaming = world.processes.map((p) => p);
  /** A renaming's cache key: '' for the identity. */
  const keyOf = (r: Renaming): string => (r.every((q, p) => q === p) ? '' : r.join(','));
  /** A replica snapshot's fingerprint under each renaming tried on it. */
  const replicaPrints = new WeakMap<ReplicaState, Map<string, Print>>();
  const replicaPrint = (s: ReplicaState, r: Renaming, key: string, ignored: Ignored | undefined): Print => {
    let prints = replicaPrints.get(s);
    if (prints === undefined) replicaPrints.set(s, (prints = new Map()));
    let print = prints.get(key);
    if (print === undefined) {
      const kept = key === '' ? { state: s, ignored } : withoutStale(s, ignored);
      prints.set(key, (print = printOf(encodeReplicaState(key === '' ? s : renamer.replica(kept.state, r), kept.ignored))));
    }
    return print;
  };
  /** Whether a message or indication type has a field that holds process ids (renaming changes it). */
  const holdsProcesses = (t: TypeDesc): boolean =>
    t.kind === 'process' || ((t.kind === 'option' || t.kind === 'set' || t.kind === 'seq') && holdsProcesses(t.of)) ||
    (t.kind === 'map' && (holdsProcesses(t.key) || holdsProcesses(t.value))) || (t.kind === 'tuple' && t.elements.some(holdsProcesses)) ||
    (t.kind === 'record' && t.fields.some((f) => holdsProcesses(f.type)));
  const renamedTypes = new Set([...config.module.messages, ...config.module.indications].filter((d) => d.fields.some((f) => holdsProcesses(f.type))).map((d) => d.name));
  const taggedPrints = new WeakMap<object, Map<string, Print>>();
  /** A message's or indication's fingerprint under a renaming (types without process ids: one for all). */
  const taggedPrint = (m: Tagged, r: Renaming, key: string, rename: (m: Tagged, r: Renaming) => Tagged): Print => {
    const k = renamedTypes.has(m.type) ? key : '';
    let prints = taggedPrints.get(m);
    if (prints === undefined) taggedPrints.set(m, (prints = new Map()));
    let print = prints.get(k);
    if (print === undefined) prints.set(k, (print = printOf(encode(k === '' ? m : rename(m, r)))));
    return print;
  };
  const renameMessage = (m: Tagged, r: Renaming) => renamer.message(m, r) as Tagged;
  const renameIndication = (m: Tagged, r: Renaming) => renamer.indication(m, r);
  const messagePrint = (m: Wire, r: Renaming, key = keyOf(r)): Print => taggedPrint(m as Tagged, r, key, renameMessage);
  const CRASHED: Print = { hi: 0x2d2d2d2d, lo: 0x2d2d2d2d };
  /**
   * The replica state that identifies process p: a crashed process's without what it
   * received or fired for (a distinct object, so the print caches keyed by replica states
   * never give a crashed process the print of its state from before the crash).
   */
  const crashedStates = new WeakMap<ReplicaState, ReplicaState>();
  const asIdentified = (w: WorldState, s: ReplicaState, p: Process): ReplicaState => {
    if (!ignoring || !w.crashed.includes(p)) return s;
    let kept = crashedStates.get(s);
    if (kept === undefined) crashedStates.set(s, (kept = { ...withoutStale(s, crashedIgnored).state, received: new Map(), fired: {} }));
    return kept;
  };
  const renamedPrint = (w: WorldState, extra: Extra, r: Renaming, ignored: readonly (Ignored | undefined)[], flights: WorldState['inFlight'][string][]): Print => {
    const key = keyOf(r);
    const builder = new PrintBuilder();
    const byPosition = new Array<Print>(w.replicas.length);
    w.replicas.forEach((s, p) => (byPosition[r[p]!] = s === null ? CRASHED : replicaPrint(asIdentified(w, s, p), r, key, ignored[p])));
    for (const print of byPosition) builder.add(print);
    for (const [from, to, m, copies] of flights) {
      const print = messagePrint(m, r, key);
      const route = Math.imul((r[from]! << 12) | (r[to]! << 1) | 1, 0x9e3779b1) ^ Math.imul(copies, 0x85ebca6b);
      builder.addUnordered({ hi: print.hi ^ route, lo: mix32(print.lo ^ route) });
    }
    // Timers as a multiset; the crashed and started sets in order; each process's
    // indications in order, at its renamed position.
    for (const [p, timer, args] of Object.values(w.timers)) builder.addUnordered(printOf(renamer.timerKey(p, timer, args, r)));
    for (const set of [w.crashed, w.started]) {
      for (const p of set.map((q) => r[q]!).sort((x, y) => x - y)) builder.addNumber(p);
      builder.addNumber(-1);
    }
    const shown = new Array<Print>(w.indications.length);
    w.indications.forEach((list, p) => {
      const inOrder = new PrintBuilder();
      for (const indication of list) inOrder.add(taggedPrint(indication, r, key, renameIndication));
      shown[r[p]!] = inOrder.addNumber(list.length).done();
    });
    for (const print of shown) builder.add(print);
    // What happened since the start: requests made, forgeries made (renamed), crashes.
    for (const request of extra.requestsDone) builder.addNumber(request);
    builder.addNumber(-1);
    if (extra.forged.includes('1')) {
      const perm = key === '' ? undefined : forgeryPermutation(r);
      const forged = new PrintBuilder();
      for (let j = 0; j < forgeries.length; j++) if (extra.forged.charCodeAt(j) === 49) forged.addUnordered({ hi: perm === undefined ? j : perm[j]!, lo: 0x51ed270b });
      builder.add(forged.done());
    }
    builder.addNumber(extra.crashes);
    if (config.maxTimeouts !== undefined) {
      const byPosition = new Array<number>(extra.timeouts.length);
      extra.timeouts.forEach((k, p) => (byPosition[r[p]!] = k));
      for (const k of byPosition) builder.addNumber(k);
    }
    return builder.done();
  };
  const rootExtra: Extra = { requestsDone: [], forged: '0'.repeat(forgeries.length), crashes: 0, timeouts: config.maxTimeouts === undefined ? [] : world.processes.map(() => 0) };
  const rootIgnored = world.processes.map(ignoredAt);
  const root = world.snapshot();

  if (config.symmetry === true) {
    const fixed = [...config.byzantine, ...config.workload.map((w) => w.process)];
    const decision = planSymmetry(config.module, config.params as Record<string, Data>, world.processes, fixed);
    if (!decision.applied) symmetryReport = { applied: false, reason: decision.reason };
    else {
      const broken = testSymmetry(decision.plan);
      if (broken !== undefined) symmetryReport = { applied: false, reason: broken };
      else symmetry = decision.plan;
    }
  }

  /**
   * Tests on the first reachable states that the spec treats the interchangeable processes
   * alike: for each generator g (a swap of two processes), the successors of g(s) are the
   * renamed successors of s, and the same safety properties hold in s and g(s). Returns why
   * not, if not.
   */
  function testSymmetry(plan: SymmetryPlan): string | undefined {
    const limit = config.symmetryChecks ?? 200;
    const seen = new Set<string>([textOf(root, rootExtra)]);
    const queue: { w: WorldState; extra: Extra; depth: number }[] = [{ w: root, extra: rootExtra, depth: 0 }];
    const successors = (w: WorldState, extra: Extra) => {
      const out: { w: WorldState; extra: Extra; text: string }[] = [];
      world.restore(w);
      for (const move of movesOf(extra, ignoredIn(w))) {
        let script: readonly number[] | undefined = [];
        while (script !== undefined) {
          const done = perform(w, extra, move, script, 0);
          if (done === undefined) break;
          script = done.next;
          const next = world.snapshot(w);
          const nextExtra = forgetIgnoredForgeries(done.extra, ignoredIn(next));
          out.push({ w: next, extra: nextExtra, text: textOf(next, nextExtra) });
        }
      }
      return out;
    };
    const verdict = (w: WorldState) => {
      world.restore(w);
      const here = world.violatedSafety() ?? '';
      // What the observers could have received counts too: their deliveries are not moves.
      const found = observerViolation(w);
      return found === undefined ? here : `${here}|${found.property}:${found.steps.length}`;
    };
    for (let head = 0; head < queue.length && head < limit; head++) {
      const { w, extra, depth } = queue[head]!;
      const own = successors(w, extra);
      for (const g of plan.generators) {
        const swapped = g.flatMap((q, p) => (q > p ? [`p${p} and p${q}`] : []))[0]!;
        const gw = renamer.world(w, g);
        const gExtra = renameExtra(extra, g);
        const expected = new Set(own.map((x) => textOf(renamer.world(x.w, g), renameExtra(x.extra, g))));
        const actual = new Set(successors(gw, gExtra).map((x) => x.text));
        const same = expected.size === actual.size && [...expected].every((x) => actual.has(x));
        if (!same) return `the spec treats ${swapped} differently (what can happen next changes when they are swapped, ${depth} steps from the start)`;
        if (verdict(w) !== verdict(gw)) return `the properties treat ${swapped} differently (${depth} steps from the start)`;
      }
      for (const x of own) {
        if (seen.has(x.text)) continue;
        seen.add(x.text);
        queue.push({ w: x.w, extra: x.extra, depth: depth + 1 });
      }
    }
    world.restore(root);
    return undefined;
  }

  world.restore(root);
  const usesEncodings = symmetry === undefined;
  const rootEncodings = usesEncodings ? world.processes.map((p) => world.encodeReplica(p, rootIgnored[p])) : undefined;
  firstVisit(identity(() => rootEncodings!, rootIgnored, rootExtra, () => root));
  config.onState?.(root);
  orbitTotal += lastOrbitSize;
  // How each visited state was first reached, for counterexamples: its parent, the move's
  // index among the parent's moves (movesOf's order), and the choices made, when any.
  const parents = new IntList();
  const moveIndices = new IntList();
  const choicesMade = new Map<number, readonly number[]>();
  parents.push(-1);
  moveIndices.push(-1);
  // BFS takes from the front (an index, not Array.shift, which is O(n)); DFS from the back.
  const frontier: Pending[] = [{ index: 0, world: root, extra: rootExtra, depth: 0, ignored: rootIgnored, ...(rootEncodings === undefined ? {} : { encodings: rootEncodings }) }];
  let head = 0;
  let transitions = 0;
  let maxDepthReached = 0;
  let deadlocks = 0;
  let cutBy: ExploreResult['cutBy'];
  let lastProgress = started;

  /** The steps from the initial state to a visited state, made again from its recorded moves. */
  const pathTo = (index: number): TraceStep[] => {
    const chain: number[] = [];
    for (let i = index; i > 0; i = parents.get(i)) chain.push(i);
    chain.reverse();
    const steps: TraceStep[] = [];
    let w = root;
    let extra = rootExtra;
    let ignored: readonly (Ignored | undefined)[] = rootIgnored;
    chain.forEach((i, depth) => {
      world.restore(w);
      const move = movesOf(extra, ignored)[moveIndices.get(i)]!;
      const done = perform(w, extra, move, choicesMade.get(i) ?? [], depth + 1)!;
      steps.push(...done.steps);
      w = world.snapshot(w);
      ignored = ignoredIn(w);
      extra = forgetIgnoredForgeries(done.extra, ignored);
    });
    return [...startSteps, ...steps];
  };
  const finish = (verdict: 'ok' | 'violation', extra: Partial<ExploreResult> = {}): Omit<ExploreResult, 'decreasingVariables'> => ({
    verdict, states: visitedCount(), transitions, maxDepthReached, complete: cutBy === undefined && verdict === 'ok',
    ...(cutBy === undefined ? {} : { cutBy }), deadlocks, elapsedMs: Date.now() - started, byzantineUniverse: universe.length, unreadableForgeries: unreadable, timeoutsBounded,
    stateBytes: (config.exact ? 0 : visitedPrints.bytes) + parents.bytes + moveIndices.bytes,
    crashesSubsumed, observers: observerProcesses, observerStates: observed.reduce((n, o) => n + o.localStates, 0),
    staleVariables: [...rising].flatMap(([role, vars]) => [...vars].map((v) => qualified(role, v))).sort(),
    symmetry: symmetry === undefined ? symmetryReport : { applied: true, classes: symmetry.classes, renamings: symmetry.renamings.length + 1, factor: orbitTotal / visitedCount() },
    ...extra,
  });

  // The initial state must already satisfy the safety properties.
  const initialViolation = world.violatedSafety();
  if (initialViolation !== undefined) {
    return finish('violation', { violation: { property: initialViolation, kind: 'always', step: Math.max(0, startSteps.length - 1), time: 0, message: `'${initialViolation}' does not hold in the initial state` }, counterexample: startSteps });
  }

  /** A violation found after deliveries to observers, kept while a shorter one may still turn up (breadth-first). */
  let observerFinding: { readonly moves: number; readonly result: () => Omit<ExploreResult, 'decreasingVariables'> } | undefined;
  /** Records what `observerViolation` found in the state just visited (index, depth); true when the search should stop now. */
  const noteObserverViolation = (w: WorldState, index: number, depth: number): boolean => {
    const found = observerViolation(w);
    if (found === undefined) return false;
    const moves = depth + found.steps.length;
    if (observerFinding !== undefined && observerFinding.moves <= moves) return false;
    observerFinding = {
      moves,
      result: () => {
        const path = [...pathTo(index), ...found.steps.map((x, i) => ({ t: depth + 1 + i, event: x.event, choices: x.choices }))];
        const message = found.kind === 'assertion' ? found.message! : `'${found.property}' does not hold after step ${path.length - 1} (t=${moves})`;
        return finish('violation', { violation: { property: found.property, kind: found.kind, step: path.length - 1, time: moves, message }, counterexample: path });
      },
    };
    return config.search !== 'bfs';
  };
  if (noteObserverViolation(root, 0, 0)) return observerFinding!.result();

  while (frontier.length > head) {
    const node = config.search === 'bfs' ? frontier[head++]! : frontier.pop()!;
    // Breadth-first, nothing found from here on can be shorter than a violation already found.
    if (observerFinding !== undefined && node.depth + 1 >= observerFinding.moves) return observerFinding.result();
    const index = node.index;
    if (config.search === 'bfs' && head > 65_536 && head * 2 > frontier.length) {
      frontier.splice(0, head);
      head = 0;
    }
    if (node.depth >= config.maxDepth) {
      cutBy ??= 'maxDepth';
      continue;
    }
    world.restore(node.world);
    const moves = movesOf(node.extra, node.ignored);
    // A state whose only moves are timeouts past the bound is not final.
    let progressed = skippedTimeout;
    for (let moveIndex = 0; moveIndex < moves.length; moveIndex++) {
      const move = moves[moveIndex]!;
      let script: readonly number[] | undefined = [];
      while (script !== undefined) {
        const done = perform(node.world, node.extra, move, script, node.depth + 1);
        if (done === undefined) break;
        const { event, outcome, steps } = done;
        script = done.next;
        transitions++;
        progressed = true;
        if (outcome.error !== undefined) {
          if (observerFinding !== undefined && observerFinding.moves <= node.depth + 1) return observerFinding.result();
          const path = [...pathTo(index), ...steps];
          return finish('violation', {
            violation: { property: 'assertion', kind: 'assertion', step: path.length - 1, time: node.depth + 1, message: outcome.error },
            counterexample: path,
          });
        }
        const violated = world.violatedSafety();
        if (violated !== undefined) {
          if (observerFinding !== undefined && observerFinding.moves <= node.depth + 1) return observerFinding.result();
          const path = [...pathTo(index), ...steps];
          return finish('violation', {
            violation: { property: violated, kind: 'always', step: path.length - 1, time: node.depth + 1, message: `'${violated}' does not hold after step ${path.length - 1} (t=${node.depth + 1})` },
            counterexample: path,
          });
        }
        // Only the process the event happened at changed; the others keep their encodings.
        const at = event.kind === 'deliver' ? event.to : 'process' in event ? event.process : -1;
        const assumed = at < 0 ? undefined : risingAt[at];
        const stepped = at < 0 ? null : world.replica(at);
        const before = at < 0 ? undefined : node.world.replicas[at]?.vars;
        if (assumed !== undefined && stepped !== null && before !== undefined && event.kind !== 'crash') {
          const after = stepped.vars as Record<string, Data>;
          for (const v of assumed) if ((after[v] as number) < (before[v] as number)) throw new Decreased(stepped.role ?? '', v);
        }
        const ignored = at < 0 ? node.ignored : node.ignored.map((x, p) => (p === at ? ignoredAt(p) : x));
        const encodings = !usesEncodings || at < 0 ? node.encodings : node.encodings!.map((e, p) => (p === at ? world.encodeReplica(p, ignored[p]) : e));
        const extra = forgetIgnoredForgeries(done.extra, ignored);
        let snapshot: WorldState | undefined;
        const snap = () => (snapshot ??= world.snapshot(node.world));
        const id = identity(() => encodings!, ignored, extra, snap);
        if (!firstVisit(id)) continue;
        orbitTotal += lastOrbitSize;
        parents.push(index);
        moveIndices.push(moveIndex);
        if (outcome.choices.length > 0) choicesMade.set(parents.length - 1, outcome.choices);
        config.onState?.(snap());
        frontier.push({ index: parents.length - 1, world: snap(), extra, depth: node.depth + 1, ignored, ...(encodings === undefined ? {} : { encodings }) });
        maxDepthReached = Math.max(maxDepthReached, node.depth + 1);
        if (noteObserverViolation(snap(), parents.length - 1, node.depth + 1)) return observerFinding!.result();
        if (visitedCount() >= config.maxStates) {
          cutBy = 'maxStates';
          return observerFinding?.result() ?? finish('ok');
        }
        // Stop cleanly before the heap runs out (V8 would abort the process instead).
        if ((visitedCount() & 0x3ff) === 0 && process.memoryUsage().heapUsed > heapBudget) {
          cutBy = 'memory';
          return observerFinding?.result() ?? finish('ok');
        }
      }
    }
    // A final state where some correct process still awaits progress (an `eventually` fails).
    if (!progressed) {
      world.restore(node.world);
      if (world.unmetLiveness().length > 0) deadlocks++;
    }
    const now = Date.now();
    if (now - started > config.timeLimitMs) {
      cutBy = 'timeLimit';
      return observerFinding?.result() ?? finish('ok');
    }

    if (config.onProgress !== undefined && now - lastProgress >= 200) {
      lastProgress = now;
      config.onProgress({ states: visitedCount(), queue: frontier.length - head, depth: node.depth, transitions, elapsedMs: now - started });
    }
  }
  return observerFinding?.result() ?? finish('ok');
}
