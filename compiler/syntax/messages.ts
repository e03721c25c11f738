/** Plain-words syntax error messages, in place of chevrotain's defaults. */
import type { IParserErrorMessageProvider, IToken, TokenType } from './chevrotain.js';

const tokenWords: Record<string, string> = {
  Newline: 'the end of the line',
  Indent: 'an indented block',
  Dedent: 'the end of the block',
  Identifier: 'a name',
  NumberLiteral: 'a number',
  StringLiteral: 'a string',
  EOF: 'the end of the file',
  Assign: "':='",
  MapsTo: "'->'",
  NotEquals: "'!='",
  LessEquals: "'<='",
  GreaterEquals: "'>='",
};

const ruleWords: Record<string, string> = {
  spec: 'the file',
  protocol: 'a protocol',
  memberBlock: 'a protocol body',
  member: 'a declaration',
  param: 'a parameter',
  paramList: 'a parameter list',
  parametersDecl: "'parameters'",
  assumeDecl: "'assume'",
  faultsDecl: "'faults'",
  usesDecl: "'uses'",
  typeAliasDecl: 'a type alias',
  enumDecl: 'an enum',
  recordDecl: 'a record',
  constDecl: "'const'",
  defDecl: "'def'",
  interfaceDecl: "'interface'",
  interfaceEvent: 'an interface event',
  messagesDecl: "'messages'",
  messageDecl: 'a message declaration',
  stateDecl: "'state'",
  stateVar: 'a state variable',
  timersDecl: "'timers'",
  timerDecl: 'a timer declaration',
  roleDecl: "'role'",
  propertyDecl: "'property'",
  temporal: 'a property',
  scenarioDecl: "'scenario'",
  scenarioStep: 'a scenario step',
  rule: "an 'upon' rule",
  receiveEvent: "a 'receiving' event",
  quorum: "a 'from' clause",
  among: "'of'",
  timeoutEvent: "a 'timeout' event",
  stmtBlock: 'a block of statements',
  stmt: 'a statement',
  type: 'a type',
};

/** Describes an expected token type in words a spec writer knows. */
export function describeTokenType(type: TokenType): string {
  const word = tokenWords[type.name];
  if (word !== undefined) return word;
  const pattern = type.PATTERN;
  if (pattern instanceof RegExp) {
    const source = pattern.source.replace(/^\(\?:/, '').replace(/\|.*$/, '').replace(/\\b/g, '').replace(/\\(.)/g, '$1');
    return `'${source}'`;
  }
  return type.name;
}

/** Describes the token the parser found. */
export function describeToken(token: IToken): string {
  if (token.tokenType.name === 'EOF') return 'the end of the file';
  if (token.image === '') return describeTokenType(token.tokenType).replace(/^the /, '');
  return `'${token.image}'`;
}

function where(ruleName: string): string {
  const word = ruleWords[ruleName];
  return word === undefined ? 'an expression' : word;
}

function oneOf(types: TokenType[]): string {
  // Soft keywords are names too: when a name fits, listing them is noise.
  const nameFits = types.some((t) => t.name === 'Identifier');
  const kept = nameFits ? types.filter((t) => t.name === 'Identifier' || !(t.CATEGORIES ?? []).some((c) => c.name === 'Identifier')) : types;
  const words = [...new Set(kept.map(describeTokenType))].sort((a, b) => (a === 'a name' ? -1 : b === 'a name' ? 1 : 0));
  if (words.length <= 1) return words[0] ?? 'something else';
  if (words.length > 6) return `${words.slice(0, 6).join(', ')} or another token`;
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    return `expected ${describeTokenType(expected)} in ${where(ruleName)}, but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)} after the protocol: a file holds only 'protocol' declarations`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    if (ruleName === 'member') {
      return `unexpected ${describeToken(actual[0]!)}: expected a declaration such as 'parameters', 'state', 'messages', 'interface', 'upon', 'property' or 'role'`;
    }
    const firsts = expectedPathsPerAlt.flatMap((paths) => paths.map((p) => p[0])).filter((x): x is TokenType => x !== undefined);
    return `unexpected ${describeToken(actual[0]!)} in ${where(ruleName)}; expected ${oneOf(firsts)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = expectedIterationPaths.map((p) => p[0]).filter((x): x is TokenType => x !== undefined);
    return `${where(ruleName)} needs at least one item, but found ${describeToken(actual[0]!)}; expected ${oneOf(firsts)}`;
  },
};
