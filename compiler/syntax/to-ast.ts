/**
 * CST → AST. Runs only on a parse without syntax errors, so every child the grammar
 * requires is present. Forms the grammar accepts but the language does not (a `wait`,
 * a comprehension of the wrong shape, a trigger that is no call) become diagnostics.
 */
import type { CstNode, IToken } from './chevrotain.js';
import type * as ast from '../ast/ast.js';
import type { Span } from '../ast/span.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { endOf, isToken, maybeNode, maybeToken, node, nodes, onlyChild, startOf, token, tokens } from './cst.js';
import * as t from './tokens.js';

/** Hands out node ids that are unique within one compilation. */
export interface IdGenerator {
  next(): ast.NodeId;
}

/** A fresh id generator starting at 1. */
export function newIdGenerator(): IdGenerator {
  let last = 0;
  return { next: () => ++last };
}

/** A postfix chain before it is known whether it is an expression or an event/trigger. */
type Chain =
  | { readonly kind: 'expr'; readonly expr: ast.Expr }
  | { readonly kind: 'moduleCall'; readonly span: Span; readonly instance: ast.ModuleRef; readonly name: ast.Name; readonly args: readonly ast.Expr[] };

const binaryOps = new Map<string, ast.BinaryOp>([
  ['Implies', 'implies'], ['Or', 'or'], ['And', 'and'],
  ['Equals', '='], ['NotEquals', '!='], ['Less', '<'], ['LessEquals', '<='], ['Greater', '>'],
  ['GreaterEquals', '>='], ['In', 'in'], ['NotIn', 'notIn'], ['Not', 'notIn'], ['Subset', 'subset'],
  ['Plus', '+'], ['Minus', '-'], ['Union', 'union'], ['Backslash', 'minus'], ['Concat', 'concat'],
  ['Star', '*'], ['Slash', '/'], ['Percent', '%'], ['Intersect', 'intersect'],
]);

