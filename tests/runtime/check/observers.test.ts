/**
 * Two reductions of the model checker, each tested against the search without it:
 * - observers (processes that only listen, Paxos's learners) are not interleaved: the
 *   combinations of replica variables the search reaches, with everything the observers
 *   could have received in each state, must be exactly those of the interleaved search,
 *   with the same verdicts and equally short counterexamples that replay;
 * - crashes are not explored when no property reads `correct` (a crashed process is one
 *   that takes no further step): the same variable combinations as with crashes explored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import { encode, type Process } from '../../../runtime/replica/values.js';
import { explore, type ExploreConfig } from '../../../runtime/check/explore.js';
import { ObserverCompletions, type Completion } from '../../../runtime/check/observers.js';
import { World, type WorldState } from '../../../runtime/world/world.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';

const paxosSource = readFileSync(join(import.meta.dirname, '..', '..', '..', 'specs', 'paxos.rio'), 'utf8');
const learnerRule = 'upon receiving ACCEPTED(b, v) from a majority of Acceptor when learned = none';

const config = (module: ProtocolModule<any, any>, params: unknown, extra: Partial<ExploreConfig> = {}): ExploreConfig => ({
  module, params, byzantine: [], crashes: 0, values: 2, lossy: false, search: 'bfs',
  maxStates: 1_000_000, maxDepth: 1_000, timeLimitMs: 120_000, exact: false, deadMessages: 'ignore',
  workload: [{ process: 0, request: { type: 'propose', v: 1 } }, { process: 1, request: { type: 'propose', v: 2 } }],
  ...extra,
});

const varsOf = (replicas: WorldState['replicas']) => encode(replicas.map((r) => (r === null ? null : r.vars)));

/** Every combination of the replicas' variables in the states the search keeps (crashed or not). */
function combinationsOf(c: ExploreConfig): { combinations: Set<string>; states: number } {
  const combinations = new Set<string>();
  const result = explore({ ...c, onState: (w) => combinations.add(varsOf(w.replicas)) });
  expect(result.complete).toBe(true);
  expect(result.verdict).toBe('ok');
  return { combinations, states: result.states };
}

/**
 * With observers: every combination of the other processes' variables in a state the search
 * keeps with what each observer could have received by then (worked out again here, on a
 * world of the test's own).
 */
function combinationsWithObservers(c: ExploreConfig): { combinations: Set<string>; states: number; observers: readonly Process[] } {
  const world = new World(c.module, c.params, { byzantine: c.byzantine, dropToByzantine: true });
  const cores: WorldState[] = [];
  const result = explore({ ...c, onState: (w) => cores.push(w) });
  expect(result.complete).toBe(true);
  expect(result.verdict).toBe('ok');
  const completions = result.observers.map((p) => new ObserverCompletions(world, p));
  const combinations = new Set<string>();
  for (const w of cores) {
    const lists = completions.map((o) => o.of(w));
    const replicas = [...w.replicas];
    const product = (k: number): void => {
      if (k === lists.length) {
        combinations.add(varsOf(replicas));
        return;
      }
      for (const completion of lists[k]! as Completion[]) {
        replicas[result.observers[k]!] = completion.replica;
        product(k + 1);
      }
    };
    product(0);
  }
  return { combinations, states: result.states, observers: result.observers };
}

