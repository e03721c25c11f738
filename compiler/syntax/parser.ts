/**
 * The `.rio` grammar as a chevrotain CST parser with error recovery. The parser instance is
 * this module's only state; it is never exported and is used synchronously by `parseTokens`.
 * Token streams come from the layout pass, so blocks are `Newline Indent ... Dedent`.
 */
import { CstParser, type CstNode, type IRecognitionException, type IToken } from './chevrotain.js';
import { errorMessages } from './messages.js';
import * as t from './tokens.js';

class RioParser extends CstParser {
  constructor() {
    super(t.allTokens, { recoveryEnabled: true, maxLookahead: 2, nodeLocationTracking: 'onlyOffset', errorMessageProvider: errorMessages });
    this.performSelfAnalysis();
    this.guardRepetitionRecovery();
  }

  /**
   * Chevrotain's in-repetition recovery re-enters a repetition when the next token could
   * start another iteration. When that iteration fails on the same token (a line such as
   * `foo bar` where a declaration is expected), it recurses without consuming anything
   * until the stack overflows. Allow one attempt per token; after that the error goes to
   * the rule-level re-synchronisation, which always makes progress.
   */
  private guardRepetitionRecovery(): void {
    const recoverable = this as unknown as { attemptInRepetitionRecovery: (...args: unknown[]) => void };
    const original = recoverable.attemptInRepetitionRecovery;
    let lastToken: IToken | undefined;
    recoverable.attemptInRepetitionRecovery = (...args: unknown[]): void => {
      const token = this.LA(1);
      if (token === lastToken) return;
      lastToken = token;
      original.apply(this, args);
    };
  }

  public spec = this.RULE('spec', () => {
    this.MANY(() => this.CONSUME(t.Newline));
    this.MANY2(() => this.SUBRULE(this.protocol));
  });

  private protocol = this.RULE('protocol', () => {
    this.CONSUME(t.Protocol);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.SUBRULE(this.memberBlock);
  });

  private memberBlock = this.RULE('memberBlock', () => {
    this.CONSUME(t.Newline);
    this.CONSUME(t.Indent);
    this.AT_LEAST_ONE(() => this.SUBRULE(this.member));
    this.CONSUME(t.Dedent);
  });

