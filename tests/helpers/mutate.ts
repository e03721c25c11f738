/**
 * Random mutations of `.rio` sources, for fuzzing the front end: every stage must survive
 * any text (report diagnostics, never throw or hang). `mutatedSpec` is the fast-check
 * arbitrary; the mutations themselves are plain data, so a failing case can be replayed
 * with `applyMutation`.
 *
 * Positions are drawn as unbounded naturals and reduced modulo the length of the text at
 * the moment the mutation is applied, so a chain of mutations always stays in range and
 * shrinks towards the start of the file.
 */
import fc from 'fast-check';

/** One edit of a source text. */
export type Mutation =
  /** Deletes `length` characters starting at `at`. */
  | { readonly kind: 'deleteRange'; readonly at: number; readonly length: number }
  /** Inserts a copy of line `line` just below it. */
  | { readonly kind: 'duplicateLine'; readonly line: number }
  /** Exchanges lines `a` and `b`. */
  | { readonly kind: 'swapLines'; readonly a: number; readonly b: number }
  /** Inserts language tokens (keywords, operators, names) separated by `separator` at `at`. */
  | { readonly kind: 'insertTokens'; readonly at: number; readonly tokens: readonly string[]; readonly separator: string }
  /** Inserts arbitrary characters at `at`. */
  | { readonly kind: 'insertText'; readonly at: number; readonly text: string }
  /** Cuts the text at `at`. */
  | { readonly kind: 'truncate'; readonly at: number };

/** Words and symbols of the language, for `insertTokens`. */
export const rioVocabulary: readonly string[] = [
  // hard keywords
  'protocol', 'upon', 'receiving', 'timeout', 'from', 'when', 'as', 'let', 'if', 'then', 'else', 'for', 'in',
  'forall', 'exists', 'true', 'false', 'and', 'or', 'not', 'implies', 'none', 'wait',
  // soft keywords
  'parameters', 'assume', 'faults', 'crash', 'byzantine', 'uses', 'interface', 'request', 'indication',
  'messages', 'state', 'durable', 'timers', 'timer', 'role', 'played', 'by', 'processes', 'any', 'more',
  'than', 'a', 'majority', 'all', 'of', 'start', 'cancel', 'after', 'send', 'to', 'broadcast', 'trigger',
  'choose', 'random', 'where', 'assert', 'property', 'always', 'eventually', 'scenario', 'with', 'at',
  'requests', 'crashes', 'def', 'const', 'type', 'enum', 'record', 'max', 'min',
  // operators and punctuation, ASCII and paper spellings
  ':=', '←', '->', '↦', '→', '!=', '≠', '<=', '≤', '>=', '≥', '⊆', '∪', '∩', '∉', '∈', '∀', '∃', '∧', '∨',
  '¬', '⇒', '×', '∅', '++', '<', '>', '=', '+', '-', '*', '/', '%', '\\', '..', '.', ',', ':', '|', '(', ')',
  '[', ']', '{', '}', '//', '/*', '*/', '"',
  // names and literals
  'x', 'p', 'm', 'msgs', 'n', 'f', 'Nat', 'Set[Nat]', 'ECHO(m)', '_', '0', '1', '42', '99999999999999999999',
  '"text"', '"',
];

/** Characters that stress the lexer and layout pass: whitespace, quotes, symbols, odd code points. */
const oddCharacters = [
  '\n', '\n\n', '\r\n', '\r', '\t', ' ', '    ', '"', '\\', '/', '*', '$', '#', '@', '`', '~', '^', '&', '?', '!',
  '\u00a0', '\u200b', '\ufeff', '\u2028', 'é', '→', '∀', '😀', '\ud800', '\u0000',
];

const position = fc.nat();

/** An arbitrary mutation; positions are resolved against the text it is applied to. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('deleteRange' as const), at: position, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), line: position }),
  fc.record({ kind: fc.constant('swapLines' as const), a: position, b: position }),
  fc.record({
    kind: fc.constant('insertTokens' as const),
    at: position,
    tokens: fc.array(fc.constantFrom(...rioVocabulary), { minLength: 1, maxLength: 6 }),
    separator: fc.constantFrom(' ', '', '\n', '\n  ', '\n    '),
  }),
  fc.record({
    kind: fc.constant('insertText' as const),
    at: position,
    text: fc.oneof(
      fc.string({ unit: fc.constantFrom(...oddCharacters), minLength: 1, maxLength: 4 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

/** Applies one mutation to `text`. */
export function applyMutation(text: string, m: Mutation): string {
  const at = (n: number): number => n % (text.length + 1);
  switch (m.kind) {
    case 'deleteRange': {
      const start = at(m.at);
      return text.slice(0, start) + text.slice(start + m.length);
    }
    case 'duplicateLine': {
      const lines = text.split('\n');
      const i = m.line % lines.length;
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
    case 'swapLines': {
      const lines = text.split('\n');
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\n');
    }
    case 'insertTokens': {
      const start = at(m.at);
      return `${text.slice(0, start)}${m.tokens.join(m.separator)}${text.slice(start)}`;
    }
    case 'insertText': {
      const start = at(m.at);
      return `${text.slice(0, start)}${m.text}${text.slice(start)}`;
    }
    case 'truncate':
      return text.slice(0, at(m.at));
  }
}

/** Applies mutations in order. */
export function applyMutations(text: string, ms: readonly Mutation[]): string {
  return ms.reduce(applyMutation, text);
}

/**
 * Mutated versions of the given sources: one source, picked at random, with one to four
 * random mutations applied in turn.
 */
export function mutatedSpec(sources: string[]): fc.Arbitrary<string> {
  if (sources.length === 0) throw new Error('mutatedSpec needs at least one source');
  return fc
    .tuple(fc.nat({ max: sources.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([i, ms]) => applyMutations(sources[i]!, ms));
}
