/**
 * Model-checker benchmark: distinct states per second and bytes of memory per visited
 * state of `rio explore` on Bracha's broadcast (n = 4, f = 1, Byzantine p3, values {0, 1}),
 * and, in the same run, SPIN on the same instance written in Promela (bracha.pml) when the
 * `spin` command and a C compiler are installed (Debian: apt-get install spin).
 *
 *     npm run build && node dist/bench/explore/run.js [seconds]
 *
 * Both searches are cut after the same wall time (neither space is small enough to finish
 * on this machine in minutes), so the figures compare rates, not totals.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrachaBroadcast } from '../../generated/bracha-broadcast.js';
import { explore } from '../../runtime/check/explore.js';

const seconds = Number(process.argv[2] ?? '30');
const root = join(import.meta.dirname, '..', '..', '..');

/** One rio search of the Bracha instance, cut after `seconds`; its rate and heap per state. */
function rio(search: 'bfs' | 'dfs') {
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const result = explore({
    module: BrachaBroadcast, params: { n: 4, f: 1, sender: 0 }, byzantine: [3], crashes: 0,
    workload: [{ process: 0, request: { type: 'broadcast', m: 0 } }], values: 2, lossy: false, search,
    maxStates: 50_000_000, maxDepth: 10_000, timeLimitMs: seconds * 1000, exact: false, symmetry: true,
    onProgress: () => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)),
  });
  const rate = result.states / (result.elapsedMs / 1000);
  console.log(`rio explore, Bracha n=4 f=1 (p3 Byzantine), values {0,1}, ${search.toUpperCase()}, ${seconds} s:`);
  console.log(`  ${result.states.toLocaleString('en-US')} distinct states, ${result.transitions.toLocaleString('en-US')} transitions, depth ${result.maxDepthReached}, ${result.complete ? 'complete' : `cut by ${result.cutBy}`}, verdict ${result.verdict}`);
  console.log(`  ${Math.round(rate).toLocaleString('en-US')} states/s; ${(result.stateBytes / result.states).toFixed(1)} bytes per visited state kept for good (its fingerprint, and its parent and move for counterexamples); heap at the peak ${Math.round((heapPeak - heapBefore) / 2 ** 20)} MiB above the start${search === 'bfs' ? ' (mostly the BFS frontier\'s snapshots)' : ''}`);
  return rate;
}
const bfsRate = rio('bfs');
const rioRate = rio('dfs');

const spin = spawnSync('spin', ['-V'], { encoding: 'utf8' });
if (spin.status !== 0) {
  console.log('SPIN: skipped (the spin command is not installed; Debian package spin)');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'rio-spin-'));
  copyFileSync(join(root, 'bench', 'explore', 'bracha.pml'), join(dir, 'bracha.pml'));
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
  run('spin', ['-a', 'bracha.pml']);
  const cc = run('gcc', ['-O2', '-DSAFETY', '-DNOREDUCE', '-DVECTORSZ=4096', '-w', '-o', 'pan', 'pan.c']);
  if (cc.status !== 0) {
    console.log(`SPIN: skipped (compiling pan.c failed: ${cc.stderr.split('\n')[0]})`);
  } else {
    // coreutils' timeout sends SIGINT, on which pan stops and prints its statistics.
    const pan = run('timeout', ['-s', 'INT', String(seconds), './pan', '-m1000000', '-w27']);
    const out = `${pan.stdout}${pan.stderr}`;
    const stored = Number(/([\d.e+]+) states, stored/.exec(out)?.[1] ?? NaN);
    const elapsed = Number(/elapsed time ([\d.e+]+) seconds/.exec(out)?.[1] ?? NaN);
    const memory = Number(/([\d.]+)\s+total actual memory usage/.exec(out)?.[1] ?? NaN);
    const spinRate = stored / elapsed;
    console.log(`SPIN ${spin.stdout.trim()} on bench/explore/bracha.pml (DFS, no partial-order reduction), ${seconds} s:`);
    console.log(`  ${stored.toLocaleString('en-US')} states stored, ${out.includes('Interrupted') ? 'cut by the time limit' : 'complete'}, ${Math.round(spinRate).toLocaleString('en-US')} states/s, ${Math.round((memory * 2 ** 20) / stored)} bytes per state (including its fixed 512 MiB hash table)`);
    console.log(`ratio: SPIN states/s / rio states/s = ${(spinRate / bfsRate).toFixed(2)}x against rio's default breadth-first search, ${(spinRate / rioRate).toFixed(2)}x against its depth-first search (target: within 5x)`);
  }
}
