/**
 * Front-end benchmark: lines per second of parse + resolve + type-check on a large spec
 * (the bundled specs repeated under fresh protocol names until it passes 10,000 lines),
 * and the cold-start wall time of `rio check` on one spec (a fresh Node process each run).
 *
 *     npm run build && node dist/bench/frontend/run.js
 *
 * Targets (issue #2): at least 50,000 lines/s; cold `rio check` under 0.5 s.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkFiles } from '../../compiler/pipeline.js';

const root = join(import.meta.dirname, '..', '..', '..');
const specDir = join(root, 'specs');
const specs = readdirSync(specDir).filter((f) => f.endsWith('.rio')).sort().map((f) => readFileSync(join(specDir, f), 'utf8'));

/** One big file: every bundled protocol, renamed per copy so names stay unique. */
function bigSpec(minLines: number): string {
  const protocolNames = specs.flatMap((s) => [...s.matchAll(/^protocol\s+(\w+)/gm)].map((m) => m[1]!));
  const parts: string[] = [];
  let lines = 0;
  for (let copy = 0; lines < minLines; copy++) {
    for (const spec of specs) {
      let text = spec;
      for (const name of protocolNames) text = text.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}${copy}`);
      parts.push(text);
      lines += text.split('\n').length;
    }
  }
  return parts.join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const text = bigSpec(10_000);
const lineCount = text.split('\n').length;
const file = { id: 'big.rio', text };
// Warm up the JIT, then time several full runs.
const first = checkFiles([file]);
const errors = first.diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0) {
  console.error(`the generated spec has ${errors.length} errors; first: ${errors[0]!.code} ${errors[0]!.message}`);
  process.exit(1);
}
for (let i = 0; i < 3; i++) checkFiles([file]);
const times: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  checkFiles([file]);
  times.push(performance.now() - start);
}
const ms = median(times);
const linesPerSecond = Math.round(lineCount / (ms / 1000));

const cli = join(root, 'dist', 'compiler', 'cli', 'main.js');
const one = join(specDir, 'bracha-broadcast.rio');
const cold: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  const run = spawnSync(process.execPath, [cli, 'check', one], { encoding: 'utf8' });
  cold.push(performance.now() - start);
  if (run.status !== 0) {
    console.error(`rio check failed: ${run.stderr}`);
    process.exit(1);
  }
}
const baseline: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  baseline.push(performance.now() - start);
}

const coldMs = median(cold);
console.log(`front end (parse + names + types) on ${lineCount} lines: median ${ms.toFixed(1)} ms over 7 runs`);
console.log(`  ${linesPerSecond.toLocaleString('en-US')} lines/s (target >= 50,000: ${linesPerSecond >= 50_000 ? 'met' : 'NOT met'}; ratio ${(linesPerSecond / 50_000).toFixed(2)}x)`);
console.log(`cold 'rio check specs/bracha-broadcast.rio': median ${coldMs.toFixed(0)} ms over 7 runs (target < 500 ms: ${coldMs < 500 ? 'met' : 'NOT met'})`);
console.log(`  of which bare 'node -e 0' start: median ${median(baseline).toFixed(0)} ms`);
