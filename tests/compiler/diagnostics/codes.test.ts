/** The diagnostic catalog: codes are unique, well-formed, and each has a golden case. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes } from '../../../compiler/diagnostics/codes.js';

const goldenRoot = join(import.meta.dirname, '..', '..', 'golden', 'check');
const internalOnly = new Set(['RIO9001']);

describe('diagnostic catalog', () => {
  const entries = Object.entries(codes);

  it('gives every diagnostic a unique code in its range', () => {
    const seen = new Set<string>();
    for (const [, entry] of entries) {
      expect(entry.code).toMatch(/^RIO[1-59]\d{3}$/);
      expect(seen.has(entry.code), `duplicate ${entry.code}`).toBe(false);
      seen.add(entry.code);
    }
  });

  it('has a golden case showing every user-facing code', () => {
    const shown = new Set<string>();
    for (const dir of readdirSync(goldenRoot)) {
      if (!/^\d{4}-/.test(dir)) continue;
      const text = readFileSync(join(goldenRoot, dir, 'expected.diagnostics.txt'), 'utf8');
      for (const match of text.matchAll(/(?:error|warning) (RIO\d{4}):/g)) shown.add(match[1]!);
    }
    const missing = entries.map(([, e]) => e.code).filter((c) => !shown.has(c) && !internalOnly.has(c));
    expect(missing).toEqual([]);
    expect(shown.size).toBeGreaterThanOrEqual(40);
  });
});
