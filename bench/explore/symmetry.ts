/**
 * Symmetry reduction benchmark: `rio explore` with and without it, side by side in one run,
 * on spaces small enough to finish: echo broadcast (n = 4, f = 1, no Byzantine process,
 * p0 the sender, so p1..p3 are interchangeable), without and with one crash.
 *
 *     npm run build && node dist/bench/explore/symmetry.js
 *
 * For each: distinct states, seconds, and the ratios. The reduced count times the reported
 * factor must equal the unreduced count (a complete search).
 */
import { EchoBroadcast } from '../../generated/echo-broadcast.js';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import { explore, type ExploreConfig } from '../../runtime/check/explore.js';

function run(name: string, module: ProtocolModule<any, any>, config: Omit<ExploreConfig, 'module' | 'search' | 'maxStates' | 'maxDepth' | 'timeLimitMs' | 'exact'>): void {
  const base: ExploreConfig = { module, search: 'bfs', maxStates: 20_000_000, maxDepth: 10_000, timeLimitMs: 600_000, exact: false, ...config };
  const off = explore({ ...base, symmetry: false });
  const on = explore({ ...base, symmetry: true });
  console.log(name);
  console.log(`  without symmetry: ${off.states.toLocaleString('en-US')} states, ${(off.elapsedMs / 1000).toFixed(1)} s, ${off.complete ? 'complete' : `cut by ${off.cutBy}`}`);
  if (!on.symmetry.applied) {
    console.log(`  with symmetry:    not applied (${on.symmetry.reason})`);
    return;
  }
  console.log(`  with symmetry:    ${on.states.toLocaleString('en-US')} states, ${(on.elapsedMs / 1000).toFixed(1)} s, ${on.complete ? 'complete' : `cut by ${on.cutBy}`}, classes ${JSON.stringify(on.symmetry.classes)}`);
  console.log(`  states ratio ${(off.states / on.states).toFixed(2)}x, reported factor ${on.symmetry.factor.toFixed(2)} (predicts ${Math.round(on.symmetry.factor * on.states).toLocaleString('en-US')} unreduced states), time ratio ${(off.elapsedMs / on.elapsedMs).toFixed(2)}x; verdicts ${off.verdict} / ${on.verdict}`);
}

run('echo broadcast, n=4 f=1, sender p0, no Byzantine process', EchoBroadcast, {
  params: { n: 4, f: 1, sender: 0 }, byzantine: [], crashes: 0, workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }], values: 2, lossy: false,
});
run('echo broadcast, n=4 f=1, sender p0, one crash', EchoBroadcast, {
  params: { n: 4, f: 1, sender: 0 }, byzantine: [], crashes: 1, workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }], values: 2, lossy: false,
});
