/** Output of the names stage: every protocol's declarations, indexed by name. */
import type * as ast from '../ast/ast.js';
import type { Type } from '../types/types.js';

/** A process-local scope: the protocol's own members, or one role's. */
export interface Scope {
  /** Undefined for the protocol level (all processes). */
  readonly role?: ast.RoleDecl;
  readonly state: ReadonlyMap<string, { readonly decl: ast.StateVar; readonly type: Type }>;
  readonly timers: ReadonlyMap<string, { readonly decl: ast.TimerDecl; readonly params: readonly Type[] }>;
  readonly defs: ReadonlyMap<string, DefSymbol>;
  readonly rules: readonly ast.Rule[];
}

export interface DefSymbol {
  readonly decl: ast.DefDecl;
  readonly params: readonly Type[];
  readonly result: Type;
  /** The role whose state it may read; undefined at protocol level. */
  readonly role?: string;
}

export interface EventSymbol {
  readonly decl: ast.InterfaceEvent;
  readonly params: readonly Type[];
}

export interface MessageSymbol {
  readonly decl: ast.MessageDecl;
  readonly type: Type & { readonly kind: 'message' };
}

export interface ModuleSymbol {
  readonly decl: ast.UsesDecl;
  /** Undefined when the used protocol is unknown (already reported). */
  readonly protocol?: ProtocolSymbols;
  readonly keyType?: Type;
}

/** Everything a protocol declares. Maps iterate in declaration order. */
export interface ProtocolSymbols {
  readonly decl: ast.Protocol;
  readonly file: string;
  readonly params: ReadonlyMap<string, { readonly decl: ast.Param; readonly type: Type }>;
  readonly assumes: readonly ast.AssumeDecl[];
  readonly faults: readonly ast.FaultsDecl[];
  readonly consts: ReadonlyMap<string, ast.ConstDecl>;
  readonly types: ReadonlyMap<string, Type>;
  readonly enumMembers: ReadonlyMap<string, Type & { readonly kind: 'enum' }>;
  readonly messages: ReadonlyMap<string, MessageSymbol>;
  readonly requests: ReadonlyMap<string, EventSymbol>;
  readonly indications: ReadonlyMap<string, EventSymbol>;
  readonly modules: ReadonlyMap<string, ModuleSymbol>;
  readonly roles: ReadonlyMap<string, ast.RoleDecl>;
  /** The protocol-level scope, then one per role in declaration order. */
  readonly scopes: readonly Scope[];
  readonly properties: readonly ast.PropertyDecl[];
  readonly scenarios: readonly ast.ScenarioDecl[];
}

export interface ResolvedSpec {
  readonly specs: readonly ast.Spec[];
  /** Every protocol of the compilation, by name. */
  readonly protocols: ReadonlyMap<string, ProtocolSymbols>;
}
