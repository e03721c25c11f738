/**
 * The layout pass: turns the lexer's newlines into statement ends and INDENT/DEDENT
 * tokens, as Python does. Newlines inside brackets are ignored, and so is a newline when
 * the next, deeper-indented line continues the expression (the previous line ends with an
 * operator, `,` or `:`, or the next line starts with one). Blank and comment-only lines
 * never matter.
 */
import { createTokenInstance, type IToken, type TokenType } from './chevrotain.js';
import type { Span } from '../ast/span.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { closeBrackets, continuesAfter, continuesBefore, Dedent, Indent, Newline, openBrackets } from './tokens.js';

/** A zero-width layout token at `offset` (end offset one before start, as chevrotain expects). */
function synthetic(type: TokenType, offset: number): IToken {
  return createTokenInstance(type, '', offset, offset - 1, NaN, NaN, NaN, NaN);
}

/** The offset just after the last real (non-layout) token emitted so far. */
function lastEnd(out: readonly IToken[]): number {
  for (let k = out.length - 1; k >= 0; k--) {
    const token = out[k]!;
    if (token.image !== '') return (token.endOffset ?? token.startOffset) + 1;
  }
  return 0;
}

/** Applies layout to lexed tokens (comments and spaces already skipped). */
export function layout(tokens: readonly IToken[], text: string, file: string): { tokens: IToken[]; diagnostics: Diagnostic[] } {
  const out: IToken[] = [];
  const diagnostics: Diagnostic[] = [];
  const indents: number[] = [0];
  let depth = 0;
  let i = 0;
  const span = (start: number, end: number): Span => ({ file, start, end });

  const indentOf = (token: IToken): number => {
    let lineStart = token.startOffset;
    while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
    const prefix = text.slice(lineStart, token.startOffset);
    if (prefix.includes('\t')) {
      diagnostics.push(
        diagnostic('TabIndentation', span(lineStart, token.startOffset), 'indentation uses a tab character', {
          hint: 'indent with spaces only, so that every reader sees the same blocks',
        }),
      );
    }
    return prefix.length;
  };

  // A first line that is indented is just where the file's blocks start.
  const first = tokens.find((t) => t.tokenType !== Newline);
  if (first !== undefined) indents[0] = indentOf(first);

  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token.tokenType !== Newline) {
      if (openBrackets.has(token.tokenType)) depth++;
      else if (closeBrackets.has(token.tokenType) && depth > 0) depth--;
      out.push(token);
      i++;
      continue;
    }
    // Skip the run of newlines and look at the first token of the next line.
    while (i < tokens.length && tokens[i]!.tokenType === Newline) i++;
    const next = tokens[i];
    const previous = out[out.length - 1];
    if (next === undefined) break;
    if (depth > 0) continue;
    const column = indentOf(next);
    const top = indents[indents.length - 1]!;
    const continues =
      previous !== undefined &&
      column > top &&
      (continuesAfter.has(previous.tokenType) || continuesBefore.has(next.tokenType));
    if (continues) continue;
    if (previous !== undefined && previous.tokenType !== Newline) out.push(synthetic(Newline, lastEnd(out)));
    if (column > top) {
      indents.push(column);
      out.push(synthetic(Indent, next.startOffset));
    } else if (column < top) {
      while (indents.length > 1 && indents[indents.length - 1]! > column) {
        indents.pop();
        out.push(synthetic(Dedent, lastEnd(out)));
      }
      if (indents[indents.length - 1]! !== column) {
        diagnostics.push(
          diagnostic(
            'InconsistentDedent',
            span(next.startOffset - column, next.startOffset),
            `this line is indented by ${column} spaces, which matches no enclosing block`,
            { hint: `indent it by ${indents[indents.length - 1]} spaces to continue the enclosing block` },
          ),
        );
        // Recover by reading the line as part of the block just closed, re-levelled to
        // this column, so its neighbours at the same indentation raise no further errors.
        if (out[out.length - 1]?.tokenType === Dedent) {
          out.pop();
          indents.push(column);
        } else {
          indents[indents.length - 1] = column;
        }
      }
    }
  }
  const last = out[out.length - 1];
  if (last !== undefined && last.tokenType !== Newline) out.push(synthetic(Newline, lastEnd(out)));
  while (indents.length > 1) {
    indents.pop();
    out.push(synthetic(Dedent, lastEnd(out)));
  }
  return { tokens: out, diagnostics };
}
