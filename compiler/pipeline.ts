/**
 * The only place where stages are chained: parse → names → types (→ codegen). Later
 * stages run only when the earlier ones reported no error, so a user sees the first real
 * problems and not their echoes.
 */
import type { SourceFile } from './ast/span.js';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.js';
import { resolveNames } from './names/index.js';
import { newIdGenerator, parse } from './syntax/index.js';
import { checkTypes, type TypedSpec } from './types/index.js';
import type * as ast from './ast/ast.js';
import type { CodegenOptions, GeneratedFile } from './codegen/index.js';

/** The result of checking a set of files: the typed compilation when it is error-free. */
export interface CheckResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly typed?: TypedSpec;
  readonly specs: readonly ast.Spec[];
}

/** Parses, resolves and type-checks the files of one compilation. */
export function checkFiles(files: readonly SourceFile[]): CheckResult {
  const ids = newIdGenerator();
  const diagnostics: Diagnostic[] = [];
  const specs: ast.Spec[] = [];
  for (const file of files) {
    const parsed = parse(file, ids);
    diagnostics.push(...parsed.diagnostics);
    specs.push(parsed.value);
  }
  if (hasErrors(diagnostics)) return { diagnostics: sortDiagnostics(diagnostics), specs };
  // The types stage tolerates declaration errors (unknown types become '?'), so it runs
  // even after them and reports the independent problems in rule bodies too.
  const resolved = resolveNames(specs);
  diagnostics.push(...resolved.diagnostics);
  const typed = checkTypes(resolved.value);
  diagnostics.push(...typed.diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  return hasErrors(sorted) ? { diagnostics: sorted, specs } : { diagnostics: sorted, typed: typed.value, specs };
}

/** The result of compiling: the generated modules, or the diagnostics that prevented them. */
export interface CompileResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly GeneratedFile[];
}

/** Checks the files and, when they have no errors, generates their TypeScript modules. */
export async function compileFiles(files: readonly SourceFile[], options?: CodegenOptions): Promise<CompileResult> {
  const checked = checkFiles(files);
  if (checked.typed === undefined) return { diagnostics: checked.diagnostics, files: [] };
  const { generate } = await import('./codegen/index.js');
  const generated = await generate(checked.typed, new Map(files.map((f) => [f.id, f])), options);
  return { diagnostics: sortDiagnostics([...checked.diagnostics, ...generated.diagnostics]), files: generated.value };
}
