/**
 * Compiles a `.rio` snippet and loads the generated module, for tests that drive replicas
 * of small ad-hoc protocols.
 *
 * ```ts
 * const Flag = await loadSnippet(`protocol Flag\n  parameters n: Nat\n  ...`);
 * const replica = new Replica(Flag, { n: 3 }, 0, { chooser, crypto: symbolicCrypto });
 * ```
 *
 * The generated module is written to a fresh file under tests/.tmp/ (git-ignored), with its
 * runtime import pointing at runtime/replica/index.js, and imported from there (vitest
 * transpiles the TypeScript on import). The file is removed once it is loaded; set
 * `RIO_KEEP_SNIPPETS=1` to keep it for inspection.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SourceFile } from '../../compiler/ast/span.js';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { renderDiagnostics } from '../../compiler/diagnostics/render.js';
import { compileFiles } from '../../compiler/pipeline.js';
import type * as rio from '../../runtime/replica/index.js';

const repo = join(import.meta.dirname, '..', '..');
/** Where generated snippet modules go. */
export const tmpDir = join(repo, 'tests', '.tmp');
const runtimeEntry = join(repo, 'runtime', 'replica', 'index.js');

let counter = 0;

/** True for an exported value that looks like a generated `ProtocolModule`. */
function isProtocolModule(value: unknown): value is rio.ProtocolModule<any, any> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && Array.isArray(v['rules']) && typeof v['initialState'] === 'function';
}

/** Compiles a snippet and returns its generated TypeScript text (throws on errors, with the diagnostics). */
export async function compileSnippet(source: string, fileId = 'snippet.rio'): Promise<string> {
  const file: SourceFile = { id: fileId, text: source };
  let runtimeImport = relative(tmpDir, runtimeEntry).replace(/\\/g, '/');
  if (!runtimeImport.startsWith('.')) runtimeImport = `./${runtimeImport}`;
  const result = await compileFiles([file], { runtimeImport });
  if (hasErrors(result.diagnostics) || result.files.length !== 1) {
    const rendered = renderDiagnostics(result.diagnostics, new Map([[file.id, file]]));
    throw new Error(`the snippet does not compile (${result.files.length} files generated):\n${rendered}`);
  }
  return result.files[0]!.text;
}

/**
 * Compiles a `.rio` snippet and imports the generated module. Returns the protocol named
 * `name`, or, when `name` is omitted, the snippet's only protocol (with several protocols
 * in the snippet, `name` is required).
 */
export async function loadSnippet(source: string, name?: string): Promise<rio.ProtocolModule<any, any>> {
  const text = await compileSnippet(source);
  mkdirSync(tmpDir, { recursive: true });
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const base = `snippet-${process.pid}-${++counter}-${hash}`;
  const path = join(tmpDir, `${base}.ts`);
  // Write then rename, so a concurrent reader never sees a half-written file.
  const partial = join(tmpDir, `${base}.partial`);
  writeFileSync(partial, text);
  renameSync(partial, path);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(/* @vite-ignore */ pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot import the generated module ${path}: ${(error as Error).message}\n--- generated text ---\n${text}`, { cause: error });
  } finally {
    if (process.env['RIO_KEEP_SNIPPETS'] !== '1') rmSync(path, { force: true });
  }
  const modules = Object.values(exports).filter(isProtocolModule);
  if (name !== undefined) {
    const found = modules.find((m) => m.name === name);
    if (found === undefined) throw new Error(`the snippet has no protocol '${name}' (it has: ${modules.map((m) => m.name).join(', ')})`);
    return found;
  }
  if (modules.length !== 1) throw new Error(`the snippet has ${modules.length} protocols (${modules.map((m) => m.name).join(', ')}); pass the name of one`);
  return modules[0]!;
}
