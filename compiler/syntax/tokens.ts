/**
 * Tokens of the `.rio` language.
 *
 * Keywords come in two kinds. Hard keywords (`upon`, `if`, `forall`, ...) can never be
 * names. Soft keywords (`a`, `all`, `majority`, `broadcast`, `state`, ...) are words that
 * read naturally as names too (an acceptor `a`, a request `broadcast`), so they belong to
 * the `Identifier` category and the parser accepts them wherever a name is expected.
 * Paper symbols (`←`, `≠`, `∀`, `∈`, ...) are alternative spellings of the same tokens.
 */
import { createToken, Lexer, type TokenType } from './chevrotain.js';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

const hard = (name: string, word: string, alt?: string): TokenType =>
  createToken({
    name,
    pattern: alt === undefined ? new RegExp(`${word}\\b`) : new RegExp(`(?:${word}\\b|${alt})`),
    longer_alt: Identifier,
  });

const soft = (name: string, word: string): TokenType =>
  createToken({ name, pattern: new RegExp(`${word}\\b`), longer_alt: Identifier, categories: [Identifier] });

// Hard keywords: structure and expression words.
export const Protocol = hard('Protocol', 'protocol');
export const Upon = hard('Upon', 'upon');
export const Receiving = hard('Receiving', 'receiving');
export const Timeout = hard('Timeout', 'timeout');
export const From = hard('From', 'from');
export const When = hard('When', 'when');
export const As = hard('As', 'as');
export const Let = hard('Let', 'let');
export const If = hard('If', 'if');
export const Then = hard('Then', 'then');
export const Else = hard('Else', 'else');
export const For = hard('For', 'for');
export const In = hard('In', 'in', '∈');
export const NotIn = createToken({ name: 'NotIn', pattern: /∉/ });
export const Forall = hard('Forall', 'forall', '∀');
export const Exists = hard('Exists', 'exists', '∃');
export const True = hard('True', 'true');
export const False = hard('False', 'false');
export const And = hard('And', 'and', '∧');
export const Or = hard('Or', 'or', '∨');
export const Not = hard('Not', 'not', '¬');
export const Implies = hard('Implies', 'implies', '⇒');
export const None = hard('None', 'none');
export const Wait = hard('Wait', 'wait');

// Soft keywords: declaration and clause words that also work as names.
export const Parameters = soft('Parameters', 'parameters');
export const Assume = soft('Assume', 'assume');
export const Faults = soft('Faults', 'faults');
export const Crash = soft('Crash', 'crash');
export const Byzantine = soft('Byzantine', 'byzantine');
export const Uses = soft('Uses', 'uses');
export const Interface = soft('Interface', 'interface');
export const Request = soft('Request', 'request');
export const Indication = soft('Indication', 'indication');
export const Messages = soft('Messages', 'messages');
export const State = soft('State', 'state');
export const Durable = soft('Durable', 'durable');
export const Timers = soft('Timers', 'timers');
export const Timer = soft('Timer', 'timer');
export const Role = soft('Role', 'role');
export const Played = soft('Played', 'played');
export const By = soft('By', 'by');
export const Processes = soft('Processes', 'processes?');
export const Any = soft('Any', 'any');
export const More = soft('More', 'more');
export const Than = soft('Than', 'than');
export const A = soft('A', 'a');
export const Majority = soft('Majority', 'majority');
export const All = soft('All', 'all');
export const Of = soft('Of', 'of');
export const Start = soft('Start', 'start');
export const Cancel = soft('Cancel', 'cancel');
export const After = soft('After', 'after');
export const Send = soft('Send', 'send');
export const To = soft('To', 'to');
export const Broadcast = soft('Broadcast', 'broadcast');
export const Trigger = soft('Trigger', 'trigger');
export const Choose = soft('Choose', 'choose');
export const Random = soft('Random', 'random');
export const Where = soft('Where', 'where');
export const Assert = soft('Assert', 'assert');
export const Property = soft('Property', 'property');
export const Always = soft('Always', 'always');
export const Eventually = soft('Eventually', 'eventually');
export const Scenario = soft('Scenario', 'scenario');
export const With = soft('With', 'with');
export const At = soft('At', 'at');
export const Requests = soft('Requests', 'requests');
export const Crashes = soft('Crashes', 'crashes');
export const Restarts = soft('Restarts', 'restarts');
export const Def = soft('Def', 'def');
export const Const = soft('Const', 'const');
export const Type = soft('Type', 'type');
export const Enum = soft('Enum', 'enum');
export const Record = soft('Record', 'record');
export const Max = soft('Max', 'max');
export const Min = soft('Min', 'min');

