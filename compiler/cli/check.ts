/** `rio check <spec...>`: parse, resolve and type-check specs; print diagnostics. */
import type { SourceFile } from '../ast/span.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { diagnosticsToJson, renderDiagnostics } from '../diagnostics/render.js';
import { checkFiles } from '../pipeline.js';
import type { Io } from './io.js';
import { loadSpecFiles } from './load.js';

export interface CheckArgs {
  readonly specs: readonly string[];
  readonly format: 'text' | 'json';
}

/** Runs `rio check`; returns the exit code (0 clean, 1 errors in specs). */
export function runCheck(args: CheckArgs, io: Io): number {
  const files: SourceFile[] = loadSpecFiles(args.specs);
  const result = checkFiles(files);
  const byId = new Map(files.map((f) => [f.id, f]));
  const failed = hasErrors(result.diagnostics);
  if (args.format === 'json') {
    io.out(JSON.stringify({ ok: !failed, files: files.map((f) => f.id), diagnostics: diagnosticsToJson(result.diagnostics, byId) }, null, 2));
    return failed ? 1 : 0;
  }
  if (result.diagnostics.length > 0) io.err(renderDiagnostics(result.diagnostics, byId, { color: io.color }) + '\n');
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  if (failed) io.err(`rio check: ${files.length} file${files.length === 1 ? '' : 's'}: ${counts}`);
  else io.out(`rio check: ${files.length} file${files.length === 1 ? '' : 's'} ok (${counts})`);
  return failed ? 1 : 0;
}
