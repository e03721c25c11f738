/** Names in generated TypeScript: readable, unique, never a reserved word. */

const reserved = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export',
  'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super',
  'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'as', 'implements', 'interface',
  'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'any', 'boolean', 'number', 'string', 'symbol',
  'type', 'from', 'of', 'await', 'async', 'undefined', 'NaN', 'Infinity', 'arguments', 'eval',
  // Names the generated code itself uses.
  'rio', 'ctx', 'state', 'params', 'view', 'binding', 'message', 'sender', 'request', 'indication', 'args', 'key',
  'Params', 'State', 'Message', 'Request', 'Indication', 'Ctx',
]);

/** A TypeScript identifier for a spec name: reserved words get a trailing underscore. */
export function safeName(name: string): string {
  return reserved.has(name) ? `${name}_` : name;
}

/** `ECHO` → `Echo`, `vote_req` → `VoteReq`, `broadcast` → `Broadcast`. */
export function pascal(name: string): string {
  const parts = name.split(/_+/).filter((p) => p.length > 0);
  return parts
    .map((p) => (p === p.toUpperCase() ? p.charAt(0) + p.slice(1).toLowerCase() : p.charAt(0).toUpperCase() + p.slice(1)))
    .join('');
}

/** `TwoPhaseCommit` → `two-phase-commit`. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
}
