/**
 * The model checker leaves out messages a guard rejects for good if a variable never
 * decreases (`b = ballot` once b < ballot): the reduced search must reach every combination
 * of replica variables the full search reaches, give the same verdicts, and start again
 * without the assumption when the variable does decrease.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProtocolModule } from '../../../runtime/replica/contract.js';
import { encode } from '../../../runtime/replica/values.js';
import { explore, type ExploreConfig } from '../../../runtime/check/explore.js';
import type { WorldState } from '../../../runtime/world/world.js';
import { replaySteps } from '../../../runtime/sim/replay.js';
import { loadSnippet } from '../../helpers/compile-snippet.js';

const paxosSource = readFileSync(join(import.meta.dirname, '..', '..', '..', 'specs', 'paxos.rio'), 'utf8');

const base = (module: ProtocolModule<any, any>, params: unknown): ExploreConfig => ({
  module, params, byzantine: [], crashes: 0, workload: [], values: 2, lossy: false, search: 'bfs',
  maxStates: 1_000_000, maxDepth: 1_000, timeLimitMs: 120_000, exact: false, deadMessages: 'ignore',
  // Interleave every delivery and explore crashes: the reductions tested here act alone.
  observers: false, subsumeCrashes: false,
});

/** Every combination of the replicas' variables among the states a search keeps. */
function variableCombinations(config: ExploreConfig): { combinations: Set<string>; states: number; verdict: string; stale: readonly string[] } {
  const combinations = new Set<string>();
  // A crashed process's variables that no property reads are left out too: not compared.
  const reads = new Set(config.module.propertyReads ?? []);
  const shown = (w: WorldState, p: number, vars: Record<string, unknown>) => (w.crashed.includes(p) ? Object.fromEntries(Object.entries(vars).filter(([k]) => reads.has(k))) : vars);
  const result = explore({ ...config, onState: (w: WorldState) => combinations.add(encode([w.crashed, w.replicas.map((r, p) => (r === null ? null : shown(w, p, r.vars)))])) });
  expect(result.complete).toBe(true);
  return { combinations, states: result.states, verdict: result.verdict, stale: result.staleVariables };
}

describe('messages rejected for good', () => {
  // Two proposers, one retry each (two ballots each), one acceptor, one learner: small
  // enough to search without any reduction and compare.
  it('Paxos with retries: fewer states, the same variable combinations and verdict', async () => {
    const module = await loadSnippet(paxosSource);
    const config: ExploreConfig = {
      ...base(module, { proposers: 2, acceptors: 1, learners: 1, f: 0 }), maxTimeouts: 1,
      workload: [{ process: 0, request: { type: 'propose', v: 1 } }, { process: 1, request: { type: 'propose', v: 2 } }],
    };
    const full = variableCombinations({ ...config, staleMessages: false });
    const reduced = variableCombinations(config);
    expect(reduced.stale).toEqual(['Acceptor.promised', 'Proposer.ballot']);
    expect(full.stale).toEqual([]);
    expect(reduced.verdict).toBe('ok');
    expect(full.verdict).toBe('ok');
    expect(reduced.states).toBeLessThan(full.states);
    expect([...reduced.combinations].sort()).toEqual([...full.combinations].sort());
  });

  // A crashed process never steps again: what it received and the messages in flight to it
  // are left out as well. With a crash anywhere, the same variable combinations (and crashed
  // sets) as with nothing left out; with symmetry reduction, orbits that add up to it.
  it('Paxos with a crash: what a crashed process received is left out, nothing reachable is lost', async () => {
    // (Paxos's properties read `learned` and `myValue` only.)
    const module = await loadSnippet(paxosSource);
    expect(module.propertyReads).toEqual(['learned', 'myValue']);
    const config: ExploreConfig = {
      ...base(module, { proposers: 2, acceptors: 1, learners: 2, f: 0 }), maxTimeouts: 0, crashes: 1,
      workload: [{ process: 0, request: { type: 'propose', v: 1 } }, { process: 1, request: { type: 'propose', v: 2 } }],
    };
    const full = variableCombinations({ ...config, deadMessages: 'keep' });
    const reduced = variableCombinations(config);
    expect(full.states).toBe(1_700);
    expect(reduced.states).toBe(518);
    expect([...reduced.combinations].sort()).toEqual([...full.combinations].sort());
    const symmetric = explore({ ...config, symmetry: true });
    expect(symmetric.symmetry).toMatchObject({ applied: true, classes: [[3, 4]] });
    expect(symmetric.symmetry.applied && Math.round(symmetric.symmetry.factor * symmetric.states)).toBe(reduced.states);
  });

  // The same with a mutant acceptor that accepts any ballot: the reduced search must still
  // find the violation, with a counterexample as short as the full search's, that replays.
  it('Paxos mutant (acceptor ignores its promise): found with and without the reduction, equally short', async () => {
    const module = await loadSnippet(paxosSource.replace('upon receiving ACCEPT(b, v) from p when b >= promised', 'upon receiving ACCEPT(b, v) from p'));
    const config: ExploreConfig = {
      ...base(module, { proposers: 2, acceptors: 1, learners: 2, f: 0 }), maxTimeouts: 1,
      workload: [{ process: 0, request: { type: 'propose', v: 1 } }, { process: 1, request: { type: 'propose', v: 2 } }],
    };
    const full = explore({ ...config, staleMessages: false });
    const reduced = explore(config);
    expect(full.violation?.property).toBe('agreement');
    expect(reduced.violation?.property).toBe('agreement');
    expect(reduced.counterexample).toHaveLength(full.counterexample!.length);
    expect(replaySteps(module, config.params, [], reduced.counterexample!, { checkLiveness: false }).violation?.property).toBe('agreement');
  });

  // `level` guards HIT (`k >= level`) but goes down again on DOWN: the search sees it
  // decrease, drops the assumption, and starts again, so its answer is the full search's.
  it('starts again without the assumption when the variable decreases', async () => {
    const module = await loadSnippet(`
protocol Dip
  parameters n: Nat
  messages
    UP
    DOWN
    HIT(k: Nat)
  state
    level: Nat = 0
    hits: Nat = 0
  upon start when self = 0
    send UP to 1
    send HIT(1) to 1
    send DOWN to 1
  upon receiving UP from any
    level := 5
  upon receiving DOWN from any when level = 5
    level := 0
  upon receiving HIT(k) from any when k >= level
    hits := hits + 1
  property never
    always forall p in correct: p.hits <= 1
`);
    const config = base(module, { n: 2 });
    const full = explore({ ...config, staleMessages: false });
    const reduced = explore(config);
    expect(reduced.decreasingVariables).toEqual(['level']);
    expect(reduced.staleVariables).toEqual([]);
    expect(reduced.states).toBe(full.states);
    expect(reduced.verdict).toBe('ok');
  });
});
