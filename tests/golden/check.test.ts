/**
 * Golden diagnostics: every folder under tests/golden/check/ holds `input.rio` and the
 * rendered diagnostics `rio check` gives for it (file:line:col, code, message, caret).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDiagnostics } from '../../compiler/diagnostics/render.js';
import { buildCodegenModel } from '../../compiler/codegen/model.js';
import { checkFiles } from '../../compiler/pipeline.js';
import { expectGolden } from '../helpers/golden.js';

const root = join(import.meta.dirname, 'check');
const cases = readdirSync(root).filter((d) => /^\d{4}-/.test(d)).sort();

/** Renders what `rio check` prints for one case. */
export function renderCase(dir: string): string {
  const text = readFileSync(join(root, dir, 'input.rio'), 'utf8');
  const file = { id: 'input.rio', text };
  const files = new Map([[file.id, file]]);
  const result = checkFiles([file]);
  // A spec the checker accepts also goes through the code generator's model (RIO4xxx).
  const generated = result.typed === undefined ? [] : buildCodegenModel(result.typed, files, { runtimeImport: 'rio' }).diagnostics;
  return renderDiagnostics([...result.diagnostics, ...generated], files) + '\n';
}

describe('golden diagnostics', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const dir of cases) {
    it(dir, () => {
      const rendered = renderCase(dir);
      expect(rendered.trim()).not.toBe('');
      expectGolden(join(root, dir, 'expected.diagnostics.txt'), rendered);
    });
  }
});
