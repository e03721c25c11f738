/**
 * The specs in specs/*.rio, checked together as one compilation (as `rio check specs/*.rio`
 * does): every file must be free of errors and warnings, and the typed result of each is
 * summarised in tests/golden/specs/<name>.summary.txt (protocol, parameters, roles,
 * messages, state, and one line per rule), so that a change in what the front end makes
 * of a spec shows up in review.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as ast from '../../compiler/ast/ast.js';
import { printExpr } from '../../compiler/ast/print.js';
import { LineMap, type SourceFile } from '../../compiler/ast/span.js';
import { renderDiagnostics } from '../../compiler/diagnostics/render.js';
import type { ProtocolSymbols } from '../../compiler/names/types.js';
import { checkFiles } from '../../compiler/pipeline.js';
import type { TypedSpec } from '../../compiler/types/stage-types.js';
import { showType } from '../../compiler/types/types.js';
import { expectGolden } from '../helpers/golden.js';

const repo = join(import.meta.dirname, '..', '..');
const goldenDir = join(import.meta.dirname, 'specs');
const names = readdirSync(join(repo, 'specs')).filter((f) => f.endsWith('.rio')).sort();
/** File ids are repository-relative paths, as a user would type them. */
const files: SourceFile[] = names.map((name) => ({ id: `specs/${name}`, text: readFileSync(join(repo, 'specs', name), 'utf8') }));
const byId = new Map(files.map((f) => [f.id, f]));
const result = checkFiles(files);
/**
 * The typed result for the summaries. A compilation with an error has none, so while some
 * spec is broken the others are summarised from a compilation without the broken files
 * (whose own test reports their diagnostics).
 */
const hasOwnErrors = (f: SourceFile) => result.diagnostics.some((d) => d.span.file === f.id && d.severity === 'error');
const typedForSummary = result.typed ?? checkFiles(files.filter((f) => !hasOwnErrors(f))).typed;

/** What the rule reacts to: its event kind and the name of the request, message, timer or indication. */
function eventOf(event: ast.RuleEvent): string {
  switch (event.kind) {
    case 'start':
      return 'start';
    case 'request':
      return `request ${event.name.text}`;
    case 'receive':
      return `receive ${event.message.text}`;
    case 'timeout':
      return `timeout ${event.timer.text}`;
    case 'indication':
      return `indication ${event.instance.module.text}.${event.name.text}`;
    case 'condition':
      return `condition ${printExpr(event.condition)}`;
  }
}

/** The quorum of a `receiving` rule: its kind, then the threshold or set where there is one. */
function quorumOf(event: ast.RuleEvent): string {
  if (event.kind !== 'receive') return '-';
  const q = event.from;
  const among = q.kind === 'count' || q.kind === 'majority' || q.kind === 'all' ? (q.among === undefined ? '' : ` of ${printExpr(q.among)}`) : '';
  switch (q.kind) {
    case 'any':
      return 'any';
    case 'process':
      return `process (${printExpr(q.process)})`;
    case 'count':
      return `count (${q.moreThan ? 'more than ' : ''}${printExpr(q.count)}${among})`;
    case 'majority':
      return `majority${among === '' ? '' : ` (${among.trim()})`}`;
    case 'all':
      return `all${among === '' ? '' : ` (${among.trim()})`}`;
  }
}

/** A readable summary of every protocol declared in `file`, from the typed result. */
export function summarize(typed: TypedSpec, file: SourceFile): string {
  const lines: string[] = [];
  const map = new LineMap(file.text);
  const where = (offset: number) => `${file.id}:${map.position(offset).line}`;
  const protocols = [...typed.resolved.protocols.values()].filter((p: ProtocolSymbols) => p.file === file.id);
  for (const p of protocols) {
    if (lines.length > 0) lines.push('');
    lines.push(`protocol ${p.decl.name.text}`);
    lines.push('parameters');
    for (const [name, { type }] of p.params) lines.push(`  ${name}: ${showType(type)}`);
    lines.push('roles');
    if (p.roles.size === 0) lines.push('  (none)');
    for (const [name, role] of p.roles) lines.push(`  ${name} played by ${printExpr(role.count)} processes`);
    lines.push('messages');
    for (const [name, m] of p.messages) {
      const fields = m.type.fields.map((f) => `${f.name}: ${showType(f.type)}`).join(', ');
      lines.push(`  ${name}${fields === '' ? '' : `(${fields})`}`);
    }
    lines.push('state');
    for (const scope of p.scopes) {
      const prefix = scope.role === undefined ? '' : `${scope.role.name.text}.`;
      for (const [name, { decl, type }] of scope.state) lines.push(`  ${decl.durable ? 'durable ' : ''}${prefix}${name}: ${showType(type)}`);
    }
    lines.push('rules');
    const rules = p.scopes.flatMap((scope) => scope.rules.map((rule) => ({ rule, role: scope.role?.name.text })));
    rules.sort((a, b) => a.rule.span.start - b.rule.span.start);
    for (const { rule, role } of rules) {
      const label = rule.label === undefined ? '' : `${rule.label.text}: `;
      const inRole = role === undefined ? '' : `[${role}] `;
      lines.push(`  ${inRole}${label}${eventOf(rule.event)} | quorum ${quorumOf(rule.event)} | ${where(rule.span.start)}`);
    }
  }
  return lines.join('\n') + '\n';
}

describe('specs/*.rio', () => {
  it('has specs', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const name = basename(file.id, '.rio');
    describe(file.id, () => {
      it('checks with no errors and no warnings', () => {
        const own = result.diagnostics.filter((d) => d.span.file === file.id);
        expect(own, `diagnostics for ${file.id}:\n${renderDiagnostics(own, byId)}`).toEqual([]);
      });

      it('has the expected summary', () => {
        const typed = hasOwnErrors(file) ? undefined : typedForSummary;
        if (typed === undefined) {
          throw new Error(`no typed result for ${file.id}: checking the specs gave errors:\n${renderDiagnostics(result.diagnostics, byId)}`);
        }
        expectGolden(join(goldenDir, `${name}.summary.txt`), summarize(typed, file));
      });
    });
  }
});
