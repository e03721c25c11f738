/** Small typed accessors over chevrotain's CST, so `to-ast.ts` needs no casts. */
import type { CstElement, CstNode, IToken } from './chevrotain.js';

export function isToken(element: CstElement): element is IToken {
  return (element as IToken).image !== undefined;
}

const noNodes: CstNode[] = [];
const noTokens: IToken[] = [];

/** All child nodes under `key`, in source order. (A chevrotain label holds only nodes or only tokens.) */
export function nodes(node: CstNode, key: string): CstNode[] {
  const list = node.children[key];
  return list === undefined || list.length === 0 || isToken(list[0]!) ? noNodes : (list as CstNode[]);
}

/** All child tokens under `key`, in source order. */
export function tokens(node: CstNode, key: string): IToken[] {
  const list = node.children[key];
  return list === undefined || list.length === 0 || !isToken(list[0]!) ? noTokens : (list as IToken[]);
}

/** The single child node under `key`, or undefined. */
export function maybeNode(node: CstNode, key: string): CstNode | undefined {
  return nodes(node, key)[0];
}

/** The single child token under `key`, or undefined. */
export function maybeToken(node: CstNode, key: string): IToken | undefined {
  return tokens(node, key)[0];
}

/** The single child node under `key`; a missing one is a broken parser invariant. */
export function node(node: CstNode, key: string): CstNode {
  const found = maybeNode(node, key);
  if (found === undefined) throw new Error(`internal: CST node '${node.name}' has no '${key}'`);
  return found;
}

/** The single child token under `key`; a missing one is a broken parser invariant. */
export function token(node: CstNode, key: string): IToken {
  const found = maybeToken(node, key);
  if (found === undefined) throw new Error(`internal: CST node '${node.name}' has no token '${key}'`);
  return found;
}

/** The first child node of any key (for nodes that are a choice among sub-rules). */
export function onlyChild(node: CstNode): CstNode | IToken {
  let first: CstElement | undefined;
  let firstStart = Infinity;
  for (const key in node.children) {
    const list = node.children[key]!;
    for (let i = 0; i < list.length; i++) {
      const element = list[i]!;
      const start = startOf(element);
      if (start < firstStart) {
        first = element;
        firstStart = start;
      }
    }
  }
  if (first === undefined) throw new Error(`internal: CST node '${node.name}' is empty`);
  return first;
}

/** The start offset of a CST element. */
export function startOf(element: CstElement): number {
  if (isToken(element)) return element.startOffset;
  return element.location?.startOffset ?? firstOffset(element);
}

function firstOffset(node: CstNode): number {
  let min = Infinity;
  for (const list of Object.values(node.children)) for (const e of list) min = Math.min(min, startOf(e));
  return min;
}

/** The end offset (exclusive) of a CST element. */
export function endOf(element: CstElement): number {
  if (isToken(element)) return (element.endOffset ?? element.startOffset) + 1;
  if (element.location?.endOffset !== undefined && !Number.isNaN(element.location.endOffset)) return element.location.endOffset + 1;
  let max = -Infinity;
  for (const list of Object.values(element.children)) for (const e of list) max = Math.max(max, endOf(e));
  return max;
}
