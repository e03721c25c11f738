/**
 * Loading a spec as a runnable protocol module: check it, generate its module, and import
 * it. Bundled specs whose compiled module (dist/generated) matches the spec text are
 * imported directly; any other spec is generated, transpiled with the TypeScript compiler
 * that ts-morph bundles, and imported from a cache folder keyed by its content.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProtocolModule } from '../../runtime/replica/contract.js';
import type { SourceFile } from '../ast/span.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { checkFiles, compileFiles } from '../pipeline.js';

export interface LoadedSpec {
  readonly module: ProtocolModule<any, any>;
  /** The spec file that declares the protocol. */
  readonly specFile: string;
  readonly diagnostics: readonly Diagnostic[];
}

/** A spec that cannot be loaded because it has errors. */
export class SpecHasErrors extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[], readonly files: readonly SourceFile[]) {
    super('the spec has errors');
  }
}

const distRoot = resolve(import.meta.dirname, '..', '..');
const runtimeEntry = join(distRoot, 'runtime', 'replica', 'index.js');

/**
 * Writes a file so that a concurrent reader sees the old file or the whole new one, never a
 * part: processes started together (`rio cluster`) load the same spec into the same cache.
 */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Loads `protocol` (default: the first protocol of the first file) from the given files.
 * Throws `SpecHasErrors` when they do not check.
 */
export async function loadProtocol(files: readonly SourceFile[], protocol?: string): Promise<LoadedSpec> {
  const checked = checkFiles(files);
  if (checked.typed === undefined || hasErrors(checked.diagnostics)) throw new SpecHasErrors(checked.diagnostics, files);
  const protocols = [...checked.typed.resolved.protocols.values()];
  const chosen = protocol === undefined ? protocols.find((p) => p.file === files[0]!.id) ?? protocols[0] : checked.typed.resolved.protocols.get(protocol);
  if (chosen === undefined) {
    const error = new Error(`no protocol '${protocol}' in ${files.map((f) => f.id).join(', ')} (protocols: ${protocols.map((p) => p.decl.name.text).join(', ')})`);
    error.name = 'UsageError';
    throw error;
  }
  const specFile = chosen.file;
  const text = files.find((f) => f.id === specFile)!.text;
  const name = chosen.decl.name.text;

  // Fast path: the bundled module compiled with the package, if it is for this very text.
  const bundled = join(distRoot, 'generated', basename(specFile).replace(/\.rio$/, '.js'));
  if (existsSync(bundled) && existsSync(runtimeEntry)) {
    const imported = (await import(pathToFileURL(bundled).href)) as Record<string, ProtocolModule<any, any>>;
    const module = imported[name];
    if (module !== undefined && module.sourceHash === hashOf(text)) return { module, specFile, diagnostics: checked.diagnostics };
  }

  const compiled = await compileFiles(files, { runtimeImport: pathToFileURL(runtimeEntry).href });
  if (hasErrors(compiled.diagnostics)) throw new SpecHasErrors(compiled.diagnostics, files);
  const { ts } = await import('ts-morph');
  const cache = join(tmpdir(), 'rio-modules', hashOf(compiled.files.map((f) => f.text).join('\n')));
  mkdirSync(cache, { recursive: true });
  for (const f of compiled.files) {
    const js = ts.transpileModule(f.text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    // Sibling imports (`./child.js`) must find the transpiled siblings.
    writeAtomically(join(cache, f.fileName.replace(/\.ts$/, '.js')), js);
  }
  writeAtomically(join(cache, 'package.json'), '{"type":"module"}\n');
  const target = join(cache, basename(specFile).replace(/\.rio$/, '.js'));
  const imported = (await import(pathToFileURL(target).href)) as Record<string, ProtocolModule<any, any>>;
  const module = imported[name];
  if (module === undefined) throw new Error(`internal: generated module has no export '${name}'`);
  return { module, specFile, diagnostics: checked.diagnostics };
}
