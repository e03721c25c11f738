/** Golden-file comparison: `UPDATE_GOLDEN=1 npx vitest run` rewrites the expected files. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

export const updating = process.env['UPDATE_GOLDEN'] === '1';

/** Asserts that `actual` equals the content of `path` (or writes it when updating). */
export function expectGolden(path: string, actual: string): void {
  if (updating) {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`missing golden file ${path}; run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
