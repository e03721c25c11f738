/**
 * Stage 3: types. Input: `ResolvedSpec`. Output: `TypedSpec`, the resolved spec plus side
 * tables keyed by node id: the type of every expression, the meaning of every name, which
 * pattern names bind, and what each call calls. Diagnostics: RIO3xxx (types and checks)
 * and the RIO2xxx name errors found inside expressions and rule bodies.
 * Invariant: every expression node of the compilation has an entry in `types`.
 */
import type { StageResult } from '../diagnostics/diagnostic.js';
import type { ResolvedSpec } from '../names/types.js';
import { checkSpec } from './check.js';
import type { TypedSpec } from './stage-types.js';

export type { TypedSpec, Ref, CallTarget } from './stage-types.js';
export type { Type } from './types.js';

/** Resolves names in expressions and checks the types of all protocols. */
export function checkTypes(resolved: ResolvedSpec): StageResult<TypedSpec> {
  return checkSpec(resolved);
}
