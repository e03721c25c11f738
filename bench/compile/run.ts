/**
 * Compile benchmark: the wall time of `rio compile` (parse + names + types + code generation
 * with ts-morph and prettier, and writing the files) on the bundled specs.
 *
 * - cold, all specs: `rio compile specs/*.rio -o <tmp>` in a fresh Node process, median of 5;
 * - cold, each spec alone: `rio compile specs/<name>.rio -o <tmp>`, median of 3 each;
 * - warm, in process: `compileFiles` of all specs after a warm-up run, median of 5.
 *
 *     npm run build && node dist/bench/compile/run.js
 *
 * Target (issue #4): all bundled specs compile in under 3 s (cold).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileFiles } from '../../compiler/pipeline.js';

const root = join(import.meta.dirname, '..', '..', '..');
const cli = join(root, 'dist', 'compiler', 'cli', 'main.js');
const names = readdirSync(join(root, 'specs')).filter((f) => f.endsWith('.rio')).sort();
/** Repository-relative paths, as a user would type them from the root. */
const specPaths = names.map((name) => `specs/${name}`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const outDir = mkdtempSync(join(tmpdir(), 'rio-bench-compile-'));

/** Runs `rio compile <specs> -o <outDir>` in a fresh Node process; returns the wall time in ms. */
function coldCompile(specs: readonly string[]): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, [cli, 'compile', ...specs, '-o', outDir], { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0) {
    console.error(`rio compile ${specs.join(' ')} failed (exit ${run.status}):\n${run.stderr}`);
    rmSync(outDir, { recursive: true, force: true });
    process.exit(1);
  }
  return ms;
}

try {
  const lines = specPaths.reduce((total, p) => total + readFileSync(join(root, p), 'utf8').split('\n').length, 0);

  const cold: number[] = [];
  for (let i = 0; i < 5; i++) cold.push(coldCompile(specPaths));

  const perSpec = specPaths.map((spec) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(coldCompile([spec]));
    return { spec, ms: median(times) };
  });

  const baseline: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    baseline.push(performance.now() - start);
  }

  // Warm: the same compilation in this process, after a first run has loaded ts-morph and prettier.
  const files = specPaths.map((id) => ({ id, text: readFileSync(join(root, id), 'utf8') }));
  const options = { runtimeImport: '../runtime/replica/index.js' };
  const first = await compileFiles(files, options);
  const errors = first.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || first.files.length !== files.length) {
    console.error(`the bundled specs do not compile: ${errors.length} errors; first: ${errors[0]?.code} ${errors[0]?.message}`);
    rmSync(outDir, { recursive: true, force: true });
    process.exit(1);
  }
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await compileFiles(files, options);
    warm.push(performance.now() - start);
  }

  const coldMs = median(cold);
  console.log(`cold 'rio compile specs/*.rio' (${names.length} specs, ${lines} lines): median ${coldMs.toFixed(0)} ms over 5 runs (target < 3000 ms: ${coldMs < 3000 ? 'met' : 'NOT met'})`);
  console.log(`  of which bare 'node -e 0' start: median ${median(baseline).toFixed(0)} ms`);
  console.log(`cold 'rio compile' of each spec alone (median of 3):`);
  const width = Math.max(...perSpec.map((p) => p.spec.length));
  for (const { spec, ms } of perSpec) console.log(`  ${spec.padEnd(width)}  ${ms.toFixed(0).padStart(5)} ms`);
  console.log(`warm in-process compileFiles of all specs: median ${median(warm).toFixed(1)} ms over 5 runs (after a warm-up run of ${first.files.length} modules)`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
