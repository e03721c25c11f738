/**
 * specs/pbft.rio in the simulator: agreement, validity and liveness hold with one Byzantine
 * replica under every generic strategy and message loss before stabilisation (view
 * changes, checkpoints and state transfer run); the mutant whose view change drops the
 * prepared certificates is caught by the simulator's own swarm; the mutant with a commit
 * quorum one smaller than 2f + 1 is caught by the targeted adversary (an equivocating
 * primary with signed pre-prepares, conflicting signed votes, view changes that hide
 * prepared certificates), which the generic strategies cannot be: they cannot sign.
 * 1000-seed swarms are in bench/simulate/bft-swarm.ts.
 */
import { describe, expect, it } from 'vitest';
import { PBFT } from '../../../generated/pbft.js';
import { byzantineStrategies } from '../../../runtime/sim/config.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import type { TargetedSearch } from './bft-adversary.js';
import { expectShrunk, expectSimulatorCatch, expectTargetedCatch, loadMutant } from './bft-check.js';
import { pbftAdversary } from './bft-strategies.js';
import { configFor, planRun } from './sim-config.js';

describe('PBFT in the simulator', () => {
  it.each(byzantineStrategies)('holds agreement, validity and liveness with a %s Byzantine replica and 20 percent loss before t=400', (strategy) => {
    for (const byzantine of [0, 2]) {
      const plan = planRun(PBFT, { faults: `byzantine=${byzantine}:${strategy}`, network: 'loss=0.2,gst=400' });
      const result = simulate(configFor(plan, 3, false));
      expect(result.violation, result.violation?.message).toBeUndefined();
      expect(result.livenessChecked).toBe(true);
    }
  });

  it('a silent primary is replaced by a view change, and both requests execute in the same order everywhere', () => {
    const plan = planRun(PBFT, { faults: 'byzantine=0:silent' });
    const result = simulate(configFor(plan, 5));
    expect(result.verdict, result.violation?.message).toBe('ok');
    const events = result.trace.map((s) => s.event);
    expect(events.some((e) => e.kind === 'deliver' && (e.message as { type: string }).type === 'NEW_VIEW')).toBe(true);
    expect(events.some((e) => e.kind === 'deliver' && (e.message as { type: string }).type === 'CHECKPOINT')).toBe(true);
  });
});

describe('PBFT mutants', () => {
  it('view-change-without-prepared violates agreement in the simulator (seed 19, loss throughout)', async () => {
    const mutant = await loadMutant('pbft', 'view-change-without-prepared');
    const options = { network: 'loss=0.2,gst=20000', horizon: 2000 };
    const plan = planRun(mutant, options);
    const config = configFor(plan, 19);
    const result = simulate(config);
    expect(result.violation?.property, result.violation?.message).toBe('agreement');
    expectShrunk(mutant, plan.params, config.faults.byzantine.map((b) => b.process), result.trace, result.violation!, 'agreement');
    const control = simulate(configFor(planRun(PBFT, options), 19, false));
    expect(control.violation, control.violation?.message).toBeUndefined();
  });

  it('view-change-without-prepared violates agreement against a primary whose pre-prepares conflict (conflict strategy, seed 1)', async () => {
    const mutant = await loadMutant('pbft', 'view-change-without-prepared');
    expectSimulatorCatch(PBFT, mutant, { faults: 'byzantine=0:conflict', network: 'loss=0.2,gst=400' }, 1, 'agreement', 60);
  });

  it('commit-quorum-lowered (2f commits) violates agreement under the targeted adversary', async () => {
    const mutant = await loadMutant('pbft', 'commit-quorum-lowered');
    const params = { n: 4, f: 1, clients: 1, maxSeq: 4, checkpointEvery: 2, window: 4, maxView: 3, resend: 0 };
    const search: TargetedSearch = {
      makeStrategy: () => pbftAdversary(4), byzantineOf: () => [0], loss: 0.2, timerChance: 0.02, byzantineFirst: 0.9, maxSteps: 3000,
      requests: [{ process: 4, request: { type: 'invoke', op: 5 } as never }, { process: 4, request: { type: 'invoke', op: 6 } as never }],
    };
    // Seed 80 is the first violating one but shrinks to 65 steps; 383 (the fifth) to 45: the
    // client's two requests reach three replicas, the primary's six signed pre-prepares,
    // then the prepares and commits that give two replicas different operations.
    expectTargetedCatch(PBFT, mutant, params, search, 383, 500, 'agreement', 50);
  });
});
