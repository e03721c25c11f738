/** `rio compile <spec...> [-o DIR] [--check]`: generate TypeScript replica modules. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../diagnostics/render.js';
import { compileFiles } from '../pipeline.js';
import type { Io } from './io.js';
import { loadSpecFiles } from './load.js';

export interface CompileArgs {
  readonly specs: readonly string[];
  readonly outDir: string;
  readonly check: boolean;
}

/** Runs `rio compile`; returns the exit code. */
export async function runCompile(args: CompileArgs, io: Io): Promise<number> {
  const files = loadSpecFiles(args.specs);
  const runtimeDir = resolve(import.meta.dirname, '..', '..', '..', 'runtime', 'replica', 'index.js');
  const outDir = resolve(args.outDir);
  // Generated modules import the runtime relative to where they are written.
  let runtimeImport = relative(outDir, runtimeDir).replace(/\\/g, '/');
  if (!runtimeImport.startsWith('.')) runtimeImport = `./${runtimeImport}`;
  const result = await compileFiles(files, { runtimeImport: defaultRuntimeImport(outDir, runtimeImport) });
  const byId = new Map(files.map((f) => [f.id, f]));
  if (result.diagnostics.length > 0) io.err(renderDiagnostics(result.diagnostics, byId, { color: io.color }) + '\n');
  if (hasErrors(result.diagnostics)) {
    io.err(`rio compile: no files written: the specs have errors`);
    return 1;
  }
  if (args.check) {
    const stale = result.files.filter((f) => {
      const path = join(outDir, f.fileName);
      return !existsSync(path) || readFileSync(path, 'utf8') !== f.text;
    });
    if (stale.length > 0) {
      io.err(`rio compile --check: ${stale.length} generated file${stale.length === 1 ? ' is' : 's are'} out of date: ${stale.map((f) => join(args.outDir, f.fileName)).join(', ')}`);
      io.err(`run 'rio compile ${args.specs.join(' ')} -o ${args.outDir}' and commit the result`);
      return 1;
    }
    io.out(`rio compile --check: ${result.files.length} generated file${result.files.length === 1 ? '' : 's'} up to date in ${args.outDir}`);
    return 0;
  }
  mkdirSync(outDir, { recursive: true });
  for (const f of result.files) writeFileSync(join(outDir, f.fileName), f.text);
  io.out(`rio compile: wrote ${result.files.map((f) => join(args.outDir, f.fileName)).join(', ')}`);
  return 0;
}

/** Inside this repository, generated/ imports ../runtime; elsewhere, the installed package. */
function defaultRuntimeImport(outDir: string, relativeImport: string): string {
  return outDir.startsWith(resolve(import.meta.dirname, '..', '..', '..')) ? relativeImport : 'replica-io/runtime';
}
