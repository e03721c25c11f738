/**
 * The only formatter of diagnostics. Output looks like
 *
 *     specs/bad.rio:4:11: error RIO2001: unknown name 'sentEco'
 *       4 |     when not sentEco
 *         |              ^~~~~~~
 *       = hint: did you mean 'sentEcho'?
 *
 * Colours are used only when the caller says the output is a terminal.
 */
import { LineMap, type SourceFile, type Span } from '../ast/span.js';
import type { Diagnostic } from './diagnostic.js';

export interface RenderOptions {
  readonly color: boolean;
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

/** Renders `file:line:col` for a span. */
export function formatLocation(span: Span, files: ReadonlyMap<string, SourceFile>, maps = new Map<string, LineMap>()): string {
  const file = files.get(span.file);
  if (file === undefined) return span.file;
  const map = lineMapFor(file, maps);
  const { line, column } = map.position(span.start);
  return `${span.file}:${line}:${column}`;
}

function lineMapFor(file: SourceFile, maps: Map<string, LineMap>): LineMap {
  let map = maps.get(file.id);
  if (map === undefined) {
    map = new LineMap(file.text);
    maps.set(file.id, map);
  }
  return map;
}

function codeFrame(span: Span, file: SourceFile, map: LineMap, color: boolean): string[] {
  const { line, column } = map.position(span.start);
  const lineStart = map.lineStart(line);
  let lineEnd = file.text.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = file.text.length;
  const text = file.text.slice(lineStart, lineEnd).replace(/\r$/, '').replace(/\t/g, ' ');
  const width = Math.max(1, Math.min(span.end, lineEnd) - span.start);
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  const marker = '^' + '~'.repeat(Math.max(0, Math.min(width, text.length - column + 1) - 1));
  return [
    `  ${gutter} | ${text}`,
    `  ${pad} | ${' '.repeat(column - 1)}${paint(color, '1;31', marker)}`,
  ];
}

/** Renders one diagnostic with its code frame, notes and hint. */
export function renderDiagnostic(
  d: Diagnostic,
  files: ReadonlyMap<string, SourceFile>,
  options: RenderOptions = { color: false },
  maps = new Map<string, LineMap>(),
): string {
  const color = options.color;
  const severity = d.severity === 'error' ? paint(color, '1;31', 'error') : paint(color, '1;33', 'warning');
  const lines = [`${formatLocation(d.span, files, maps)}: ${severity} ${d.code}: ${paint(color, '1', d.message)}`];
  const file = files.get(d.span.file);
  if (file !== undefined) lines.push(...codeFrame(d.span, file, lineMapFor(file, maps), color));
  for (const note of d.notes ?? []) {
    const where = note.span === undefined ? '' : `${formatLocation(note.span, files, maps)}: `;
    lines.push(`  = note: ${where}${note.message}`);
  }
  if (d.hint !== undefined) lines.push(`  = hint: ${d.hint}`);
  return lines.join('\n');
}

/** Renders many diagnostics, separated by blank lines, and a closing count. */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  files: ReadonlyMap<string, SourceFile>,
  options: RenderOptions = { color: false },
): string {
  const maps = new Map<string, LineMap>();
  return diagnostics.map((d) => renderDiagnostic(d, files, options, maps)).join('\n\n');
}

/** The JSON form for editors and tools: line/column added, everything else as is. */
export function diagnosticsToJson(diagnostics: readonly Diagnostic[], files: ReadonlyMap<string, SourceFile>): unknown[] {
  const maps = new Map<string, LineMap>();
  const where = (span: Span) => {
    const file = files.get(span.file);
    if (file === undefined) return { file: span.file, start: span.start, end: span.end };
    const map = lineMapFor(file, maps);
    const s = map.position(span.start);
    const e = map.position(span.end);
    return { file: span.file, start: span.start, end: span.end, line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
  };
  return diagnostics.map((d) => ({
    code: d.code,
    name: d.name,
    severity: d.severity,
    message: d.message,
    span: where(d.span),
    ...(d.notes === undefined ? {} : { notes: d.notes.map((n) => ({ message: n.message, ...(n.span ? { span: where(n.span) } : {}) })) }),
    ...(d.hint === undefined ? {} : { hint: d.hint }),
    ...(d.fix === undefined ? {} : { fix: { message: d.fix.message, edits: d.fix.edits.map((e) => ({ span: where(e.span), text: e.text })) } }),
  }));
}