/** Converts one file's CST into its AST, reporting the forms the language rejects. */
export function toAst(cst: CstNode, file: string, ids: IdGenerator): { spec: ast.Spec; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];

  const span = (start: number, end: number): Span => ({ file, start, end });
  const spanOf = (element: CstNode | IToken): Span => span(startOf(element), endOf(element));
  const name = (tok: IToken): ast.Name => ({ text: tok.image, span: spanOf(tok) });
  const id = (): ast.NodeId => ids.next();

  // ---- types ----
  const typeExpr = (n: CstNode): ast.TypeExpr => {
    const elements = nodes(n, 'elements');
    if (elements.length > 0) {
      if (elements.length === 1) return typeExpr(elements[0]!);
      return { kind: 'tupleType', id: id(), span: spanOf(n), elements: elements.map(typeExpr) };
    }
    const args = nodes(n, 'args');
    const nm = name(token(n, 'name'));
    if (args.length > 0) return { kind: 'genericType', id: id(), span: spanOf(n), name: nm, args: args.map(typeExpr) };
    return { kind: 'namedType', id: id(), span: spanOf(n), name: nm };
  };

  const param = (n: CstNode): ast.Param => ({
    kind: 'param', id: id(), span: spanOf(n), name: name(token(n, 'name')), type: typeExpr(node(n, 'type')),
  });
  const paramList = (n: CstNode | undefined): ast.Param[] => (n === undefined ? [] : nodes(n, 'param').map(param));
  const args = (n: CstNode | undefined): ast.Expr[] => (n === undefined ? [] : nodes(n, 'args').map(expr));

  // ---- expressions ----
  /** Binding strength of binary operators; higher binds tighter. */
  const precedence: Record<ast.BinaryOp, number> = {
    implies: 1, or: 2, and: 3,
    '=': 5, '!=': 5, '<': 5, '<=': 5, '>': 5, '>=': 5, in: 5, notIn: 5, subset: 5,
    range: 6,
    '+': 7, '-': 7, union: 7, minus: 7, concat: 7,
    '*': 8, '/': 8, '%': 8, intersect: 8,
  };
  /** `not` covers comparisons and tighter; unary minus covers only its operand. */
  const prefixPrecedence = { not: 5, neg: 9 } as const;

  const opOf = (op: CstNode): ast.BinaryOp => {
    const nested = maybeNode(op, 'arith');
    const tok = token(nested ?? op, 'op');
    if (tok.tokenType === t.DotDot) return 'range';
    const result = binaryOps.get(tok.tokenType.name);
    if (result === undefined) throw new Error(`internal: no operator for token ${tok.tokenType.name}`);
    return result;
  };

  type Item =
    | { readonly kind: 'prefix'; readonly op: 'not' | 'neg'; readonly start: number }
    | { readonly kind: 'atom'; readonly expr: ast.Expr }
    | { readonly kind: 'binary'; readonly op: ast.BinaryOp };

  /** Precedence climbing over a flat `operand (op operand)*` node (`expr` or `arith`). */
  function expr(n: CstNode): ast.Expr {
    const operands = nodes(n, 'operands');
    const ops = nodes(n, 'ops');
    if (ops.length === 0 && tokens(operands[0]!, 'prefix').length === 0) return postfixExpr(node(operands[0]!, 'postfix'));
    const items: Item[] = [];
    operands.forEach((operand, i) => {
      for (const p of tokens(operand, 'prefix')) items.push({ kind: 'prefix', op: p.tokenType === t.Not ? 'not' : 'neg', start: p.startOffset });
      items.push({ kind: 'atom', expr: postfixExpr(node(operand, 'postfix')) });
      if (i < ops.length) items.push({ kind: 'binary', op: opOf(ops[i]!) });
    });
    let pos = 0;
    const climb = (minPrecedence: number): ast.Expr => {
      let left = prefixed();
      while (pos < items.length) {
        const item = items[pos]!;
        if (item.kind !== 'binary') throw new Error('internal: operand where an operator belongs');
        const p = precedence[item.op];
        if (p < minPrecedence) break;
        pos++;
        left = binary(item.op, left, climb(item.op === 'implies' ? p : p + 1));
        // Comparisons and ranges do not chain: `a < b < c` means nothing in the papers either.
        const following = items[pos];
        if ((p === precedence['='] || p === precedence.range) && following?.kind === 'binary' && precedence[following.op] === p) {
          diagnostics.push(
            diagnostic('ChainedComparison', left.span, `'${following.op === 'range' ? '..' : following.op}' cannot follow another ${p === precedence.range ? "'..'" : 'comparison'} without parentheses`, {
              hint: p === precedence.range ? 'a range has one lower and one upper bound' : "write 'a < b and b < c'",
            }),
          );
        }
      }
      return left;
    };
    const prefixed = (): ast.Expr => {
      const item = items[pos++]!;
      if (item.kind === 'atom') return item.expr;
      if (item.kind === 'binary') throw new Error('internal: operator where an operand belongs');
      const operand = climb(prefixPrecedence[item.op]);
      return { kind: 'unary', id: id(), span: span(item.start, operand.span.end), op: item.op, operand };
    };
    return climb(0);
  }

  function binary(op: ast.BinaryOp, left: ast.Expr, right: ast.Expr): ast.Binary {
    return { kind: 'binary', id: id(), span: span(left.span.start, right.span.end), op, left, right };
  }


  /** A postfix chain that must be a plain expression. */
  function postfixExpr(n: CstNode): ast.Expr {
    const c = chain(n);
    if (c.kind === 'expr') return c.expr;
    diagnostics.push(
      diagnostic('InvalidEventForm', c.span, `'${c.instance.module.text}.${c.name.text}(...)' is a call on a sub-module, which is not a value`, {
        hint: `write 'trigger ${c.instance.module.text}.${c.name.text}(...)' to call it, or 'upon ${c.instance.module.text}.${c.name.text}(...)' to react to it`,
      }),
    );
    return { kind: 'bool', id: id(), span: c.span, value: false };
  }

  function chain(n: CstNode): Chain {
    let current: Chain = { kind: 'expr', expr: primary(node(n, 'primary')) };
    for (const s of nodes(n, 'suffixes')) {
      const sSpan = span(current.kind === 'expr' ? current.expr.span.start : current.span.start, endOf(s));
      if (current.kind === 'moduleCall') {
        diagnostics.push(diagnostic('InvalidEventForm', spanOf(s), 'nothing can follow a call on a sub-module'));
        return current;
      }
      const target: ast.Expr = current.expr;
      const field = maybeToken(s, 'field');
      if (field !== undefined) {
        const argList = maybeNode(s, 'argList');
        if (argList !== undefined) {
          const instance = moduleRef(target);
          if (instance === undefined) {
            diagnostics.push(
              diagnostic('InvalidTarget', target.span, `only a sub-module ('x' or 'x[key]') can be called with '.${field.image}(...)'`),
            );
            return current;
          }
          current = { kind: 'moduleCall', span: sSpan, instance, name: name(field), args: args(argList) };
          continue;
        }
        current = { kind: 'expr', expr: { kind: 'field', id: id(), span: sSpan, target, field: name(field) } };
        continue;
      }
      const index = maybeNode(s, 'index');
      const to = maybeNode(s, 'to');
      if (maybeToken(s, 'openFrom') !== undefined || maybeToken(s, 'slice') !== undefined) {
        current = {
          kind: 'expr',
          expr: {
            kind: 'slice', id: id(), span: sSpan, target,
            ...(index === undefined ? {} : { from: expr(index) }),
            ...(to === undefined ? {} : { to: expr(to) }),
          },
        };
        continue;
      }
      current = { kind: 'expr', expr: { kind: 'index', id: id(), span: sSpan, target, index: expr(index!) } };
    }
    return current;
  }

  function moduleRef(target: ast.Expr): ast.ModuleRef | undefined {
    if (target.kind === 'name') return { module: target.name, span: target.span };
    if (target.kind === 'index' && target.target.kind === 'name') {
      return { module: target.target.name, key: target.index, span: target.span };
    }
    return undefined;
  }

  function primary(n: CstNode): ast.Expr {
    const child = onlyChild(n);
    const s = spanOf(n);
    if (isToken(child)) {
      switch (child.tokenType) {
        case t.NumberLiteral: {
          const value = Number(child.image);
          if (!Number.isSafeInteger(value)) {
            diagnostics.push(diagnostic('NumberTooLarge', s, `the number ${child.image} is larger than ${Number.MAX_SAFE_INTEGER}`));
          }
          return { kind: 'number', id: id(), span: s, value: Number.isSafeInteger(value) ? value : 0 };
        }
        case t.StringLiteral:
          return { kind: 'string', id: id(), span: s, value: unquote(child.image) };
        case t.True:
          return { kind: 'bool', id: id(), span: s, value: true };
        case t.False:
          return { kind: 'bool', id: id(), span: s, value: false };
        case t.None:
          return { kind: 'none', id: id(), span: s };
        case t.EmptySet:
          return { kind: 'setLit', id: id(), span: s, elements: [] };
        default: {
          const argList = maybeNode(n, 'argList');
          if (argList !== undefined) return { kind: 'call', id: id(), span: s, callee: name(child), args: args(argList) };
          if (child.image === '_') return { kind: 'wildcard', id: id(), span: s };
          return { kind: 'name', id: id(), span: s, name: name(child) };
        }
      }
    }
    switch (child.name) {
      case 'quantifier': {
        const op = token(child, 'op');
        return {
          kind: 'quantifier', id: id(), span: s,
          quantifier: op.tokenType === t.Forall ? 'forall' : 'exists',
          variables: tokens(child, 'variables').map(name),
          source: quantifierSource(child),
          body: expr(node(child, 'body')),
        };
      }
      case 'extremum':
        return {
          kind: 'extremum', id: id(), span: s,
          op: token(child, 'op').tokenType === t.Max ? 'max' : 'min',
          variable: name(token(child, 'variable')),
          source: expr(node(child, 'source')),
          key: expr(node(child, 'key')),
        };
      case 'ifExpr':
        return {
          kind: 'ifExpr', id: id(), span: s,
          condition: expr(node(child, 'condition')),
          then: expr(node(child, 'then')),
          otherwise: expr(node(child, 'otherwise')),
        };
      case 'cardinality':
        return { kind: 'cardinality', id: id(), span: s, operand: expr(node(child, 'arith')) };
      case 'parenthesized': {
        const elements = nodes(child, 'elements').map(expr);
        if (elements.length === 1) return elements[0]!;
        return { kind: 'tupleLit', id: id(), span: s, elements };
      }
      case 'seqLiteral':
        return { kind: 'seqLit', id: id(), span: s, elements: nodes(child, 'elements').map(expr) };
      case 'braced':
        return braced(child, s);
      default:
        throw new Error(`internal: unexpected primary '${child.name}'`);
    }
  }

  function quantifierSource(n: CstNode): ast.Expr {
    const source = expr(node(n, 'source'));
    const end = maybeNode(n, 'sourceEnd');
    return end === undefined ? source : binary('range', source, expr(end));
  }

  function braced(n: CstNode, s: Span): ast.Expr {
    const firstNode = maybeNode(n, 'first');
    if (firstNode === undefined) return { kind: 'setLit', id: id(), span: s, elements: [] };
    const first = expr(firstNode);
    const firstValue = maybeNode(n, 'firstValue');
    if (firstValue !== undefined) {
      const keys = nodes(n, 'keys').map(expr);
      const values = nodes(n, 'values').map(expr);
      const entries = [{ key: first, value: expr(firstValue) }, ...keys.map((key, i) => ({ key, value: values[i]! }))];
      return { kind: 'mapLit', id: id(), span: s, entries };
    }
    const comprehensionNode = maybeNode(n, 'comprehension');
    if (comprehensionNode !== undefined) {
      const second = expr(comprehensionNode);
      if (first.kind === 'binary' && first.op === 'in' && first.left.kind === 'name') {
        return { kind: 'comprehension', id: id(), span: s, variable: first.left.name, source: first.right, filter: second };
      }
      const generator = asGenerator(second);
      if (generator !== undefined) {
        return {
          kind: 'comprehension', id: id(), span: s, variable: generator.variable, source: generator.source, element: first,
          ...(generator.filter === undefined ? {} : { filter: generator.filter }),
        };
      }
      diagnostics.push(
        diagnostic('InvalidComprehension', s, 'a set comprehension needs a generator \'x in S\' on one side of \'|\'', {
          hint: "write '{ x in S | condition }' to filter or '{ f(x) | x in S }' to map",
        }),
      );
      return { kind: 'setLit', id: id(), span: s, elements: [] };
    }
    return { kind: 'setLit', id: id(), span: s, elements: [first, ...nodes(n, 'rest').map(expr)] };
  }

  /** `x in S` or `x in S and p` on the right of `|` in a mapping comprehension. */
  function asGenerator(e: ast.Expr): { variable: ast.Name; source: ast.Expr; filter?: ast.Expr } | undefined {
    if (e.kind === 'binary' && e.op === 'in' && e.left.kind === 'name') return { variable: e.left.name, source: e.right };
    if (e.kind === 'binary' && e.op === 'and') {
      const inner = asGenerator(e.left);
      if (inner !== undefined) return { ...inner, filter: inner.filter === undefined ? e.right : binary('and', inner.filter, e.right) };
    }
    return undefined;
  }

  // ---- statements ----
  function stmtBlock(n: CstNode): ast.Stmt[] {
    return nodes(n, 'stmt').map(stmt);
  }

  function messageCall(n: CstNode, what: string): ast.Call {
    const e = postfixExpr(n);
    if (e.kind === 'call') return e;
    if (e.kind === 'name') return { kind: 'call', id: e.id, span: e.span, callee: e.name, args: [] };
    diagnostics.push(diagnostic('NotAMessage', e.span, `${what} needs a message such as 'ECHO(m)' here`));
    return { kind: 'call', id: id(), span: e.span, callee: { text: '?', span: e.span }, args: [] };
  }

  function stmt(n: CstNode): ast.Stmt {
    const child = onlyChild(n);
    if (isToken(child)) throw new Error('internal: statement is a token');
    const s = spanOf(child);
    switch (child.name) {
      case 'sendStmt':
        return { kind: 'send', id: id(), span: s, message: messageCall(node(child, 'message'), "'send'"), to: expr(node(child, 'to')) };
      case 'broadcastStmt': {
        const to = maybeNode(child, 'to');
        return {
          kind: 'broadcast', id: id(), span: s, message: messageCall(node(child, 'message'), "'broadcast'"),
          ...(to === undefined ? {} : { to: expr(to) }),
        };
      }
      case 'triggerStmt': {
        const c = chain(node(child, 'event'));
        if (c.kind === 'moduleCall') return { kind: 'trigger', id: id(), span: s, instance: c.instance, event: c.name, args: c.args };
        if (c.expr.kind === 'call') return { kind: 'trigger', id: id(), span: s, event: c.expr.callee, args: c.expr.args };
        if (c.expr.kind === 'name') return { kind: 'trigger', id: id(), span: s, event: c.expr.name, args: [] };
        diagnostics.push(
          diagnostic('InvalidTarget', c.expr.span, "'trigger' needs an indication such as 'deliver(m)' or a sub-module request such as 'rb.broadcast(m)'"),
        );
        return { kind: 'trigger', id: id(), span: s, event: { text: '?', span: c.expr.span }, args: [] };
      }
      case 'startTimerStmt':
        return {
          kind: 'startTimer', id: id(), span: s, timer: name(token(child, 'timer')),
          args: args(maybeNode(child, 'argList')), delay: expr(node(child, 'delay')),
        };
      case 'cancelTimerStmt':
        return { kind: 'cancelTimer', id: id(), span: s, timer: name(token(child, 'timer')), args: args(maybeNode(child, 'argList')) };
      case 'letStmt': {
        const ty = maybeNode(child, 'type');
        return {
          kind: 'let', id: id(), span: s, name: name(token(child, 'name')),
          ...(ty === undefined ? {} : { type: typeExpr(ty) }), value: expr(node(child, 'expr')),
        };
      }
      case 'ifStmt':
        return ifStmt(child);
      case 'forStmt':
        return {
          kind: 'for', id: id(), span: s, variable: name(token(child, 'variable')),
          source: expr(node(child, 'source')), body: stmtBlock(node(child, 'stmtBlock')),
        };
      case 'chooseStmt': {
        const filter = maybeNode(child, 'filter');
        return {
          kind: 'choose', id: id(), span: s, variable: name(token(child, 'variable')), source: expr(node(child, 'source')),
          ...(filter === undefined ? {} : { filter: expr(filter) }),
        };
      }
      case 'randomStmt':
        return { kind: 'random', id: id(), span: s, variable: name(token(child, 'variable')), source: expr(node(child, 'source')) };
      case 'assertStmt': {
        const message = maybeToken(child, 'message');
        return {
          kind: 'assert', id: id(), span: s, condition: expr(node(child, 'condition')),
          ...(message === undefined ? {} : { message: { kind: 'string', id: id(), span: spanOf(message), value: unquote(message.image) } }),
        };
      }
      case 'waitStmt':
        diagnostics.push(
          diagnostic('ReservedWord', spanOf(token(child, 'Wait')), "'wait' is reserved for phase code, which this version does not compile", {
            hint: 'write the code after the wait as a rule: \'upon receiving M(..) from <quorum> when <phase> = ...\' (see docs/language.md, "Phase code")',
          }),
        );
        return { kind: 'assert', id: id(), span: s, condition: { kind: 'bool', id: id(), span: s, value: true } };
      case 'assignStmt':
        return { kind: 'assign', id: id(), span: s, target: postfixExpr(node(child, 'target')), value: expr(node(child, 'value')) };
      default:
        throw new Error(`internal: unexpected statement '${child.name}'`);
    }
  }

  function ifStmt(n: CstNode): ast.IfStmt {
    const elseIf = maybeNode(n, 'elseIf');
    const otherwise = maybeNode(n, 'otherwise');
    const elseBody = elseIf !== undefined ? [ifStmt(elseIf)] : otherwise !== undefined ? stmtBlock(otherwise) : undefined;
    return {
      kind: 'if', id: id(), span: spanOf(n), condition: expr(node(n, 'condition')), then: stmtBlock(node(n, 'then')),
      ...(elseBody === undefined ? {} : { otherwise: elseBody }),
    };
  }

  // ---- rules ----
  function quorum(n: CstNode): ast.Quorum {
    const s = spanOf(n);
    const amongNode = maybeNode(n, 'among');
    const among = amongNode === undefined ? {} : { among: expr(node(amongNode, 'arith')) };
    if (maybeToken(n, 'Majority') !== undefined) return { kind: 'majority', span: s, ...among };
    if (maybeToken(n, 'Than') !== undefined) return { kind: 'count', span: s, count: expr(node(n, 'count')), moreThan: true, ...among };
    if (maybeToken(n, 'All') !== undefined) return { kind: 'all', span: s, ...among };
    if (maybeToken(n, 'Any') !== undefined) return { kind: 'any', span: s };
    const who = expr(node(n, 'who'));
    if (maybeToken(n, 'Processes') !== undefined) return { kind: 'count', span: s, count: who, moreThan: false, ...among };
    return { kind: 'process', span: s, process: who };
  }

  function ruleEvent(n: CstNode): ast.RuleEvent {
    const receive = maybeNode(n, 'receiveEvent');
    if (receive !== undefined) {
      const binding = maybeToken(receive, 'binding');
      return {
        kind: 'receive', span: spanOf(receive), message: name(token(receive, 'message')),
        params: args(maybeNode(receive, 'argList')), from: quorum(node(receive, 'quorum')),
        ...(binding === undefined ? {} : { binding: name(binding) }),
      };
    }
    const timeout = maybeNode(n, 'timeoutEvent');
    if (timeout !== undefined) {
      return { kind: 'timeout', span: spanOf(timeout), timer: name(token(timeout, 'timer')), params: args(maybeNode(timeout, 'argList')) };
    }
    const start = maybeToken(n, 'Start');
    if (start !== undefined) return { kind: 'start', span: spanOf(start) };
    const eventExpr = node(n, 'eventExpr');
    return classifyEvent(eventExpr);
  }

  /** An event written as an expression: a request call, a sub-module indication, or a condition. */
  function classifyEvent(n: CstNode): ast.RuleEvent {
    const postfix = singlePostfix(n);
    if (postfix !== undefined) {
      const c = chain(postfix);
      if (c.kind === 'moduleCall') return { kind: 'indication', span: c.span, instance: c.instance, name: c.name, params: c.args };
      if (c.expr.kind === 'call') return { kind: 'request', span: c.expr.span, name: c.expr.callee, params: c.expr.args };
    }
    const condition = expr(n);
    return { kind: 'condition', span: condition.span, condition };
  }

  /** The postfix node when an expression is nothing but one postfix chain. */
  function singlePostfix(n: CstNode): CstNode | undefined {
    const operands = nodes(n, 'operands');
    if (operands.length !== 1 || tokens(operands[0]!, 'prefix').length > 0) return undefined;
    return node(operands[0]!, 'postfix');
  }

  function rule(n: CstNode): ast.Rule {
    const label = maybeToken(n, 'label');
    const guard = maybeNode(n, 'guard');
    return {
      kind: 'rule', id: id(), span: spanOf(n),
      ...(label === undefined ? {} : { label: name(label) }),
      event: ruleEvent(n),
      ...(guard === undefined ? {} : { guard: expr(guard) }),
      body: stmtBlock(node(n, 'stmtBlock')),
    };
  }

  // ---- declarations ----
  function member(n: CstNode): ast.Member {
    const child = onlyChild(n);
    if (isToken(child)) throw new Error('internal: member is a token');
    const s = spanOf(child);
    switch (child.name) {
      case 'rule':
        return rule(child);
      case 'parametersDecl':
        return { kind: 'parameters', id: id(), span: s, params: nodes(child, 'param').map(param) };
      case 'assumeDecl':
        return { kind: 'assume', id: id(), span: s, condition: expr(node(child, 'expr')) };
      case 'faultsDecl':
        return {
          kind: 'faults', id: id(), span: s, model: token(child, 'model').tokenType === t.Crash ? 'crash' : 'byzantine',
          bound: expr(node(child, 'expr')),
        };
      case 'usesDecl': {
        const key = maybeNode(child, 'param');
        return {
          kind: 'uses', id: id(), span: s, protocol: name(token(child, 'protocol')), args: args(maybeNode(child, 'argList')),
          alias: name(token(child, 'alias')), ...(key === undefined ? {} : { key: param(key) }),
        };
      }
      case 'typeAliasDecl':
        return { kind: 'typeAlias', id: id(), span: s, name: name(token(child, 'name')), type: typeExpr(node(child, 'type')) };
      case 'enumDecl':
        return { kind: 'enum', id: id(), span: s, name: name(token(child, 'name')), members: tokens(child, 'members').map(name) };
      case 'recordDecl':
        return { kind: 'record', id: id(), span: s, name: name(token(child, 'name')), fields: paramList(node(child, 'paramList')) };
      case 'constDecl': {
        const ty = maybeNode(child, 'type');
        return {
          kind: 'const', id: id(), span: s, name: name(token(child, 'name')),
          ...(ty === undefined ? {} : { type: typeExpr(ty) }), value: expr(node(child, 'expr')),
        };
      }
      case 'defDecl':
        return {
          kind: 'def', id: id(), span: s, name: name(token(child, 'name')), params: paramList(node(child, 'paramList')),
          result: typeExpr(node(child, 'type')), body: expr(node(child, 'expr')),
        };
      case 'interfaceDecl':
        return {
          kind: 'interface', id: id(), span: s,
          events: nodes(child, 'interfaceEvent').map((e): ast.InterfaceEvent => {
            const at = maybeNode(e, 'arith');
            return {
              kind: 'interfaceEvent', id: id(), span: spanOf(e),
              direction: token(e, 'direction').tokenType === t.Request ? 'request' : 'indication',
              name: name(token(e, 'name')), params: paramList(maybeNode(e, 'paramList')),
              ...(at === undefined ? {} : { at: expr(at) }),
            };
          }),
        };
      case 'messagesDecl':
        return {
          kind: 'messages', id: id(), span: s,
          messages: nodes(child, 'messageDecl').map((m): ast.MessageDecl => {
            const valid = maybeNode(m, 'expr');
            return {
              kind: 'message', id: id(), span: spanOf(m), name: name(token(m, 'name')), fields: paramList(maybeNode(m, 'paramList')),
              ...(valid === undefined ? {} : { valid: expr(valid) }),
            };
          }),
        };
      case 'stateDecl':
        return {
          kind: 'state', id: id(), span: s,
          vars: nodes(child, 'stateVar').map((v): ast.StateVar => {
            const init = maybeNode(v, 'expr');
            return {
              kind: 'stateVar', id: id(), span: spanOf(v), name: name(token(v, 'name')), type: typeExpr(node(v, 'type')),
              ...(init === undefined ? {} : { init: expr(init) }), durable: maybeToken(v, 'Durable') !== undefined,
            };
          }),
        };
      case 'timersDecl':
        return {
          kind: 'timers', id: id(), span: s,
          timers: nodes(child, 'timerDecl').map((m): ast.TimerDecl => ({
            kind: 'timer', id: id(), span: spanOf(m), name: name(token(m, 'name')), params: paramList(maybeNode(m, 'paramList')),
          })),
        };
      case 'roleDecl':
        return {
          kind: 'role', id: id(), span: s, name: name(token(child, 'name')), count: expr(node(child, 'arith')),
          members: nodes(node(child, 'memberBlock'), 'member').map(member),
        };
      case 'propertyDecl': {
        const temporal = node(child, 'temporal');
        return {
          kind: 'property', id: id(), span: s, name: name(token(child, 'name')),
          temporal: token(temporal, 'op').tokenType === t.Always ? 'always' : 'eventually', body: expr(node(temporal, 'expr')),
        };
      }
      case 'scenarioDecl': {
        const names = tokens(child, 'bindingName');
        const values = nodes(child, 'bindingValue');
        return {
          kind: 'scenario', id: id(), span: s, name: name(token(child, 'name')),
          bindings: names.map((nm, i) => ({ name: name(nm), value: expr(values[i]!) })),
          steps: nodes(child, 'scenarioStep').map((step): ast.ScenarioStep => {
            const time = expr(node(step, 'time'));
            const process = expr(node(step, 'process'));
            const request = maybeToken(step, 'request');
            if (request === undefined) {
              return { kind: 'scenarioFault', span: spanOf(step), time, process, fault: token(step, 'fault').tokenType === t.Restarts ? 'restart' : 'crash' };
            }
            return { kind: 'scenarioRequest', span: spanOf(step), time, process, request: name(request), args: args(maybeNode(step, 'argList')) };
          }),
        };
      }
      default:
        throw new Error(`internal: unexpected member '${child.name}'`);
    }
  }

  const protocols = nodes(cst, 'protocol').map((p): ast.Protocol => ({
    kind: 'protocol', id: id(), span: spanOf(p), name: name(token(p, 'name')),
    members: nodes(node(p, 'memberBlock'), 'member').map(member),
  }));
  const spec: ast.Spec = { kind: 'spec', id: id(), span: span(0, Math.max(0, endOf(cst))), file, protocols };
  return { spec, diagnostics };
}

function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}
