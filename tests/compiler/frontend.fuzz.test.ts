/**
 * The whole front end (parse, names, types, and the code generator's model) on mutated
 * specs: it never throws, never hangs, and every diagnostic has a valid span. 2,000+ cases
 * with fixed seeds (RIO_FUZZ_RUNS=n for more).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCodegenModel } from '../../compiler/codegen/model.js';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { checkFiles } from '../../compiler/pipeline.js';
import { mutatedSpec } from '../helpers/mutate.js';

const specDir = join(import.meta.dirname, '..', '..', 'specs');
const specs = readdirSync(specDir).filter((f) => f.endsWith('.rio')).sort().map((f) => readFileSync(join(specDir, f), 'utf8'));
const runs = Math.max(2000, Number(process.env['RIO_FUZZ_RUNS'] ?? 0));

function checkFrontEnd(text: string): boolean {
  const file = { id: 'mutant.rio', text };
  const start = performance.now();
  const result = checkFiles([file]);
  if (result.typed !== undefined) buildCodegenModel(result.typed, new Map([[file.id, file]]), { runtimeImport: 'rio' });
  expect(performance.now() - start, 'front-end time (ms)').toBeLessThan(10_000);
  for (const d of result.diagnostics) {
    expect(d.code).toMatch(/^RIO\d{4}$/);
    expect(d.span.file).toBe('mutant.rio');
    expect(0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= text.length, `span of ${d.code}`).toBe(true);
  }
  // A rejected spec always says why.
  if (result.typed === undefined) expect(hasErrors(result.diagnostics)).toBe(true);
  return true;
}

describe('front-end fuzz', () => {
  it(`checks ${runs} mutants of the bundled specs without throwing`, () => {
    let rejected = 0;
    fc.assert(
      fc.property(mutatedSpec(specs), (text) => {
        checkFrontEnd(text);
        if (checkFiles([{ id: 'mutant.rio', text }]).typed === undefined) rejected++;
      }),
      { numRuns: runs, seed: 0xf00d },
    );
    // The mutations must actually exercise error paths, not only valid specs.
    expect(rejected).toBeGreaterThan(runs / 4);
    // A guard against a hang, not a speed test: about 20 s on a quiet machine, three times
    // that when the 2 cores are shared.
  }, 300_000);
});
