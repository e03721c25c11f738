/**
 * Durable state in SQLite (better-sqlite3): the variables a spec marks `durable`, plus a few
 * facts about the process (whether its `start` event has been handled, the protocol and its
 * source hash, so a database is never read by another protocol or another version of the
 * spec). The writes of a step (or of a group of steps, see host.ts) go in one transaction
 * with `synchronous = FULL`: when `save` returns, the state is on disk, and only then may the
 * steps' messages and indications leave the process.
 *
 * A variable is a row holding its canonical JSON (its base). A variable that grows, a log,
 * a set or a map (all arrays at run time, see runtime/replica/values.ts), is not written
 * again whole at every step: values are immutable, so the elements a step kept are the same
 * objects, and the difference to the value last saved is one splice (start, count removed,
 * items inserted) found from the common prefix and suffix by identity. Splices go to a
 * journal replayed over the base when the state is read back; once a variable's journal
 * holds more bytes than its base (or MAX_SPLICES rows), the base is written again and its
 * journal emptied, so what a step writes is proportional to what it changed, amortised.
 *
 * Durability: SQLite runs in WAL mode with synchronous = NORMAL (a commit appends its pages
 * to the WAL without waiting for the disk) and the store itself syncs (fdatasync) the WAL file after
 * the commit: `save` at once, or `write` now and `sync` later without blocking the event
 * loop, so that a process keeps handling input while the disk works (host.ts releases a
 * group's effects only when its `sync` has finished). SQLite syncs the WAL again before
 * every checkpoint and the database file after it, so a commit whose WAL pages were fsynced
 * survives a crash or power loss.
 */
import Database from 'better-sqlite3';
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Data } from '../replica/values.js';

export class StoreError extends Error {
  override readonly name = 'UsageError';
}

/** Journal rows of one variable after which its base is written again. */
const MAX_SPLICES = 4096;

interface Splice {
  readonly start: number;
  readonly remove: number;
  readonly items: readonly Data[];
}

/** The splice that turns `before` into `after`, or null when they hold the same elements. */
function spliceBetween(before: readonly Data[], after: readonly Data[]): Splice | null {
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before[prefix] === after[prefix]) prefix++;
  if (prefix === before.length && prefix === after.length) return null;
  let suffix = 0;
  while (suffix < shorter - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  return { start: prefix, remove: before.length - prefix - suffix, items: after.slice(prefix, after.length - suffix) };
}

/** Replays journal rows (in order) over a base value. */
function replay(base: Data, splices: readonly Splice[]): Data {
  const out = [...(base as readonly Data[])];
  for (const { start, remove, items } of splices) {
    if (items.length < 10_000) out.splice(start, remove, ...items);
    else {
      out.splice(start, remove);
      insertMany(out, start, items);
    }
  }
  return out;
}

/** Inserts many items at `start` without spreading them as call arguments (the stack has a limit). */
function insertMany(out: Data[], start: number, items: readonly Data[]): void {
  const rest = out.splice(start);
  for (const item of items) out.push(item);
  for (const item of rest) out.push(item);
}

