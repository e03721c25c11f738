/** A source file known to the compiler. `id` is the path as the user gave it. */
export interface SourceFile {
  readonly id: string;
  readonly text: string;
}

/** A half-open range of character offsets [start, end) in one source file. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/** A 1-based line and column, computed only when a span is shown to a person. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** The smallest span that covers both `a` and `b` (which must be in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Maps offsets to line/column for one file; built once per file at render time. */
export class LineMap {
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** The 1-based line and column of `offset`. */
  position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  /** The offset where 1-based `line` starts. */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))]!;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}