describe('observers', () => {
  // Two proposers with one retry each, one acceptor, two learners: small enough to search
  // interleaving every delivery.
  it('Paxos: the learners are observers; fewer states, exactly the variable combinations of the interleaved search', async () => {
    const module = await loadSnippet(paxosSource);
    const c = config(module, { proposers: 2, acceptors: 1, learners: 2, f: 0 }, { maxTimeouts: 1 });
    const interleaved = combinationsOf({ ...c, observers: false });
    const observed = combinationsWithObservers(c);
    expect(observed.observers).toEqual([3, 4]);
    expect(interleaved.states).toBe(1_966);
    expect(observed.states).toBe(648);
    expect(observed.combinations.size).toBe(722);
    expect(observed.combinations.size).toBe(interleaved.combinations.size);
    expect([...observed.combinations].sort()).toEqual([...interleaved.combinations].sort());
  });

  // A learner that learns from one acceptor: the two learners can learn different values,
  // and the violation needs deliveries to them. Found with and without observers, equally
  // short, and the counterexample replays to the same violation.
  it('a learner mutant (learns from one acceptor): the same violation, equally short, and it replays', async () => {
    const module = await loadSnippet(paxosSource.replace(learnerRule, 'upon receiving ACCEPTED(b, v) from 1 processes of Acceptor when learned = none'));
    const params = { proposers: 2, acceptors: 3, learners: 2, f: 1 };
    const c = config(module, params, { maxTimeouts: 0 });
    const interleaved = explore({ ...c, observers: false });
    const observed = explore(c);
    expect(observed.observers).toEqual([5, 6]);
    expect(interleaved.violation?.property).toBe('agreement');
    expect(observed.violation?.property).toBe('agreement');
    expect(observed.counterexample).toHaveLength(interleaved.counterexample!.length);
    // Each proposer's PREPARE and PROMISE from two acceptors, its ACCEPT to one, that
    // acceptor's ACCEPTED to a learner: 2 requests + 2 x (2 + 2 + 1 + 1) deliveries.
    expect(observed.counterexample).toHaveLength(14);
    expect(observed.states).toBeLessThan(interleaved.states);
    const replay = replaySteps(module, params, [], observed.counterexample!, { checkLiveness: false });
    expect(replay.violation?.property).toBe('agreement');
    expect(replay.violation?.step).toBe(observed.counterexample!.length - 1);
  });

  // The acceptor mutant (accepts below its promise): the learners see the violation.
  it('an acceptor mutant (ignores its promise): found with and without observers, equally short', async () => {
    const module = await loadSnippet(paxosSource.replace('upon receiving ACCEPT(b, v) from p when b >= promised', 'upon receiving ACCEPT(b, v) from p'));
    const params = { proposers: 2, acceptors: 1, learners: 2, f: 0 };
    const c = config(module, params, { maxTimeouts: 1 });
    const interleaved = explore({ ...c, observers: false });
    const observed = explore(c);
    expect(interleaved.violation?.property).toBe('agreement');
    expect(observed.violation?.property).toBe('agreement');
    expect(observed.counterexample).toHaveLength(interleaved.counterexample!.length);
    expect(replaySteps(module, params, [], observed.counterexample!, { checkLiveness: false }).violation?.property).toBe('agreement');
  });

  // A learner that answers once it has learned is no observer: the search finds out when it
  // sends, starts again without its role among the observers, and gives the interleaved count.
  it('a role that sends after all is found out, and the search starts again without it', async () => {
    const talking = paxosSource
      .replace('    ACCEPTED(b: Nat, v: Value)                         // Phase 2(b), to the learners', '    ACCEPTED(b: Nat, v: Value)\n    THANKS')
      .replace('      learned := some(v)\n      trigger learn(v)', '      learned := some(v)\n      trigger learn(v)\n      broadcast THANKS to Acceptor')
      .replace('  role Learner played by', '    upon receiving THANKS from any\n      promised := promised\n\n  role Learner played by');
    const module = await loadSnippet(talking);
    const c = config(module, { proposers: 2, acceptors: 1, learners: 2, f: 0 }, { maxTimeouts: 0 });
    const interleaved = explore({ ...c, observers: false });
    const observed = explore(c);
    expect(observed.observers).toEqual([]);
    expect(observed.states).toBe(interleaved.states);
    expect(observed.verdict).toBe('ok');
  });
});

describe('crashes no property can tell', () => {
  it('Paxos reads no `correct`: crashes are not explored, and the variable combinations are those with crashes explored', async () => {
    const module = await loadSnippet(paxosSource);
    expect(module.propertiesReadCorrect).toBe(false);
    // One proposer, no retry (more would take minutes to search with crashes and no symmetry reduction).
    const c = config(module, { proposers: 1, acceptors: 3, learners: 2, f: 1 }, { maxTimeouts: 0, crashes: 1, observers: false, workload: [{ process: 0, request: { type: 'propose', v: 1 } }] });
    const explicit = explore({ ...c, subsumeCrashes: false });
    expect(explicit.crashesSubsumed).toBe(false);
    const withCrashes = combinationsOf({ ...c, subsumeCrashes: false });
    const subsumed = explore(c);
    expect(subsumed.crashesSubsumed).toBe(true);
    const without = combinationsOf(c);
    expect(withCrashes.states).toBe(2_478);
    expect(without.states).toBe(507);
    expect(without.combinations.size).toBe(70);
    expect([...without.combinations].sort()).toEqual([...withCrashes.combinations].sort());
  });

  it('Bracha reads `correct`: crashes are explored', async () => {
    const module = await loadSnippet(readFileSync(join(import.meta.dirname, '..', '..', '..', 'specs', 'bracha-broadcast.rio'), 'utf8'));
    expect(module.propertiesReadCorrect).toBe(true);
    const result = explore({ ...config(module, { n: 4, f: 1, sender: 0 }), crashes: 1, workload: [], maxStates: 50 });
    expect(result.crashesSubsumed).toBe(false);
  });
});