/** Every variable: bases with their journals replayed. */
function readVars(db: Database.Database): Record<string, Data> {
  const out: Record<string, Data> = {};
  for (const row of db.prepare('SELECT name, value FROM durable').all() as { name: string; value: string }[]) out[row.name] = JSON.parse(row.value) as Data;
  const journal = new Map<string, Splice[]>();
  // A database written before the journal existed has no splices table.
  if (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'splices'").get() === undefined) return out;
  for (const row of db.prepare('SELECT name, start, remove, items FROM splices ORDER BY seq').all() as { name: string; start: number; remove: number; items: string }[]) {
    const list = journal.get(row.name) ?? [];
    list.push({ start: row.start, remove: row.remove, items: JSON.parse(row.items) as Data[] });
    journal.set(row.name, list);
  }
  for (const [name, splices] of journal) out[name] = replay(out[name]!, splices);
  return out;
}

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS durable (name TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS splices (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, start INTEGER NOT NULL, remove INTEGER NOT NULL, items TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
];

export class DurableStore {
  private readonly db: Database.Database;
  private readonly putVar: Database.Statement<[string, string]>;
  private readonly putSplice: Database.Statement<[string, number, number, string]>;
  private readonly clearSplices: Database.Statement<[string]>;
  private readonly putMeta: Database.Statement<[string, string]>;
  private readonly writeStep: (vars: Readonly<Record<string, Data>>, meta: Readonly<Record<string, string>>) => boolean;
  /** The value last written of each variable, and the bytes of its base and journal. */
  private readonly saved = new Map<string, { value: Data; baseBytes: number; journalBytes: number; splices: number }>();
  /** The WAL file, fsynced by the store (undefined without WAL: SQLite syncs each commit). */
  private readonly walPath: string | undefined;
  private walFd: number | undefined;
  /** Transactions committed (one per step, or group of steps, that changed durable state). */
  commits = 0;
  /** Bytes of JSON written for variables (bases and splices). */
  bytesWritten = 0;

  constructor(path: string) {
    try {
      this.db = new Database(path);
    } catch (error) {
      throw new StoreError(`cannot open the state database '${path}': ${(error as Error).message}`);
    }
    // Without WAL (a file system without shared memory, say) SQLite fsyncs each commit itself.
    const wal = this.db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
    this.db.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
    for (const statement of SCHEMA) this.db.exec(statement);
    this.walPath = wal ? `${path}-wal` : undefined;
    this.putVar = this.db.prepare('INSERT INTO durable (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value');
    this.putSplice = this.db.prepare('INSERT INTO splices (name, start, remove, items) VALUES (?, ?, ?, ?)');
    this.clearSplices = this.db.prepare('DELETE FROM splices WHERE name = ?');
    this.putMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.writeStep = this.db.transaction((vars: Readonly<Record<string, Data>>, meta: Readonly<Record<string, string>>) => {
      let wrote = false;
      for (const [name, value] of Object.entries(vars)) wrote = this.writeVar(name, value) || wrote;
      for (const [key, value] of Object.entries(meta)) this.putMeta.run(key, value);
      return wrote || Object.keys(meta).length > 0;
    });
    const current = readVars(this.db);
    const journal = new Map((this.db.prepare('SELECT name, COUNT(*) AS n, SUM(LENGTH(items)) AS bytes FROM splices GROUP BY name').all() as { name: string; n: number; bytes: number }[]).map((r) => [r.name, r]));
    for (const row of this.db.prepare('SELECT name, LENGTH(value) AS bytes FROM durable').all() as { name: string; bytes: number }[]) {
      this.saved.set(row.name, { value: current[row.name]!, baseBytes: row.bytes, journalBytes: journal.get(row.name)?.bytes ?? 0, splices: journal.get(row.name)?.n ?? 0 });
    }
  }

  /** Writes one variable: a splice when it is an array that changed a little, else its whole value. False when it did not change. */
  private writeVar(name: string, value: Data): boolean {
    const last = this.saved.get(name);
    if (last !== undefined && Array.isArray(last.value) && Array.isArray(value)) {
      const splice = spliceBetween(last.value, value);
      if (splice === null) return false;
      const items = JSON.stringify(splice.items);
      if (last.journalBytes + items.length <= Math.max(last.baseBytes, 1024) && last.splices < MAX_SPLICES) {
        this.putSplice.run(name, splice.start, splice.remove, items);
        this.bytesWritten += items.length;
        this.saved.set(name, { value, baseBytes: last.baseBytes, journalBytes: last.journalBytes + items.length, splices: last.splices + 1 });
        return true;
      }
    }
    const text = JSON.stringify(value);
    this.putVar.run(name, text);
    this.bytesWritten += text.length;
    if (last !== undefined && last.splices > 0) this.clearSplices.run(name);
    this.saved.set(name, { value, baseBytes: text.length, journalBytes: 0, splices: 0 });
    return true;
  }

  /**
   * Writes the changed variables (and facts) of a step, or of a group of steps, atomically
   * and durably. A variable given with the same elements as last written costs nothing; no
   * transaction is made when nothing changed. True when it committed one.
   */
  save(vars: Readonly<Record<string, Data>>, meta: Readonly<Record<string, string>> = {}): boolean {
    if (!this.write(vars, meta)) return false;
    const fd = this.wal();
    if (fd !== undefined) fdatasyncSync(fd);
    return true;
  }

  /**
   * Commits like `save`, but the commit is durable only once a later `sync` has finished.
   * True when it committed a transaction.
   */
  write(vars: Readonly<Record<string, Data>>, meta: Readonly<Record<string, string>> = {}): boolean {
    if (Object.keys(vars).length === 0 && Object.keys(meta).length === 0) return false;
    if (!this.db.open) throw new TypeError('The database connection is not open');
    if (!this.writeStep(vars, meta)) return false;
    this.commits++;
    return true;
  }

  /** The WAL file's descriptor, opened after the first commit made the file (and its directory entry synced once). */
  private wal(): number | undefined {
    if (this.walPath === undefined || this.walFd !== undefined) return this.walFd;
    this.walFd = openSync(this.walPath, 'r');
    const dir = openSync(dirname(this.walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.walFd;
  }

  /**
   * Makes every commit so far durable, off the event loop (on libuv's thread pool). fdatasync,
   * as SQLite itself syncs on Linux: the data and the metadata needed to read it back (the
   * file's size) reach the disk, not its modification time; the WAL is mostly rewritten in
   * place, where this saves a journal commit of the file system per sync.
   */
  sync(): Promise<void> {
    if (!this.db.open) return Promise.reject(new TypeError('The database connection is not open'));
    const fd = this.wal();
    if (fd === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error === null ? resolve() : reject(error))));
  }

  /** Every durable variable stored so far. */
  load(): Record<string, Data> {
    // The very objects last written, so that the next step's splices are found by identity.
    return Object.fromEntries([...this.saved].map(([name, { value }]) => [name, value]));
  }

  meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  close(): void {
    if (!this.db.open) return;
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
  }
}

/** Reads a state database without a running process (for tools and tests). */
export function readDurable(path: string): { vars: Record<string, Data>; meta: Record<string, string> } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const vars = readVars(db);
    const meta: Record<string, string> = {};
    for (const row of db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]) meta[row.key] = row.value;
    return { vars, meta };
  } finally {
    db.close();
  }
}
