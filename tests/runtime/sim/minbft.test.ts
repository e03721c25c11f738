/**
 * specs/minbft.rio (with the USIG module of specs/usig.rio) in the simulator: agreement and
 * liveness hold with f Byzantine replicas of n = 2f + 1 under every generic strategy and
 * message loss (view changes run); the USIG module holds its own properties; the mutant with a
 * USIG counter that repeats a value is caught by a targeted Byzantine primary that gets its
 * identifiers from its own USIG (an instance of the mutant's USIG module) and equivocates;
 * the mutant with a commit quorum one smaller than f + 1 by the simulator's own `withhold`
 * strategy (a primary whose messages reach one replica only). 1000-seed swarms are in bench/simulate/swarm.ts.
 */
import { describe, expect, it } from 'vitest';
import { MinBFT } from '../../../generated/minbft.js';
import { USIG } from '../../../generated/usig.js';
import { byzantineStrategies } from '../../../runtime/sim/config.js';
import { simulate } from '../../../runtime/sim/simulate.js';
import type { TargetedSearch } from './bft-adversary.js';
import { expectSimulatorCatch, expectTargetedCatch, loadMutant } from './bft-check.js';
import { minbftAdversary } from './bft-strategies.js';
import { configFor, planRun } from './sim-config.js';

describe('MinBFT in the simulator', () => {
  it.each(byzantineStrategies)('holds agreement and liveness with a %s Byzantine replica and 20 percent loss before t=400', (strategy) => {
    for (const byzantine of [0, 2]) {
      const plan = planRun(MinBFT, { faults: `byzantine=${byzantine}:${strategy}`, network: 'loss=0.2,gst=400' });
      const result = simulate(configFor(plan, 5, false));
      expect(result.violation, result.violation?.message).toBeUndefined();
      expect(result.livenessChecked).toBe(true);
    }
  });

  it('a silent primary is replaced through REQ-VIEW-CHANGE, VIEW-CHANGE and NEW-VIEW', () => {
    const result = simulate(configFor(planRun(MinBFT, { faults: 'byzantine=0:silent' }), 1));
    expect(result.verdict, result.violation?.message).toBe('ok');
    expect(result.trace.some((s) => s.event.kind === 'deliver' && (s.event.message as { type: string }).type === 'NEW_VIEW')).toBe(true);
  });

  it('the USIG module holds uniqueness and monotonicity on its own', () => {
    const plan = planRun(USIG, { params: ['n=2'], faults: 'none', requests: ['createUI(1) at 0 on 0', 'createUI(2) at 1 on 0', 'createUI(1) at 2 on 0'] });
    const result = simulate(configFor(plan, 1, false));
    expect(result.verdict, result.violation?.message).toBe('ok');
  });
});

describe('MinBFT mutants under a targeted Byzantine primary with its own USIG', () => {
  const requests = (client: number) => [{ process: client, request: { type: 'invoke', op: 5 } as never }, { process: client, request: { type: 'invoke', op: 6 } as never }];

  it('usig-counter-repeats (a USIG whose counter repeats) violates agreement', async () => {
    const mutant = await loadMutant('minbft', 'usig-counter-repeats', 'usig', 'MinBFT');
    const params = { n: 3, f: 1, clients: 1, maxView: 3, resend: 0 };
    const search = (usig: typeof USIG): TargetedSearch => ({
      makeStrategy: () => minbftAdversary(usig, 3), byzantineOf: () => [0],
      loss: 0, timerChance: 0.01, byzantineFirst: 1, maxSteps: 2000, requests: requests(3),
    });
    // The mutant's primary calls the mutant USIG; the control's, the unmodified one.
    expectTargetedCatch(MinBFT, mutant, params, search(mutant.modules[0]!.protocol()), 4, 100, 'agreement', 40, search(USIG));
  });
});

describe('MinBFT mutants under the simulator\'s own Byzantine strategies', () => {
  it('commit-quorum-lowered (f commits) violates agreement with f = 2 and a primary that withholds its messages (seed 29)', async () => {
    const mutant = await loadMutant('minbft', 'commit-quorum-lowered', 'minbft', 'MinBFT');
    // The primary's PREPAREs (and everything else it sends) reach one replica only; with f
    // commits that replica executes alone, and the view change that follows orders the
    // requests differently for the others.
    const steps = expectSimulatorCatch(MinBFT, mutant, { params: ['n=5', 'f=2'], faults: 'byzantine=0:withhold' }, 29, 'agreement');
    const recipients = new Set(steps.flatMap((s) => (s.event.kind === 'inject' && s.event.from === 0 && s.event.to < 5 ? [s.event.to] : [])));
    expect(recipients.size).toBe(1);
  });
});
