/** Output of the types stage: the resolved spec plus side tables keyed by node id. */
import type * as ast from '../ast/ast.js';
import type { ResolvedSpec } from '../names/types.js';
import type { Type } from './types.js';

/** What a name in an expression refers to. */
export type Ref =
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'state'; readonly name: string; readonly role?: string }
  | { readonly kind: 'const'; readonly name: string }
  | { readonly kind: 'local'; readonly name: string }
  | { readonly kind: 'role'; readonly name: string }
  | { readonly kind: 'enumMember'; readonly name: string; readonly enumName: string }
  | { readonly kind: 'self' }
  | { readonly kind: 'correct' }
  | { readonly kind: 'allProcesses' };

/** What a call calls. */
export type CallTarget =
  | { readonly kind: 'def'; readonly name: string; readonly role?: string }
  | { readonly kind: 'builtin'; readonly name: string }
  | { readonly kind: 'message'; readonly name: string }
  | { readonly kind: 'record'; readonly name: string }
  /** `broadcast m` where `m` is a local holding a message value. */
  | { readonly kind: 'local'; readonly name: string };

export interface TypedSpec {
  readonly resolved: ResolvedSpec;
  /** The type of every expression node. */
  readonly types: ReadonlyMap<ast.NodeId, Type>;
  /** The meaning of every `name` expression. */
  readonly refs: ReadonlyMap<ast.NodeId, Ref>;
  /** Pattern positions (and `from p`) whose fresh name binds a variable rather than matching. */
  readonly binds: ReadonlySet<ast.NodeId>;
  /** The target of every call expression. */
  readonly calls: ReadonlyMap<ast.NodeId, CallTarget>;
  /** Defs that read process state or `self` (they cannot be used in properties). */
  readonly stateReadingDefs: ReadonlySet<string>;
}
