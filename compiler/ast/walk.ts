/**
 * Generic traversal of the AST: the direct children of a node, and a pre-order walk.
 * Parts of the tree that are not nodes themselves (rule events, quorums, module
 * references, scenario steps and bindings, map entries) are looked through: the
 * expressions inside them count as children of the node that holds them.
 */
import * as ast from './ast.js';

/** The expressions inside a module reference (`rb[k]`): just the key, when there is one. */
function moduleRefChildren(ref: ast.ModuleRef | undefined): ast.Node[] {
  return ref?.key === undefined ? [] : [ref.key];
}

/** The expressions inside a `receiving ... from <quorum>` clause, in source order. */
function quorumChildren(q: ast.Quorum): ast.Node[] {
  switch (q.kind) {
    case 'any':
      return [];
    case 'process':
      return [q.process];
    case 'count':
      return q.among === undefined ? [q.count] : [q.count, q.among];
    case 'majority':
    case 'all':
      return q.among === undefined ? [] : [q.among];
    default:
      return ast.assertNever(q);
  }
}

/** The expressions inside a rule's event, in source order. */
function eventChildren(e: ast.RuleEvent): ast.Node[] {
  switch (e.kind) {
    case 'start':
      return [];
    case 'request':
      return [...e.params];
    case 'receive':
      return [...e.params, ...quorumChildren(e.from)];
    case 'timeout':
      return [...e.params];
    case 'indication':
      return [...moduleRefChildren(e.instance), ...e.params];
    case 'condition':
      return [e.condition];
    default:
      return ast.assertNever(e);
  }
}

/** The expressions inside one scenario step, in source order. */
function stepChildren(s: ast.ScenarioStep): ast.Node[] {
  switch (s.kind) {
    case 'scenarioRequest':
      return [s.time, s.process, ...s.args];
    case 'scenarioFault':
      return [s.time, s.process];
    default:
      return ast.assertNever(s);
  }
}

/** `[x]` when `x` is present, else `[]`. */
function opt<T>(x: T | undefined): T[] {
  return x === undefined ? [] : [x];
}

/**
 * All direct child nodes of `node`, in source order: expressions, statements, types,
 * members, parameters and declarations. Names are not nodes and are not returned.
 * Expressions held by non-node parts (a rule's event and quorum, a trigger's or
 * indication's module key, scenario bindings and steps) are returned as children of the
 * rule, statement or scenario that contains them.
 */
export function children(node: ast.Node): ast.Node[] {
  const n = node;
  switch (n.kind) {
    // ---- file and protocol
    case 'spec':
      return [...n.protocols];
    case 'protocol':
      return [...n.members];

    // ---- declarations
    case 'parameters':
      return [...n.params];
    case 'assume':
      return [n.condition];
    case 'faults':
      return [n.bound];
    case 'uses':
      return [...n.args, ...opt(n.key)];
    case 'typeAlias':
      return [n.type];
    case 'enum':
      return [];
    case 'record':
      return [...n.fields];
    case 'const':
      return [...opt(n.type), n.value];
    case 'def':
      return [...n.params, n.result, n.body];
    case 'interface':
      return [...n.events];
    case 'interfaceEvent':
      return [...n.params, ...opt(n.at)];
    case 'messages':
      return [...n.messages];
    case 'message':
      return [...n.fields, ...opt(n.valid)];
    case 'state':
      return [...n.vars];
    case 'stateVar':
      return [n.type, ...opt(n.init)];
    case 'timers':
      return [...n.timers];
    case 'timer':
      return [...n.params];
    case 'role':
      return [n.count, ...n.members];
    case 'rule':
      return [...eventChildren(n.event), ...opt(n.guard), ...n.body];
    case 'property':
      return [n.body];
    case 'scenario':
      return [...n.bindings.map((b) => b.value), ...n.steps.flatMap(stepChildren)];
    case 'param':
      return [n.type];

    // ---- statements
    case 'assign':
      return [n.target, n.value];
    case 'send':
      return [n.message, n.to];
    case 'broadcast':
      return [n.message, ...opt(n.to)];
    case 'trigger':
      return [...moduleRefChildren(n.instance), ...n.args];
    case 'startTimer':
      return [...n.args, n.delay];
    case 'cancelTimer':
      return [...n.args];
    case 'let':
      return [...opt(n.type), n.value];
    case 'if':
      return [n.condition, ...n.then, ...(n.otherwise ?? [])];
    case 'for':
      return [n.source, ...n.body];
    case 'choose':
      return [n.source, ...opt(n.filter)];
    case 'random':
      return [n.source];
    case 'assert':
      return [n.condition, ...opt(n.message)];

    // ---- expressions
    case 'number':
    case 'bool':
    case 'string':
    case 'none':
    case 'name':
    case 'wildcard':
      return [];
    case 'unary':
      return [n.operand];
    case 'binary':
      return [n.left, n.right];
    case 'call':
      return [...n.args];
    case 'field':
      return [n.target];
    case 'index':
      return [n.target, n.index];
    case 'slice':
      return [n.target, ...opt(n.from), ...opt(n.to)];
    case 'cardinality':
      return [n.operand];
    case 'setLit':
    case 'seqLit':
    case 'tupleLit':
      return [...n.elements];
    case 'mapLit':
      return n.entries.flatMap((e) => [e.key, e.value]);
    case 'comprehension':
      // `{ e | x in S and p }` puts the element first; `{ x in S | p }` has none.
      return [...opt(n.element), n.source, ...opt(n.filter)];
    case 'quantifier':
      return [n.source, n.body];
    case 'extremum':
      return [n.source, n.key];
    case 'ifExpr':
      return [n.condition, n.then, n.otherwise];

    // ---- types
    case 'namedType':
      return [];
    case 'genericType':
      return [...n.args];
    case 'tupleType':
      return [...n.elements];

    default:
      return ast.assertNever(n);
  }
}

/**
 * Visits `node` and everything below it in pre-order (a node before its children, and
 * children in source order). When `visit` returns `false` for a node, that node's
 * subtree is skipped; the walk goes on with its next sibling.
 */
export function walk(node: ast.Node, visit: (n: ast.Node) => void | false): void {
  // An explicit stack, so very deep expressions cannot overflow the call stack.
  const stack: ast.Node[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (visit(current) === false) continue;
    const kids = children(current);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}
