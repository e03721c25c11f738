/**
 * Structured logs: one JSON object per line on stderr, `{"time", "level", "node", "event", ...}`,
 * so a cluster's logs can be merged, filtered and read by tools.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
}

const rank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing JSON lines through `write` (default: stderr), dropping levels below `min`. */
export function jsonLogger(node: number, min: Level = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return {
    log(level, event, fields = {}) {
      if (rank[level] < rank[min]) return;
      write(JSON.stringify({ time: new Date().toISOString(), level, node, event, ...fields }) + '\n');
    },
  };
}

/** A logger that keeps nothing (library use without logs). */
export const silentLogger: Logger = { log() {} };
