/**
 * specs/hotstuff.rio in the simulator: the committed nodes form one chain (agreement) with
 * one Byzantine replica under every generic strategy and message loss, and every correct
 * replica commits the nodes of half the views after stabilisation; the mutant with a QC one
 * vote short of n - f is caught by the simulator's own `twins` strategy (two copies of the
 * leader with one key, proposing different nodes to the two halves); the mutant without the
 * locking rule by the targeted adversary (a Byzantine replica that votes, signed, for every
 * proposal, and leads a fork off the oldest QC it has seen); both with short
 * counterexamples naming 'agreement'. 1000-seed swarms are in
 * bench/simulate/swarm.ts.
 */
import { describe, expect, it } from 'vitest';
import { HotStuff } from '../../../generated/hotstuff.js';
import { byzantineStrategies } from '../../../runtime/sim/config.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import type { TargetedSearch } from './bft-adversary.js';
import { expectSimulatorCatch, expectTargetedCatch, loadMutant } from './bft-check.js';
import { hotstuffAdversary } from './bft-strategies.js';
import { configFor, planRun } from './sim-config.js';

describe('HotStuff in the simulator', () => {
  it.each(byzantineStrategies)('holds agreement and progress with a %s Byzantine replica and 20 percent loss before t=300', (strategy) => {
    for (const byzantine of [0, 3]) {
      const plan = planRun(HotStuff, { faults: `byzantine=${byzantine}:${strategy}`, network: 'loss=0.2,gst=300' });
      const result = simulate(configFor(plan, 11, false));
      expect(result.violation, result.violation?.message).toBeUndefined();
      expect(result.livenessChecked).toBe(true);
    }
  });
});

const params = { n: 4, f: 1, maxView: 16 };

describe('HotStuff mutants under the targeted adversary', () => {
  it('lock-dropped (no safe-node rule) violates agreement', async () => {
    const mutant = await loadMutant('hotstuff', 'lock-dropped');
    const search: TargetedSearch = {
      makeStrategy: () => hotstuffAdversary(4, 3), byzantineOf: () => [2],
      loss: 0.05, timerChance: 0.02, byzantineFirst: 0.5, maxSteps: 4000,
    };
    // A commit on the main chain (four views: proposals to three replicas, their votes to
    // the next leader) and then a fork's own three-chain take some 60 deliveries.
    expectTargetedCatch(HotStuff, mutant, params, search, 1, 100, 'agreement', 70);
  });
});

describe('HotStuff mutants under the simulator\'s own Byzantine strategies', () => {
  it('qc-quorum-lowered (n - f - 1 votes) violates agreement with Byzantine twins as the leader of views 2 and 3 (seed 12)', async () => {
    const mutant = await loadMutant('hotstuff', 'qc-quorum-lowered');
    // The twins propose different nodes for view 2 to the two halves; two votes then make a
    // QC for each, and the halves commit different chains.
    const steps = expectSimulatorCatch(HotStuff, mutant, { faults: 'byzantine=1:twins', network: 'loss=0.2,gst=400' }, 12, 'agreement', 50);
    expect(steps.some((s) => s.event.kind === 'inject' && s.event.from === 1)).toBe(true);
  });
});
