/**
 * specs/hotstuff.rio in the simulator: the committed nodes form one chain (agreement) with
 * one Byzantine replica under every generic strategy and message loss, and every correct
 * replica commits the nodes of half the views after stabilisation; the mutants (the locking
 * rule dropped, a QC one vote short of n - f) are caught by the targeted adversary (a
 * Byzantine replica that votes, signed, for every proposal, and leads a fork off the oldest
 * QC it has seen), with short counterexamples naming 'agreement'. The generic strategies
 * cannot sign a vote or form a QC, and do not catch them. 1000-seed swarms are in
 * bench/simulate/swarm.ts.
 */
import { describe, expect, it } from 'vitest';
import { HotStuff } from '../../../generated/hotstuff.js';
import { byzantineStrategies } from '../../../runtime/sim/config.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import type { TargetedSearch } from './bft-adversary.js';
import { expectTargetedCatch, loadMutant } from './bft-check.js';
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

  it('qc-quorum-lowered (n - f - 1 votes) violates agreement', async () => {
    const mutant = await loadMutant('hotstuff', 'qc-quorum-lowered');
    const search: TargetedSearch = {
      makeStrategy: () => hotstuffAdversary(4, 2), byzantineOf: () => [3],
      loss: 0.1, timerChance: 0.05, byzantineFirst: 0.9, maxSteps: 4000,
    };
    expectTargetedCatch(HotStuff, mutant, params, search, 4, 100, 'agreement', 70);
  });
});
