/**
 * Stage 1: lex, lay out and parse one `.rio` file.
 *
 * Input: a `SourceFile`. Output: its `ast.Spec`. Diagnostics: RIO1xxx. Every independent
 * syntax error in the file is reported (chevrotain re-synchronises after each); the AST is
 * built only from an error-free parse, so later stages never see a half-parsed spec.
 */
import { Lexer } from './chevrotain.js';
import type * as ast from '../ast/ast.js';
import type { SourceFile, Span } from '../ast/span.js';
import { diagnostic, type Diagnostic, type StageResult } from '../diagnostics/diagnostic.js';
import { layout } from './layout.js';
import { parseTokens } from './parser.js';
import { newIdGenerator, toAst, type IdGenerator } from './to-ast.js';
import * as t from './tokens.js';

export { newIdGenerator, type IdGenerator } from './to-ast.js';

const lexer = new Lexer(t.allTokens, { positionTracking: 'full', ensureOptimizations: false });

const exceptionCodes = {
  MismatchedTokenException: 'UnexpectedToken',
  NoViableAltException: 'NoViableAlternative',
  EarlyExitException: 'ExpectedAtLeastOne',
  NotAllInputParsedException: 'TrailingInput',
} as const;

/** Parses one file. `ids` must be shared by all files of one compilation. */
export function parse(file: SourceFile, ids: IdGenerator = newIdGenerator()): StageResult<ast.Spec> {
  const diagnostics: Diagnostic[] = [];
  const span = (start: number, end: number): Span => ({ file: file.id, start, end });
  const lexed = lexer.tokenize(file.text);
  for (const error of lexed.errors) {
    const ch = file.text.slice(error.offset, error.offset + error.length);
    diagnostics.push(
      diagnostic('UnexpectedCharacter', span(error.offset, error.offset + Math.max(1, error.length)), `unexpected character${error.length > 1 ? 's' : ''} '${ch}'`, {
        hint: "names use letters, digits and '_'; see docs/language.md for the operators",
      }),
    );
  }
  const significant = [];
  for (const token of lexed.tokens) {
    if (token.tokenType === t.UnterminatedString) {
      diagnostics.push(diagnostic('UnterminatedString', span(token.startOffset, token.endOffset! + 1), 'this string is not closed before the end of the line', { hint: "add the closing '\"'" }));
      continue;
    }
    if (token.tokenType === t.UnterminatedComment) {
      diagnostics.push(diagnostic('UnterminatedComment', span(token.startOffset, token.startOffset + 2), "this comment is never closed with '*/'", { hint: "add '*/' where the comment ends" }));
      continue;
    }
    significant.push(token);
  }
  const laidOut = layout(significant, file.text, file.id);
  diagnostics.push(...laidOut.diagnostics);
  const parsed = parseTokens(laidOut.tokens);
  let lastOffset = -1;
  for (const error of parsed.errors) {
    const token = error.token;
    const start = Number.isNaN(token.startOffset) ? file.text.length : token.startOffset;
    // One report per position: recovery can fail several times at the same token.
    if (start === lastOffset) continue;
    lastOffset = start;
    const end = token.image === '' ? start : token.endOffset! + 1;
    const name = exceptionCodes[error.name as keyof typeof exceptionCodes] ?? 'UnexpectedToken';
    diagnostics.push(diagnostic(name, span(start, Math.max(end, start)), error.message));
  }
  const empty: ast.Spec = { kind: 'spec', id: ids.next(), span: span(0, file.text.length), file: file.id, protocols: [] };
  if (diagnostics.length > 0) return { value: empty, diagnostics };
  const converted = toAst(parsed.cst, file.id, ids);
  if (converted.spec.protocols.length === 0 && converted.diagnostics.length === 0) {
    converted.diagnostics.push(diagnostic('NoProtocol', span(0, 0), 'this file declares no protocol', { hint: "start the file with 'protocol Name' followed by an indented body" }));
  }
  return { value: converted.spec, diagnostics: converted.diagnostics };
}
