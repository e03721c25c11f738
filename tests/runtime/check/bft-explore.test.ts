/**
 * Bounded model checking of a BFT spec that completes: HotStuff with n = 4, f = 1, one view
 * (maxView = 1), any one replica crashing at any point, every interleaving of the messages
 * (as `rio explore specs/hotstuff.rio --param n=4 --param f=1 --param maxView=1
 * --byzantine none --crashes 1`). No state violates agreement. (A Byzantine process cannot
 * be explored here: a HotStuff message holds a QC, a set, whose well-typed values cannot be
 * enumerated; larger instances are cut by time, see docs/specs/bft.md.) With one view no
 * replica can commit (a commit needs a three-chain), so agreement holds vacuously here: the
 * test shows that every state is reached and none fails a property or an assertion.
 */
import { describe, expect, it } from 'vitest';
import { HotStuff } from '../../../generated/hotstuff.js';
import { MinBFT } from '../../../generated/minbft.js';
import { explore } from '../../../runtime/check/explore.js';

describe('rio explore on HotStuff', () => {
  it('n = 4, f = 1, one view, one crash: every reachable state explored, agreement holds', () => {
    const config = {
      module: HotStuff, params: { n: 4, f: 1, maxView: 1 }, byzantine: [], crashes: 1, workload: [{ process: 1, request: { type: 'submit', cmd: 100 } as never }],
      values: 2, lossy: false, search: 'bfs', maxStates: 1_000_000, maxDepth: 1000, timeLimitMs: 120_000, exact: false,
    } as const;
    const result = explore(config);
    expect(result.verdict, result.violation?.message).toBe('ok');
    expect(result.complete).toBe(true);
    // What crashed replicas received, the messages in flight to them, and messages a rule
    // already fired for are left out.
    expect(result.states).toBe(6_656);
    expect(result.maxDepthReached).toBe(12);
    // Telling every message apart: the whole space, with the same verdict.
    const full = explore({ ...config, deadMessages: 'keep' });
    expect(full.verdict).toBe('ok');
    expect(full.complete).toBe(true);
    expect(full.states).toBe(13_184);
    expect(full.maxDepthReached).toBe(13);
  });
});

/**
 * MinBFT with n = 2f + 1 = 3, f = 1, one client request, view 0 (maxView = 0, timers never
 * expire: no view change), any one replica crashing at any point, every interleaving (as
 * `rio explore specs/minbft.rio --param n=3 --param f=1 --param clients=1 --param maxView=0
 * --param resend=0 --request 'invoke(5) on 3' --byzantine none --crashes 1 --max-timeouts 0`).
 * A Byzantine replica cannot be explored: VIEW_CHANGE and NEW_VIEW hold sets.
 */
describe('rio explore on MinBFT', () => {
  const config = {
    module: MinBFT, params: { n: 3, f: 1, clients: 1, maxView: 0, resend: 0 }, byzantine: [], crashes: 1,
    workload: [{ process: 3, request: { type: 'invoke', op: 5 } as never }],
    values: 2, lossy: false, search: 'bfs', maxStates: 1_000_000, maxDepth: 1000, timeLimitMs: 120_000, exact: false, maxTimeouts: 0,
  } as const;

  it('n = 3, f = 1, view 0, one request: every reachable state explored, agreement holds, with and without a crash', () => {
    // States where one and two replicas executed the request: agreement is really tested.
    let one = 0;
    let two = 0;
    const result = explore({
      ...config,
      onState: (w) => {
        const executed = w.indications.filter((xs) => xs.some((x) => x.type === 'execute')).length;
        if (executed >= 1) one++;
        if (executed >= 2) two++;
      },
    });
    expect(result.verdict, result.violation?.message).toBe('ok');
    expect(result.complete).toBe(true);
    expect([one, two]).toEqual([2_080, 1_824]);
    expect(result.states).toBe(2_158);
    expect(result.transitions).toBe(14_491);
    expect(result.maxDepthReached).toBe(16);
    const noCrash = explore({ ...config, crashes: 0 });
    expect(noCrash.verdict).toBe('ok');
    expect(noCrash.complete).toBe(true);
    expect(noCrash.states).toBe(919);
    expect(noCrash.maxDepthReached).toBe(15);
  });
});
