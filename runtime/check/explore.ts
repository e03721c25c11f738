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
import type { ProtocolModule, Tagged, Wire } from '../replica/contract.js';
import { fingerprint, type Process } from '../replica/values.js';
import { allMessages } from '../sim/domain.js';
import type { TraceStep, Violation } from '../sim/simulate.js';
import { World, type WorldEvent, type WorldState } from '../world/world.js';

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
  /** Keep full encodings instead of fingerprints (no collisions, more memory). */
  readonly exact: boolean;
  readonly onProgress?: (p: ExploreProgress) => void;
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
  readonly cutBy?: 'maxStates' | 'maxDepth' | 'timeLimit' | 'memory';
  /** Final states (nothing can happen) where an `eventually` property does not hold. */
  readonly deadlocks: number;
  readonly elapsedMs: number;
  /** Byzantine messages in the universe each Byzantine process may send. */
  readonly byzantineUniverse: number;
}

/** The part of a search state beyond the world: which requests and forgeries already happened. */
interface Extra {
  readonly requestsDone: readonly number[];
  /** One character per possible forgery: '1' once it happened. */
  readonly forged: string;
  readonly crashes: number;
}

/** Every visited state keeps only how it was reached (for counterexamples). */
interface Node {
  readonly parent: number;
  /** The steps that led here from the parent (two for a forged message: inject, deliver). */
  readonly steps: readonly TraceStep[];
}

/** A state still to expand: its full snapshot, and each replica's encoding (reused by children). */
interface Pending {
  readonly index: number;
  readonly world: WorldState;
  readonly extra: Extra;
  readonly depth: number;
  readonly encodings: readonly string[];
}

type Move =
  | { readonly kind: 'world'; readonly event: WorldEvent }
  | { readonly kind: 'request'; readonly index: number }
  | { readonly kind: 'forge'; readonly index: number; readonly from: Process; readonly to: Process; readonly message: Wire };