// Literals.
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /[0-9]+/ });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\.)*"/ });
/** A string that runs to the end of the line: reported as its own error, not as stray characters. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\r\n]|\\.)*/ });

// Punctuation and operators (longest first where prefixes overlap).
export const Assign = createToken({ name: 'Assign', pattern: /:=|←/ });
export const MapsTo = createToken({ name: 'MapsTo', pattern: /->|↦|→/ });
export const NotEquals = createToken({ name: 'NotEquals', pattern: /!=|≠/ });
export const LessEquals = createToken({ name: 'LessEquals', pattern: /<=|≤/ });
export const GreaterEquals = createToken({ name: 'GreaterEquals', pattern: />=|≥/ });
export const Subset = createToken({ name: 'Subset', pattern: /⊆/ });
export const Union = createToken({ name: 'Union', pattern: /∪/ });
export const Intersect = createToken({ name: 'Intersect', pattern: /∩/ });
export const Concat = createToken({ name: 'Concat', pattern: /\+\+/ });
export const Less = createToken({ name: 'Less', pattern: /</ });
export const Greater = createToken({ name: 'Greater', pattern: />/ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Star = createToken({ name: 'Star', pattern: /\*|×/ });
export const Slash = createToken({ name: 'Slash', pattern: /\// });
export const Percent = createToken({ name: 'Percent', pattern: /%/ });
export const Backslash = createToken({ name: 'Backslash', pattern: /\\/ });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Bar = createToken({ name: 'Bar', pattern: /\|/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /}/ });
export const EmptySet = createToken({ name: 'EmptySet', pattern: /∅/ });

// Layout. Newlines are kept; the layout pass (layout.ts) turns them into statement ends
// and INDENT/DEDENT tokens, which the lexer itself never produces.
export const Newline = createToken({ name: 'Newline', pattern: /\r?\n/, line_breaks: true });
export const Indent = createToken({ name: 'Indent', pattern: Lexer.NA });
export const Dedent = createToken({ name: 'Dedent', pattern: Lexer.NA });
export const Whitespace = createToken({ name: 'Whitespace', pattern: /[ \t]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\r\n]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

/** An unterminated block comment swallows the rest of the file; it gets its own error. */
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
});

const hardKeywords = [
  Protocol, Upon, Receiving, Timeout, From, When, As, Let, If, Then, Else, For, In, Forall, Exists,
  True, False, And, Or, Not, Implies, None, Wait,
];
const softKeywords = [
  Parameters, Assume, Faults, Crash, Byzantine, Uses, Interface, Request, Indication, Messages, State,
  Durable, Timers, Timer, Role, Played, By, Processes, Any, More, Than, A, Majority, All, Of, Start,
  Cancel, After, Send, To, Broadcast, Trigger, Choose, Random, Where, Assert, Property, Always,
  Eventually, Scenario, With, At, Requests, Crashes, Restarts, Def, Const, Type, Enum, Record, Max, Min,
];

/** Every token type, in the order the lexer tries them. */
export const allTokens: TokenType[] = [
  Whitespace, LineComment, BlockComment, UnterminatedComment, Newline,
  ...hardKeywords, ...softKeywords,
  Identifier, NumberLiteral, StringLiteral, UnterminatedString,
  Assign, MapsTo, NotEquals, LessEquals, GreaterEquals, Subset, Union, Intersect, NotIn, Concat,
  Less, Greater, Equals, Plus, Minus, Star, Slash, Percent, Backslash, DotDot, Dot,
  Comma, Colon, Bar, LParen, RParen, LBracket, RBracket, LBrace, RBrace, EmptySet,
  Indent, Dedent,
];


/** Words that end a line and promise that the expression goes on in the next one. */
export const continuesAfter = new Set<TokenType>([
  And, Or, Implies, Assign, Equals, NotEquals, Less, LessEquals, Greater, GreaterEquals, Plus, Minus,
  Star, Slash, Percent, Backslash, Concat, Union, Intersect, Subset, In, NotIn, Comma, Colon,
  MapsTo, DotDot, Then,
]);

/** Words that begin a line that continues the previous one (when indented deeper). */
export const continuesBefore = new Set<TokenType>([
  And, Or, Implies, Equals, NotEquals, Less, LessEquals, Greater, GreaterEquals, Plus, Star, Slash,
  Percent, Backslash, Concat, Union, Intersect, Subset, NotIn, Bar, DotDot, Then, Else, RParen,
  RBracket, RBrace, MapsTo, When,
]);

export const openBrackets = new Set<TokenType>([LParen, LBracket, LBrace]);
export const closeBrackets = new Set<TokenType>([RParen, RBracket, RBrace]);
