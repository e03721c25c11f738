/** A one-line progress display on a terminal; silent when stderr is not a terminal. */
export interface Progress {
  update(text: string): void;
  done(): void;
}

/** Progress on stderr, redrawn at most ten times a second. */
export function terminalProgress(enabled: boolean): Progress {
  let last = 0;
  let shown = false;
  return {
    update(text) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (enabled && shown) process.stderr.write('\r\x1b[2K');
    },
  };
}
