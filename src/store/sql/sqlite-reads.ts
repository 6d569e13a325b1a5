/**
 * SQLite reads on the message hot paths (RCPT lookups, delivery's settings and mailbox, the blob
 * check of an append) as better-sqlite3 statements prepared once, instead of a kysely query built,
 * compiled and awaited per call. Only outside a write batch: while a batch holds the connection
 * (its transaction is open), `directReads` gives null and the caller goes through kysely, which
 * waits for the batch, so a read never sees a batch's uncommitted rows. PostgreSQL has none.
 */
import type Database from 'better-sqlite3';

export interface DirectReads {
  get<T>(sql: string, ...params: unknown[]): T | undefined;
  all<T>(sql: string, ...params: unknown[]): T[];
}

export function directReads(db: Database.Database, writes: { readonly inBatch: boolean }): () => DirectReads | null {
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  const reads: DirectReads = {
    get: <T>(sql: string, ...params: unknown[]) => prepared(sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: unknown[]) => prepared(sql).all(...params) as T[],
  };
  return () => (writes.inBatch ? null : reads);
}