  private member = this.RULE('member', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.SUBRULE(this.rule) },
        { ALT: () => this.SUBRULE(this.parametersDecl) },
        { ALT: () => this.SUBRULE(this.assumeDecl) },
        { ALT: () => this.SUBRULE(this.faultsDecl) },
        { ALT: () => this.SUBRULE(this.usesDecl) },
        { ALT: () => this.SUBRULE(this.typeAliasDecl) },
        { ALT: () => this.SUBRULE(this.enumDecl) },
        { ALT: () => this.SUBRULE(this.recordDecl) },
        { ALT: () => this.SUBRULE(this.constDecl) },
        { ALT: () => this.SUBRULE(this.defDecl) },
        { ALT: () => this.SUBRULE(this.interfaceDecl) },
        { ALT: () => this.SUBRULE(this.messagesDecl) },
        { ALT: () => this.SUBRULE(this.stateDecl) },
        { ALT: () => this.SUBRULE(this.timersDecl) },
        { ALT: () => this.SUBRULE(this.roleDecl) },
        { ALT: () => this.SUBRULE(this.propertyDecl) },
        { ALT: () => this.SUBRULE(this.scenarioDecl) },
      ],
    });
  });

  // ---- declarations -------------------------------------------------------------------

  private param = this.RULE('param', () => {
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.Colon);
    this.SUBRULE(this.type);
  });

  private paramList = this.RULE('paramList', () => {
    this.CONSUME(t.LParen);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(t.RParen);
  });

  private parametersDecl = this.RULE('parametersDecl', () => {
    this.CONSUME(t.Parameters);
    this.OR([
      {
        ALT: () => {
          this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.param) });
          this.CONSUME(t.Newline);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(t.Newline);
          this.CONSUME(t.Indent);
          this.AT_LEAST_ONE(() => {
            this.AT_LEAST_ONE_SEP2({ SEP: t.Comma, DEF: () => this.SUBRULE2(this.param) });
            this.CONSUME3(t.Newline);
          });
          this.CONSUME(t.Dedent);
        },
      },
    ]);
  });

  private assumeDecl = this.RULE('assumeDecl', () => {
    this.CONSUME(t.Assume);
    this.SUBRULE(this.expr);
    this.CONSUME(t.Newline);
  });

  private faultsDecl = this.RULE('faultsDecl', () => {
    this.CONSUME(t.Faults);
    this.OR([{ ALT: () => this.CONSUME(t.Crash, { LABEL: 'model' }) }, { ALT: () => this.CONSUME(t.Byzantine, { LABEL: 'model' }) }]);
    this.SUBRULE(this.expr);
    this.CONSUME(t.Newline);
  });

  private usesDecl = this.RULE('usesDecl', () => {
    this.CONSUME(t.Uses);
    this.CONSUME(t.Identifier, { LABEL: 'protocol' });
    this.OPTION(() => this.SUBRULE(this.argList));
    this.CONSUME(t.As);
    this.CONSUME2(t.Identifier, { LABEL: 'alias' });
    this.OPTION2(() => {
      this.CONSUME(t.LBracket);
      this.SUBRULE(this.param);
      this.CONSUME(t.RBracket);
    });
    this.CONSUME(t.Newline);
  });

  private typeAliasDecl = this.RULE('typeAliasDecl', () => {
    this.CONSUME(t.Type);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.type);
    this.CONSUME(t.Newline);
  });

  private enumDecl = this.RULE('enumDecl', () => {
    this.CONSUME(t.Enum);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.Equals);
    this.AT_LEAST_ONE_SEP({ SEP: t.Bar, DEF: () => this.CONSUME2(t.Identifier, { LABEL: 'members' }) });
    this.CONSUME(t.Newline);
  });

  private recordDecl = this.RULE('recordDecl', () => {
    this.CONSUME(t.Record);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.SUBRULE(this.paramList);
    this.CONSUME(t.Newline);
  });

  private constDecl = this.RULE('constDecl', () => {
    this.CONSUME(t.Const);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(t.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expr);
    this.CONSUME(t.Newline);
  });

  private defDecl = this.RULE('defDecl', () => {
    this.CONSUME(t.Def);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.SUBRULE(this.paramList);
    this.CONSUME(t.Colon);
    this.SUBRULE(this.type);
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expr);
    this.CONSUME(t.Newline);
  });

  /** Either `keyword item, item` on one line or one item per line in an indented block. */
  private itemBlock(item: () => void, item2: () => void): void {
    this.OR([
      {
        ALT: () => {
          this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: item });
          this.CONSUME(t.Newline);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(t.Newline);
          this.CONSUME(t.Indent);
          this.AT_LEAST_ONE(() => {
            item2();
            this.CONSUME3(t.Newline);
          });
          this.CONSUME(t.Dedent);
        },
      },
    ]);
  }

  private interfaceDecl = this.RULE('interfaceDecl', () => {
    this.CONSUME(t.Interface);
    this.itemBlock(
      () => this.SUBRULE(this.interfaceEvent),
      () => this.SUBRULE2(this.interfaceEvent),
    );
  });

  private interfaceEvent = this.RULE('interfaceEvent', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Request, { LABEL: 'direction' }) }, { ALT: () => this.CONSUME(t.Indication, { LABEL: 'direction' }) }]);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.OPTION2(() => {
      this.CONSUME(t.At);
      this.SUBRULE(this.arith);
    });
  });

  private messagesDecl = this.RULE('messagesDecl', () => {
    this.CONSUME(t.Messages);
    this.itemBlock(
      () => this.SUBRULE(this.messageDecl),
      () => this.SUBRULE2(this.messageDecl),
    );
  });

  private messageDecl = this.RULE('messageDecl', () => {
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => this.SUBRULE(this.paramList));
    // The validity predicate: `VOTE(node: Digest, sig: Signature) when verify(sig, sender, node)`.
    this.OPTION2(() => {
      this.CONSUME(t.When);
      this.SUBRULE(this.expr);
    });
  });

  private stateDecl = this.RULE('stateDecl', () => {
    this.CONSUME(t.State);
    this.itemBlock(
      () => this.SUBRULE(this.stateVar),
      () => this.SUBRULE2(this.stateVar),
    );
  });

  private stateVar = this.RULE('stateVar', () => {
    this.OPTION(() => this.CONSUME(t.Durable));
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.Colon);
    this.SUBRULE(this.type);
    this.OPTION2(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.expr);
    });
  });

  private timersDecl = this.RULE('timersDecl', () => {
    this.CONSUME(t.Timers);
    this.itemBlock(
      () => this.SUBRULE(this.timerDecl),
      () => this.SUBRULE2(this.timerDecl),
    );
  });

  private timerDecl = this.RULE('timerDecl', () => {
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => this.SUBRULE(this.paramList));
  });

  private roleDecl = this.RULE('roleDecl', () => {
    this.CONSUME(t.Role);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.Played);
    this.CONSUME(t.By);
    this.SUBRULE(this.arith);
    this.CONSUME(t.Processes);
    this.SUBRULE(this.memberBlock);
  });

  private propertyDecl = this.RULE('propertyDecl', () => {
    this.CONSUME(t.Property);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(t.Colon));
          this.SUBRULE(this.temporal);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Newline);
          this.CONSUME(t.Indent);
          this.SUBRULE2(this.temporal);
          this.CONSUME(t.Dedent);
        },
      },
    ]);
  });

  private temporal = this.RULE('temporal', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Always, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(t.Eventually, { LABEL: 'op' }) }]);
    this.SUBRULE(this.expr);
    this.CONSUME(t.Newline);
  });

  private scenarioDecl = this.RULE('scenarioDecl', () => {
    this.CONSUME(t.Scenario);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(t.With);
      this.AT_LEAST_ONE_SEP({
        SEP: t.Comma,
        DEF: () => {
          this.CONSUME2(t.Identifier, { LABEL: 'bindingName' });
          this.CONSUME(t.Equals);
          this.SUBRULE(this.arith, { LABEL: 'bindingValue' });
        },
      });
    });
    this.CONSUME(t.Newline);
    this.CONSUME(t.Indent);
    this.AT_LEAST_ONE(() => this.SUBRULE(this.scenarioStep));
    this.CONSUME(t.Dedent);
  });

  private scenarioStep = this.RULE('scenarioStep', () => {
    this.CONSUME(t.At);
    this.SUBRULE(this.arith, { LABEL: 'time' });
    this.SUBRULE2(this.arith, { LABEL: 'process' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Requests);
          this.CONSUME(t.Identifier, { LABEL: 'request' });
          this.OPTION(() => this.SUBRULE(this.argList));
        },
      },
      { ALT: () => this.CONSUME(t.Crashes, { LABEL: 'fault' }) },
      { ALT: () => this.CONSUME(t.Restarts, { LABEL: 'fault' }) },
    ]);
    this.CONSUME(t.Newline);
  });

  // ---- rules --------------------------------------------------------------------------

  private rule = this.RULE('rule', () => {
    this.OPTION(() => {
      this.CONSUME(t.Identifier, { LABEL: 'label' });
      this.CONSUME(t.Colon);
    });
    this.CONSUME(t.Upon);
    this.OR([
      { ALT: () => this.SUBRULE(this.receiveEvent) },
      { ALT: () => this.SUBRULE(this.timeoutEvent) },
      {
        GATE: () => this.LA(1).tokenType === t.Start && (this.LA(2).tokenType === t.Newline || this.LA(2).tokenType === t.When),
        ALT: () => this.CONSUME(t.Start),
      },
      { ALT: () => this.SUBRULE(this.expr, { LABEL: 'eventExpr' }) },
    ]);
    this.OPTION2(() => {
      this.CONSUME(t.When);
      this.SUBRULE2(this.expr, { LABEL: 'guard' });
    });
    this.SUBRULE(this.stmtBlock);
  });

  private receiveEvent = this.RULE('receiveEvent', () => {
    this.CONSUME(t.Receiving);
    this.CONSUME(t.Identifier, { LABEL: 'message' });
    this.OPTION(() => this.SUBRULE(this.argList));
    this.CONSUME(t.From);
    this.SUBRULE(this.quorum);
    this.OPTION2(() => {
      this.CONSUME(t.As);
      this.CONSUME2(t.Identifier, { LABEL: 'binding' });
    });
  });

  private quorum = this.RULE('quorum', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          ALT: () => {
            this.CONSUME(t.A);
            this.CONSUME(t.Majority);
            this.OPTION(() => this.SUBRULE(this.among));
          },
        },
        {
          ALT: () => {
            this.CONSUME(t.More);
            this.CONSUME(t.Than);
            this.SUBRULE(this.arith, { LABEL: 'count' });
            this.CONSUME(t.Processes);
            this.OPTION2(() => this.SUBRULE2(this.among));
          },
        },
        {
          GATE: () => this.LA(2).tokenType !== t.LParen && this.LA(2).tokenType !== t.Dot && this.LA(2).tokenType !== t.LBracket,
          ALT: () => {
            this.CONSUME(t.All);
            this.OPTION3(() => this.SUBRULE3(this.among));
          },
        },
        {
          GATE: () => this.LA(2).tokenType !== t.LParen && this.LA(2).tokenType !== t.Dot && this.LA(2).tokenType !== t.LBracket,
          ALT: () => this.CONSUME(t.Any),
        },
        {
          ALT: () => {
            this.SUBRULE2(this.arith, { LABEL: 'who' });
            this.OPTION4(() => {
              this.CONSUME2(t.Processes);
              this.OPTION5(() => this.SUBRULE4(this.among));
            });
          },
        },
      ],
    });
  });

  private among = this.RULE('among', () => {
    this.CONSUME(t.Of);
    this.SUBRULE(this.arith);
  });

  private timeoutEvent = this.RULE('timeoutEvent', () => {
    this.CONSUME(t.Timeout);
    this.CONSUME(t.Identifier, { LABEL: 'timer' });
    this.OPTION(() => this.SUBRULE(this.argList));
  });

  private stmtBlock = this.RULE('stmtBlock', () => {
    this.CONSUME(t.Newline);
    this.CONSUME(t.Indent);
    this.AT_LEAST_ONE(() => this.SUBRULE(this.stmt));
    this.CONSUME(t.Dedent);
  });

  // ---- statements ---------------------------------------------------------------------

  private stmt = this.RULE('stmt', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => this.LA(2).tokenType !== t.Assign, ALT: () => this.SUBRULE(this.sendStmt) },
        { GATE: () => this.LA(2).tokenType !== t.Assign, ALT: () => this.SUBRULE(this.broadcastStmt) },
        { GATE: () => this.LA(2).tokenType !== t.Assign, ALT: () => this.SUBRULE(this.triggerStmt) },
        { GATE: () => this.LA(2).tokenType === t.Timer, ALT: () => this.SUBRULE(this.startTimerStmt) },
        { GATE: () => this.LA(2).tokenType === t.Timer, ALT: () => this.SUBRULE(this.cancelTimerStmt) },
        { ALT: () => this.SUBRULE(this.letStmt) },
        { ALT: () => this.SUBRULE(this.ifStmt) },
        { ALT: () => this.SUBRULE(this.forStmt) },
        { GATE: () => this.LA(3).tokenType === t.In, ALT: () => this.SUBRULE(this.chooseStmt) },
        { GATE: () => this.LA(3).tokenType === t.In, ALT: () => this.SUBRULE(this.randomStmt) },
        { GATE: () => this.LA(2).tokenType !== t.Assign, ALT: () => this.SUBRULE(this.assertStmt) },
        { ALT: () => this.SUBRULE(this.waitStmt) },
        { ALT: () => this.SUBRULE(this.assignStmt) },
      ],
    });
  });

  private sendStmt = this.RULE('sendStmt', () => {
    this.CONSUME(t.Send);
    this.SUBRULE(this.postfix, { LABEL: 'message' });
    this.CONSUME(t.To);
    this.SUBRULE(this.expr, { LABEL: 'to' });
    this.CONSUME(t.Newline);
  });

  private broadcastStmt = this.RULE('broadcastStmt', () => {
    this.CONSUME(t.Broadcast);
    this.SUBRULE(this.postfix, { LABEL: 'message' });
    this.OPTION(() => {
      this.CONSUME(t.To);
      this.SUBRULE(this.expr, { LABEL: 'to' });
    });
    this.CONSUME(t.Newline);
  });

  private triggerStmt = this.RULE('triggerStmt', () => {
    this.CONSUME(t.Trigger);
    this.SUBRULE(this.postfix, { LABEL: 'event' });
    this.CONSUME(t.Newline);
  });

  private startTimerStmt = this.RULE('startTimerStmt', () => {
    this.CONSUME(t.Start);
    this.CONSUME(t.Timer);
    this.CONSUME(t.Identifier, { LABEL: 'timer' });
    this.OPTION(() => this.SUBRULE(this.argList));
    this.CONSUME(t.After);
    this.SUBRULE(this.expr, { LABEL: 'delay' });
    this.CONSUME(t.Newline);
  });

  private cancelTimerStmt = this.RULE('cancelTimerStmt', () => {
    this.CONSUME(t.Cancel);
    this.CONSUME(t.Timer);
    this.CONSUME(t.Identifier, { LABEL: 'timer' });
    this.OPTION(() => this.SUBRULE(this.argList));
    this.CONSUME(t.Newline);
  });

  private letStmt = this.RULE('letStmt', () => {
    this.CONSUME(t.Let);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(t.Colon);
      this.SUBRULE(this.type);
    });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.expr);
    this.CONSUME(t.Newline);
  });

  private ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(t.If);
    this.SUBRULE(this.expr, { LABEL: 'condition' });
    this.SUBRULE(this.stmtBlock, { LABEL: 'then' });
    this.OPTION(() => {
      this.CONSUME(t.Else);
      this.OR([
        { ALT: () => this.SUBRULE(this.ifStmt, { LABEL: 'elseIf' }) },
        { ALT: () => this.SUBRULE2(this.stmtBlock, { LABEL: 'otherwise' }) },
      ]);
    });
  });

  private forStmt = this.RULE('forStmt', () => {
    this.CONSUME(t.For);
    this.CONSUME(t.Identifier, { LABEL: 'variable' });
    this.CONSUME(t.In);
    this.SUBRULE(this.expr, { LABEL: 'source' });
    this.SUBRULE(this.stmtBlock);
  });

  private chooseStmt = this.RULE('chooseStmt', () => {
    this.CONSUME(t.Choose);
    this.CONSUME(t.Identifier, { LABEL: 'variable' });
    this.CONSUME(t.In);
    this.SUBRULE(this.arith, { LABEL: 'source' });
    this.OPTION(() => {
      this.CONSUME(t.Where);
      this.SUBRULE(this.expr, { LABEL: 'filter' });
    });
    this.CONSUME(t.Newline);
  });

  private randomStmt = this.RULE('randomStmt', () => {
    this.CONSUME(t.Random);
    this.CONSUME(t.Identifier, { LABEL: 'variable' });
    this.CONSUME(t.In);
    this.SUBRULE(this.expr, { LABEL: 'source' });
    this.CONSUME(t.Newline);
  });

  private assertStmt = this.RULE('assertStmt', () => {
    this.CONSUME(t.Assert);
    this.SUBRULE(this.expr, { LABEL: 'condition' });
    this.OPTION(() => {
      this.CONSUME(t.Comma);
      this.CONSUME(t.StringLiteral, { LABEL: 'message' });
    });
    this.CONSUME(t.Newline);
  });

  private waitStmt = this.RULE('waitStmt', () => {
    this.CONSUME(t.Wait);
    this.SUBRULE(this.expr);
    this.CONSUME(t.Newline);
  });

  private assignStmt = this.RULE('assignStmt', () => {
    this.SUBRULE(this.postfix, { LABEL: 'target' });
    this.CONSUME(t.Assign);
    this.SUBRULE(this.expr, { LABEL: 'value' });
    this.CONSUME(t.Newline);
  });

  // ---- types --------------------------------------------------------------------------

  private type = this.RULE('type', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.type, { LABEL: 'elements' }) });
          this.CONSUME(t.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.Identifier, { LABEL: 'name' });
          this.OPTION(() => {
            this.CONSUME(t.LBracket);
            this.AT_LEAST_ONE_SEP2({ SEP: t.Comma, DEF: () => this.SUBRULE2(this.type, { LABEL: 'args' }) });
            this.CONSUME(t.RBracket);
          });
        },
      },
    ]);
  });

  // ---- expressions -------------------------------------------------------------------
  // Binary expressions are parsed flat (operand op operand op ...) and given their
  // precedence in to-ast.ts: a rule per precedence level would make every primary pass
  // through ten nested rules, which made parsing several times slower.

  public expr = this.RULE('expr', () => {
    this.SUBRULE(this.operand, { LABEL: 'operands' });
    this.MANY(() => {
      this.SUBRULE(this.binaryOp, { LABEL: 'ops' });
      this.SUBRULE2(this.operand, { LABEL: 'operands' });
    });
  });

  /** Arithmetic and set operators only: for places followed by words such as `processes`. */
  private arith = this.RULE('arith', () => {
    this.SUBRULE(this.operand, { LABEL: 'operands' });
    this.MANY(() => {
      this.SUBRULE(this.arithOp, { LABEL: 'ops' });
      this.SUBRULE2(this.operand, { LABEL: 'operands' });
    });
  });

  private operand = this.RULE('operand', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(t.Not, { LABEL: 'prefix' }) }, { ALT: () => this.CONSUME(t.Minus, { LABEL: 'prefix' }) }]);
    });
    this.SUBRULE(this.postfix);
  });

  private binaryOp = this.RULE('binaryOp', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Implies, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Or, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.And, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Equals, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.NotEquals, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.LessEquals, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.GreaterEquals, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Less, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Greater, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.In, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.NotIn, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Subset, { LABEL: 'op' }) },
      {
        ALT: () => {
          this.CONSUME(t.Not, { LABEL: 'op' });
          this.CONSUME2(t.In);
        },
      },
      { ALT: () => this.CONSUME(t.DotDot, { LABEL: 'op' }) },
      { ALT: () => this.SUBRULE(this.arithOp, { LABEL: 'arith' }) },
    ]);
  });

  private arithOp = this.RULE('arithOp', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Plus, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Minus, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Union, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Backslash, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Concat, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Star, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Slash, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Percent, { LABEL: 'op' }) },
      { ALT: () => this.CONSUME(t.Intersect, { LABEL: 'op' }) },
    ]);
  });

  /** A primary followed by `.field`, `.1`, `.request(args)`, `[index]` or `[i..j]`. */
  private postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.suffix, { LABEL: 'suffixes' }));
  });

  private suffix = this.RULE('suffix', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Dot);
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(t.Identifier, { LABEL: 'field' });
                this.OPTION(() => this.SUBRULE(this.argList));
              },
            },
            { ALT: () => this.CONSUME(t.NumberLiteral, { LABEL: 'field' }) },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(t.LBracket);
          this.OR3([
            {
              ALT: () => {
                this.CONSUME(t.DotDot, { LABEL: 'openFrom' });
                this.SUBRULE(this.arith, { LABEL: 'to' });
              },
            },
            {
              ALT: () => {
                this.SUBRULE2(this.arith, { LABEL: 'index' });
                this.OPTION2(() => {
                  this.CONSUME2(t.DotDot, { LABEL: 'slice' });
                  this.OPTION3(() => this.SUBRULE3(this.arith, { LABEL: 'to' }));
                });
              },
            },
          ]);
          this.CONSUME(t.RBracket);
        },
      },
    ]);
  });

  private argList = this.RULE('argList', () => {
    this.CONSUME(t.LParen);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expr, { LABEL: 'args' }) });
    this.CONSUME(t.RParen);
  });

  private primary = this.RULE('primary', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { ALT: () => this.CONSUME(t.NumberLiteral) },
        { ALT: () => this.CONSUME(t.StringLiteral) },
        { ALT: () => this.CONSUME(t.True) },
        { ALT: () => this.CONSUME(t.False) },
        { ALT: () => this.CONSUME(t.None) },
        { ALT: () => this.CONSUME(t.EmptySet) },
        { ALT: () => this.SUBRULE(this.quantifier) },
        {
          GATE: () => this.LA(2).tokenType !== t.LParen && this.LA(3).tokenType === t.In,
          ALT: () => this.SUBRULE(this.extremum),
        },
        { ALT: () => this.SUBRULE(this.ifExpr) },
        { ALT: () => this.SUBRULE(this.cardinality) },
        {
          ALT: () => {
            this.CONSUME(t.Identifier);
            this.OPTION(() => this.SUBRULE(this.argList));
          },
        },
        { ALT: () => this.SUBRULE(this.parenthesized) },
        { ALT: () => this.SUBRULE(this.seqLiteral) },
        { ALT: () => this.SUBRULE(this.braced) },
      ],
    });
  });

  private quantifier = this.RULE('quantifier', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Forall, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(t.Exists, { LABEL: 'op' }) }]);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.Identifier, { LABEL: 'variables' }) });
    this.CONSUME(t.In);
    this.SUBRULE(this.arith, { LABEL: 'source' });
    this.OPTION(() => {
      this.CONSUME(t.DotDot);
      this.SUBRULE2(this.arith, { LABEL: 'sourceEnd' });
    });
    this.CONSUME(t.Colon);
    this.SUBRULE(this.expr, { LABEL: 'body' });
  });

  private extremum = this.RULE('extremum', () => {
    this.OR([{ ALT: () => this.CONSUME(t.Max, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(t.Min, { LABEL: 'op' }) }]);
    this.CONSUME(t.Identifier, { LABEL: 'variable' });
    this.CONSUME(t.In);
    this.SUBRULE(this.arith, { LABEL: 'source' });
    this.CONSUME(t.By);
    this.SUBRULE2(this.arith, { LABEL: 'key' });
  });

  private ifExpr = this.RULE('ifExpr', () => {
    this.CONSUME(t.If);
    this.SUBRULE(this.expr, { LABEL: 'condition' });
    this.CONSUME(t.Then);
    this.SUBRULE2(this.expr, { LABEL: 'then' });
    this.CONSUME(t.Else);
    this.SUBRULE3(this.expr, { LABEL: 'otherwise' });
  });

  private cardinality = this.RULE('cardinality', () => {
    this.CONSUME(t.Bar);
    this.SUBRULE(this.arith);
    this.CONSUME2(t.Bar);
  });

  private parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(t.LParen);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expr, { LABEL: 'elements' }) });
    this.CONSUME(t.RParen);
  });

  private seqLiteral = this.RULE('seqLiteral', () => {
    this.CONSUME(t.LBracket);
    this.MANY_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.expr, { LABEL: 'elements' }) });
    this.CONSUME(t.RBracket);
  });

  /** `{}`, `{a, b}`, `{k -> v}`, `{x in S | p}`, `{e | x in S}`. */
  private braced = this.RULE('braced', () => {
    this.CONSUME(t.LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.expr, { LABEL: 'first' });
      this.OR([
        {
          ALT: () => {
            this.CONSUME(t.MapsTo);
            this.SUBRULE2(this.expr, { LABEL: 'firstValue' });
            this.MANY(() => {
              this.CONSUME(t.Comma);
              this.SUBRULE3(this.expr, { LABEL: 'keys' });
              this.CONSUME2(t.MapsTo);
              this.SUBRULE4(this.expr, { LABEL: 'values' });
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(t.Bar);
            this.SUBRULE5(this.expr, { LABEL: 'comprehension' });
          },
        },
        {
          ALT: () => {
            this.MANY2(() => {
              this.CONSUME2(t.Comma);
              this.SUBRULE6(this.expr, { LABEL: 'rest' });
            });
          },
        },
      ]);
    });
    this.CONSUME(t.RBrace);
  });
}

const parser = new RioParser();

/** The raw outcome of parsing one token stream. */
export interface ParseOutput {
  readonly cst: CstNode;
  readonly errors: readonly IRecognitionException[];
}

/** Parses a laid-out token stream into a concrete syntax tree. */
export function parseTokens(tokens: IToken[]): ParseOutput {
  parser.input = tokens;
  const cst = parser.spec();
  return { cst, errors: [...parser.errors] };
}