/** Explores the state space of one configuration. */
export function explore(config: ExploreConfig): ExploreResult {
  const started = Date.now();
  const heapBudget = getHeapStatistics().heap_size_limit * 0.8;
  const world = new World(config.module, config.params, { byzantine: config.byzantine, dropToByzantine: true });
  for (const p of world.processes) {
    if (!config.byzantine.includes(p)) world.apply({ kind: 'start', process: p });
  }
  // The finite universe of Byzantine messages.
  const universe: Wire[] = [];
  if (config.byzantine.length > 0) {
    for (const desc of config.module.messages) {
      const all = allMessages(desc, { values: config.values, processes: world.processes, signer: config.byzantine[0]! }, 256);
      if (all === undefined) throw new Error(`message ${desc.name} has too many well-typed values to enumerate for Byzantine processes; lower --values`);
      universe.push(...all);
    }
  }
  const forgeries: { from: Process; to: Process; message: Wire }[] = [];
  for (const from of config.byzantine) {
    for (const message of universe) {
      for (const to of world.processes) {
        if (to === from || config.byzantine.includes(to)) continue;
        forgeries.push({ from, to, message });
      }
    }
  }

  const nodes: Node[] = [];
  const visited = new Set<string>();
  const identity = (encodings: readonly string[], extra: Extra): string => {
    // As World.encode, but reusing the encodings of replicas the last step did not touch.
    const text = `${encodings.join('\u0007')}\u0007${world.encodeNetwork()}\u0007${extra.requestsDone.join(',')}|${extra.forged}|${extra.crashes}`;
    return config.exact ? text : fingerprint(text);
  };
  const rootExtra: Extra = { requestsDone: [], forged: '0'.repeat(forgeries.length), crashes: 0 };
  const rootEncodings = world.processes.map((p) => world.encodeReplica(p));
  visited.add(identity(rootEncodings, rootExtra));
  nodes.push({ parent: -1, steps: [] });
  // BFS takes from the front (an index, not Array.shift, which is O(n)); DFS from the back.
  const frontier: Pending[] = [{ index: 0, world: world.snapshot(), extra: rootExtra, depth: 0, encodings: rootEncodings }];
  let head = 0;
  let transitions = 0;
  let maxDepthReached = 0;
  let deadlocks = 0;
  let cutBy: ExploreResult['cutBy'];
  let lastProgress = started;

  const pathTo = (index: number): TraceStep[] => {
    const parts: (readonly TraceStep[])[] = [];
    for (let i = index; i > 0; i = nodes[i]!.parent) parts.push(nodes[i]!.steps);
    return parts.reverse().flat();
  };
  const finish = (verdict: 'ok' | 'violation', extra: Partial<ExploreResult> = {}): ExploreResult => ({
    verdict, states: visited.size, transitions, maxDepthReached, complete: cutBy === undefined && verdict === 'ok',
    ...(cutBy === undefined ? {} : { cutBy }), deadlocks, elapsedMs: Date.now() - started, byzantineUniverse: universe.length, ...extra,
  });

  // The initial state must already satisfy the safety properties.
  const initialViolation = world.violatedSafety();
  if (initialViolation !== undefined) {
    return finish('violation', { violation: { property: initialViolation, kind: 'always', step: 0, time: 0, message: `'${initialViolation}' does not hold in the initial state` }, counterexample: [] });
  }

  while (frontier.length > head) {
    const node = config.search === 'bfs' ? frontier[head++]! : frontier.pop()!;
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
    const moves: Move[] = [];
    for (const [from, to, message] of world.pending()) {
      moves.push({ kind: 'world', event: { kind: 'deliver', from, to, message } });
      if (config.lossy) moves.push({ kind: 'world', event: { kind: 'lose', from, to, message } });
    }
    for (const [process, timer, args] of world.runningTimers()) moves.push({ kind: 'world', event: { kind: 'timeout', process, timer, args } });
    config.workload.forEach((w, i) => {
      if (!node.extra.requestsDone.includes(i) && !world.isCrashed(w.process)) moves.push({ kind: 'request', index: i });
    });
    if (node.extra.crashes < config.crashes) {
      for (const p of world.correct) moves.push({ kind: 'world', event: { kind: 'crash', process: p } });
    }
    forgeries.forEach((f, i) => {
      if (node.extra.forged.charCodeAt(i) === 48) moves.push({ kind: 'forge', index: i, ...f });
    });

    let progressed = false;
    for (const move of moves) {
      // Every outcome of the step's choices: enumerate choice scripts like an odometer.
      let script: number[] | undefined = [];
      while (script !== undefined) {
        world.restore(node.world);
        let event: WorldEvent;
        let extra = node.extra;
        if (move.kind === 'world') {
          event = move.event;
          if (event.kind === 'crash') extra = { ...extra, crashes: extra.crashes + 1 };
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
        if (!world.isPossible(event)) break;
        const outcome = world.apply(event, script);
        transitions++;
        progressed = true;
        const step: TraceStep = { t: node.depth + 1, event: move.kind === 'forge' ? { kind: 'inject', from: move.from, to: move.to, message: move.message } : event, choices: outcome.choices };
        const steps = move.kind === 'forge' ? [step, { t: node.depth + 1, event, choices: outcome.choices }] : [step];
        const counts = outcome.choiceCounts ?? [];
        // Next script: advance the last choice that has options left.
        script = undefined;
        for (let i = outcome.choices.length - 1; i >= 0; i--) {
          if (outcome.choices[i]! + 1 < counts[i]!) {
            script = [...outcome.choices.slice(0, i), outcome.choices[i]! + 1];
            break;
          }
        }
        if (outcome.error !== undefined) {
          return finish('violation', {
            violation: { property: 'assertion', kind: 'assertion', step: node.depth + steps.length - 1, time: node.depth + 1, message: outcome.error },
            counterexample: [...pathTo(index), ...steps],
          });
        }
        const violated = world.violatedSafety();
        if (violated !== undefined) {
          const path = [...pathTo(index), ...steps];
          return finish('violation', {
            violation: { property: violated, kind: 'always', step: path.length - 1, time: node.depth + 1, message: `'${violated}' does not hold after step ${path.length - 1} (t=${node.depth + 1})` },
            counterexample: path,
          });
        }
        // Only the process the event happened at changed; the others keep their encodings.
        const at = event.kind === 'deliver' ? event.to : 'process' in event ? event.process : -1;
        const encodings = at < 0 ? node.encodings : node.encodings.map((e, p) => (p === at ? world.encodeReplica(p) : e));
        const id = identity(encodings, extra);
        if (visited.has(id)) continue;
        visited.add(id);
        nodes.push({ parent: index, steps });
        frontier.push({ index: nodes.length - 1, world: world.snapshot(node.world), extra, depth: node.depth + 1, encodings });
        maxDepthReached = Math.max(maxDepthReached, node.depth + 1);
        if (visited.size >= config.maxStates) {
          cutBy = 'maxStates';
          return finish('ok');
        }
        // Stop cleanly before the heap runs out (V8 would abort the process instead).
        if ((visited.size & 0x3ff) === 0 && process.memoryUsage().heapUsed > heapBudget) {
          cutBy = 'memory';
          return finish('ok');
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
      return finish('ok');
    }

    if (config.onProgress !== undefined && now - lastProgress >= 200) {
      lastProgress = now;
      config.onProgress({ states: visited.size, queue: frontier.length - head, depth: node.depth, transitions, elapsedMs: now - started });
    }
  }
  return finish('ok');
}
