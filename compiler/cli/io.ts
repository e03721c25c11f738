/** The CLI's only window on the terminal; commands write through it, tests capture it. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal that shows colours. */
  readonly color: boolean;
}

/** Io bound to this process's stdout and stderr. */
export function processIo(): Io {
  // A reader that stops early (`rio replay t | head`) closes the pipe: that ends the output,
  // it is not an error of rio's (Node would throw EPIPE with a stack trace).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    color: process.stderr.isTTY === true && process.env['NO_COLOR'] === undefined,
  };
}
