/**
 * better-sqlite3 behind kysely's `SqliteDatabase` interface, with a prepared-statement cache:
 * kysely prepares every query it runs, and preparing costs more than running the small statements
 * of the mail hot paths. The cache is keyed by SQL text and bounded.
 */
import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const MAX_STATEMENTS = 500;

export function cachingDatabase(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        // Long IN-lists make one-off texts; evict the oldest rather than grow without bound.
        if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
