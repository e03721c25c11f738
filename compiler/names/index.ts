/**
 * Stage 2: names. Input: the parsed specs of one compilation. Output: `ResolvedSpec`, the
 * declarations of every protocol by name with their types resolved. Diagnostics: RIO2xxx
 * for declarations (duplicates, unknown types and protocols, cyclic `uses`, missing `n`).
 * Invariant: every protocol appears exactly once, even when it has errors.
 */
import type * as ast from '../ast/ast.js';
import type { StageResult } from '../diagnostics/diagnostic.js';
import { resolveDeclarations } from './resolve.js';
import type { ResolvedSpec } from './types.js';

export type { ResolvedSpec, ProtocolSymbols, Scope, DefSymbol, EventSymbol, MessageSymbol, ModuleSymbol } from './types.js';

/** Resolves the declarations of the given specs. */
export function resolveNames(specs: readonly ast.Spec[]): StageResult<ResolvedSpec> {
  return resolveDeclarations(specs);
}
