/** The CLI's only window on the terminal; commands write through it, tests capture it. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal that shows colours. */
  readonly color: boolean;
}

/** Io bound to this process's stdout and stderr. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    color: process.stderr.isTTY === true && process.env['NO_COLOR'] === undefined,
  };
}
