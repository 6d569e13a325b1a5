/**
 * `postkontor store copy`: moves an SQLite data dir into an empty PostgreSQL database so that
 * IMAP and POP3 clients notice nothing (sql/store-copy.ts does the copying). The SQLite file is
 * opened read-only and read in one snapshot; the destination is migrated to the current schema,
 * then filled in one transaction: on any failure it stays empty. The server should be stopped
 * while copying: what it writes after the snapshot would not be copied.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { systemClock, type Clock } from '../core/clock.ts';
import { PkError } from '../core/errors.ts';
import { BlobFiles } from './blobs/blob-files.ts';
import { migratePostgresUrl, pgClientConfig, redact } from './open-postgres.ts';
import { SCHEMA_VERSION, sqliteSchemaVersion } from './sql/migrate-sqlite.ts';
import { cachingDatabase } from './sql/sqlite-database.ts';
import { copyStore, type CopyProgress, type CopySummary } from './sql/store-copy.ts';
import type { DB } from './sql/tables.ts';

export type { CopyProgress, CopySummary } from './sql/store-copy.ts';

export interface CopyToPostgresOptions {
  /** The SQLite data dir (holding postkontor.db, blobs/, queue/). */
  readonly dataDir: string;
  /** postgres://... of an empty database (its schema is created or migrated first). */
  readonly url: string;
  readonly clock?: Clock;
  readonly onProgress?: (p: CopyProgress) => void;
  readonly progressEvery?: number;
  readonly pageRows?: number;
}

export interface CopyToPostgresResult extends CopySummary {
  readonly schemaVersion: number;
}

async function readFileChecked(path: string, what: string, size: number, sha256?: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new PkError('PK_ERR_STORE_UNAVAILABLE', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (bytes.length !== size || (sha256 !== undefined && createHash('sha256').update(bytes).digest('hex') !== sha256)) {
    throw new PkError('PK_ERR_STORE_CONFLICT', `${what} ${path} does not hold the bytes its row describes (damaged?)`);
  }
  return bytes;
}

export async function copySqliteToPostgres(opts: CopyToPostgresOptions): Promise<CopyToPostgresResult> {
  const file = join(opts.dataDir, 'postkontor.db');
  if (!existsSync(file)) {
    throw new PkError('PK_ERR_STORE_UNAVAILABLE', `no SQLite store in ${opts.dataDir} (postkontor.db not found)`);
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
  } catch (err) {
    throw new PkError('PK_ERR_STORE_UNAVAILABLE', `cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
  let srcDb: Kysely<DB> | undefined;
  let dstDb: Kysely<DB> | undefined;
  try {
    const version = sqliteSchemaVersion(sqlite);
    if (version !== SCHEMA_VERSION) {
      throw new PkError(
        'PK_ERR_CONFIG',
        version < SCHEMA_VERSION
          ? `the data dir ${opts.dataDir} has schema version ${version}, this postkontor ${SCHEMA_VERSION}: run postkontor migrate --data ${opts.dataDir} first`
          : `the data dir ${opts.dataDir} has schema version ${version}, newer than this postkontor (${SCHEMA_VERSION}); upgrade postkontor`,
      );
    }
    await migratePostgresUrl(opts.url, (opts.clock ?? systemClock).now());
    srcDb = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) });
    const pool = new pg.Pool({ ...pgClientConfig(opts.url, 'postkontor-store-copy'), max: 2 });
    pool.on('error', () => undefined);
    dstDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const blobs = new BlobFiles(join(opts.dataDir, 'blobs'));
    const queued = new BlobFiles(join(opts.dataDir, 'queue'));
    let summary: CopySummary;
    try {
      summary = await copyStore(
        {
          db: srcDb,
          dialect: 'sqlite',
          readBlob: (hash, size) => readFileChecked(blobs.path(hash), 'the message file', size, hash),
          readQueued: (hash, size) => readFileChecked(queued.path(hash), 'the queued message file', size),
        },
        { db: dstDb, dialect: 'postgres' },
        {
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
          ...(opts.progressEvery ? { progressEvery: opts.progressEvery } : {}),
          ...(opts.pageRows ? { pageRows: opts.pageRows } : {}),
        },
      );
    } catch (err) {
      // The destination transaction rolled back: say so, except for the refusal to start at all.
      if (err instanceof PkError && err.code === 'PK_ERR_STORE_CONFLICT' && /^the destination is not empty/.test(err.message)) throw err;
      const message = err instanceof PkError ? err.message : `copy to ${redact(opts.url)} failed: ${(err as Error).message}`;
      throw new PkError(err instanceof PkError ? err.code : 'PK_ERR_STORE_UNAVAILABLE', `${message}; nothing was copied`, { cause: err });
    }
    // Fresh statistics for the planner: the tables went from empty to full in one go.
    await sql`ANALYZE`.execute(dstDb).catch(() => undefined);
    return { ...summary, schemaVersion: version };
  } finally {
    await dstDb?.destroy();
    if (srcDb) await srcDb.destroy();
    else sqlite.close();
  }
}
