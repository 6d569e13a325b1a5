/**
 * Applies pending SQLite migrations at start-up. Runs under BEGIN IMMEDIATE so that two processes
 * opening the same data dir at once (the server and the CLI) never apply a step twice.
 */
import type Database from 'better-sqlite3';
import { PkError } from '../../core/errors.ts';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.ts';

export const SCHEMA_VERSION = SQLITE_MIGRATIONS.length;

/** The schema version of an SQLite database (0: empty). */
export function sqliteSchemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

export function migrateSqlite(db: Database.Database, now: number): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const run = db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new PkError(
        'PK_ERR_CONFIG',
        `the data dir has schema version ${current}, newer than this postkontor (${SCHEMA_VERSION}); upgrade postkontor`,
      );
    }
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      for (const stmt of SQLITE_MIGRATIONS[v - 1] ?? []) db.exec(stmt);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(v, now);
    }
  });
  run.immediate();
}
