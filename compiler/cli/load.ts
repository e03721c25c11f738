/** Reading spec files for the CLI, including the files of protocols named by `uses`. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { SourceFile } from '../ast/span.js';

/** A file the user named that cannot be read: a usage error, not a spec error. */
export class UnreadableFile extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`cannot read '${path}': ${reason}`);
  }
}

function read(path: string): SourceFile {
  try {
    if (statSync(path).isDirectory()) throw new UnreadableFile(path, 'it is a directory');
    return { id: path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    if (error instanceof UnreadableFile) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnreadableFile(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((error as Error).message));
  }
}

const usesPattern = /^\s*uses\s+([A-Za-z_][A-Za-z0-9_]*)/gm;
const protocolPattern = /^\s*protocol\s+([A-Za-z_][A-Za-z0-9_]*)/gm;

/**
 * Reads the named files, then adds any `.rio` file beside them that declares a protocol
 * they `use` but do not contain, so `rio check specs/app.rio` finds `specs/rb.rio`.
 */
export function loadSpecFiles(paths: readonly string[]): SourceFile[] {
  const files = paths.map(read);
  const declared = new Set(files.flatMap((f) => [...f.text.matchAll(protocolPattern)].map((m) => m[1]!)));
  const missing = new Set(files.flatMap((f) => [...f.text.matchAll(usesPattern)].map((m) => m[1]!)).filter((n) => !declared.has(n)));
  const seen = new Set(files.map((f) => f.id));
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    if (missing.size === 0) break;
    let entries: string[];
    try {
      entries = readdirSync(dir).filter((e) => e.endsWith('.rio')).sort();
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = dir === '.' ? entry : join(dir, entry);
      if (seen.has(path) || seen.has(relative('.', path))) continue;
      const file = read(path);
      const names = [...file.text.matchAll(protocolPattern)].map((m) => m[1]!);
      if (names.some((n) => missing.has(n))) {
        files.push(file);
        seen.add(path);
        for (const n of names) missing.delete(n);
      }
    }
  }
  return files;
}
