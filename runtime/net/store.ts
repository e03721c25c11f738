/**
 * Durable state in SQLite (better-sqlite3): the variables a spec marks `durable`, one row
 * per variable holding its canonical JSON, plus a few facts about the process (whether its
 * `start` event has been handled, the protocol and its source hash, so a database is never
 * read by another protocol or another version of the spec). Writes of one replica step go
 * in one transaction with `synchronous = FULL`: when `save` returns, the state is on disk,
 * and only then may the step's messages and indications leave the process.
 */
import Database from 'better-sqlite3';
import type { Data } from '../replica/values.js';

export class StoreError extends Error {
  override readonly name = 'UsageError';
}

export class DurableStore {
  private readonly db: Database.Database;
  private readonly putVar: Database.Statement<[string, string]>;
  private readonly putMeta: Database.Statement<[string, string]>;
  private readonly writeStep: (vars: Readonly<Record<string, Data>>, meta: Readonly<Record<string, string>>) => void;
  /** Transactions committed (one per step that changed durable state). */
  commits = 0;

  constructor(path: string) {
    try {
      this.db = new Database(path);
    } catch (error) {
      throw new StoreError(`cannot open the state database '${path}': ${(error as Error).message}`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS durable (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.putVar = this.db.prepare('INSERT INTO durable (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
    this.putMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.writeStep = this.db.transaction((vars: Readonly<Record<string, Data>>, meta: Readonly<Record<string, string>>) => {
      for (const [name, value] of Object.entries(vars)) this.putVar.run(name, JSON.stringify(value));
      for (const [key, value] of Object.entries(meta)) this.putMeta.run(key, value);
    });
  }

  /** Writes the changed variables (and facts) of one step atomically and durably. */
  save(vars: Readonly<Record<string, Data>>, meta: Readonly<Record<string, string>> = {}): void {
    if (Object.keys(vars).length === 0 && Object.keys(meta).length === 0) return;
    this.writeStep(vars, meta);
    this.commits++;
  }

  /** Every durable variable stored so far. */
  load(): Record<string, Data> {
    const out: Record<string, Data> = {};
    for (const row of this.db.prepare('SELECT name, value FROM durable').all() as { name: string; value: string }[]) out[row.name] = JSON.parse(row.value) as Data;
    return out;
  }

  meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  close(): void {
    this.db.close();
  }
}

/** Reads a state database without a running process (for tools and tests). */
export function readDurable(path: string): { vars: Record<string, Data>; meta: Record<string, string> } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const vars: Record<string, Data> = {};
    for (const row of db.prepare('SELECT name, value FROM durable').all() as { name: string; value: string }[]) vars[row.name] = JSON.parse(row.value) as Data;
    const meta: Record<string, string> = {};
    for (const row of db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]) meta[row.key] = row.value;
    return { vars, meta };
  } finally {
    db.close();
  }
}
