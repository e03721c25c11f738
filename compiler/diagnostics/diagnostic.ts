import type { Span } from '../ast/span.js';
import { codes, type DiagnosticName } from './codes.js';

/** A related location that helps explain a diagnostic ("first declared here"). */
export interface DiagnosticNote {
  readonly message: string;
  readonly span?: Span;
}

/** A suggested edit, as data; editors may apply it. */
export interface DiagnosticFix {
  readonly message: string;
  readonly edits: readonly { readonly span: Span; readonly text: string }[];
}

/** A problem found in a spec. Diagnostics are data: they are rendered once, at the edge. */
export interface Diagnostic {
  readonly name: DiagnosticName;
  readonly code: string;
  readonly severity: 'error' | 'warning';
  /** One sentence, lower-case start, names in 'quotes'. */
  readonly message: string;
  readonly span: Span;
  readonly notes?: readonly DiagnosticNote[];
  /** A short hint on how to fix the problem. */
  readonly hint?: string;
  readonly fix?: DiagnosticFix;
}

/** Builds a diagnostic from its catalog entry; stages wrap this in named constructors. */
export function diagnostic(
  name: DiagnosticName,
  span: Span,
  message: string,
  extra: { notes?: readonly DiagnosticNote[]; hint?: string; fix?: DiagnosticFix } = {},
): Diagnostic {
  const entry = codes[name];
  return { name, code: entry.code, severity: entry.severity, message, span, ...extra };
}

/** True when any diagnostic is an error (warnings do not stop the pipeline). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, then code, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start - b.span.start ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** The output of every pipeline stage: a value plus what went wrong producing it. */
export interface StageResult<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}
