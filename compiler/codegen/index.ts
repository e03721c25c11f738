/**
 * Stage 4: code generation. Input: a `TypedSpec` without errors and the source files.
 * Output: one formatted TypeScript module per spec file (`GeneratedFile`). Diagnostics:
 * RIO4xxx for constructs the generator cannot translate. Deterministic: the same specs
 * give byte-identical files. Loads ts-morph and prettier lazily (they are slow to load).
 */
import type { SourceFile } from '../ast/span.js';
import type { Diagnostic, StageResult } from '../diagnostics/diagnostic.js';
import type { TypedSpec } from '../types/stage-types.js';
import { emitModule } from './emit.js';
import { buildCodegenModel, type CodegenOptions } from './model.js';

export interface GeneratedFile {
  /** File name inside the output directory, e.g. `bracha-broadcast.ts`. */
  readonly fileName: string;
  readonly sourcePath: string;
  readonly text: string;
}

/** Generates the TypeScript modules for a checked compilation. */
export async function generate(
  typed: TypedSpec,
  files: ReadonlyMap<string, SourceFile>,
  options: CodegenOptions = { runtimeImport: '../runtime/replica/index.js' },
): Promise<StageResult<GeneratedFile[]>> {
  const { models, diagnostics } = buildCodegenModel(typed, files, options);
  const out: GeneratedFile[] = [];
  const problems: Diagnostic[] = [...diagnostics];
  if (problems.some((d) => d.severity === 'error')) return { value: [], diagnostics: problems };
  for (const model of models) out.push({ fileName: model.fileName, sourcePath: model.sourcePath, text: await emitModule(model) });
  return { value: out, diagnostics: problems };
}

export type { CodegenOptions } from './model.js';
