/**
 * Opens the store: PostgreSQL when `storeUrl` is a postgres:// URL (open-postgres.ts), else the
 * embedded store: one SQLite file `<dataDir>/postkontor.db` in WAL mode (a write is
 * acknowledged only once its WAL frames are fsync'd: see sql/wal-sync.ts), plus `<dataDir>/blobs/` for large
 * messages. Several processes may open the same data dir (the server and the CLI): writes take
 * the database lock in turn and wait up to `busy_timeout`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { systemClock, type Clock } from '../core/clock.ts';
import { PkError } from '../core/errors.ts';
import { BlobFiles } from './blobs/blob-files.ts';
import { ChangeBus } from './change-bus.ts';
import type { SearchText } from '../mime/types.ts';
import { isPostgresUrl, migratePostgresUrl, openPostgresStore, redact } from './open-postgres.ts';
import type { Store } from './ports.ts';
import { SqlStore } from './sql/sql-store.ts';
import { migrateSqlite, sqliteSchemaVersion } from './sql/migrate-sqlite.ts';
import { cachingDatabase } from './sql/sqlite-database.ts';
import { SqliteAppendStatements } from './sql/sqlite-append.ts';
import { directReads } from './sql/sqlite-reads.ts';
import type { DB } from './sql/tables.ts';
import { FtsIndexer } from './sql/fts-indexer.ts';
import { WalSync } from './sql/wal-sync.ts';
import { GroupCommitQueue, sqliteBatches } from './sql/write-queue.ts';

export interface OpenStoreOptions {
  readonly dataDir: string;
  /** `postgres://...` selects the PostgreSQL store; absent or empty: SQLite in `dataDir`. */
  readonly storeUrl?: string;
  /** PostgreSQL: pooled connections for queries and writes (default 10; plus one LISTEN). */
  readonly poolSize?: number;
  readonly clock?: Clock;
  /** Messages up to this size live inside the database; larger ones as files (default 256 KiB). */
  readonly inlineLimit?: number;
  /** Remove blob files left unreferenced by a crash (the server does this at start-up). */
  readonly sweepOrphanBlobs?: boolean;
  /** Where errors thrown by change listeners or after-commit hooks go. */
  readonly onError?: (err: unknown) => void;
}

/**
 * Brings the store's schema up to date without opening it for use (`postkontor migrate`);
 * returns the schema versions before and after. openStore does the same at every start.
 */
export async function migrateStore(opts: Pick<OpenStoreOptions, 'dataDir' | 'storeUrl' | 'clock'>): Promise<{
  from: number;
  to: number;
}> {
  const now = (opts.clock ?? systemClock).now();
  if (opts.storeUrl) {
    if (!isPostgresUrl(opts.storeUrl)) {
      throw new PkError('PK_ERR_CONFIG', `unknown store "${redact(opts.storeUrl)}": expected postgres://...`);
    }
    return migratePostgresUrl(opts.storeUrl, now);
  }
  try {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    const sqlite = new Database(join(opts.dataDir, 'postkontor.db'), { timeout: 10_000 });
    try {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('foreign_keys = ON');
      const from = sqliteSchemaVersion(sqlite);
      migrateSqlite(sqlite, now);
      return { from, to: sqliteSchemaVersion(sqlite) };
    } finally {
      sqlite.close();
    }
  } catch (err) {
    if (err instanceof PkError) throw err;
    throw new PkError('PK_ERR_STORE_UNAVAILABLE', `cannot open the store in ${opts.dataDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.storeUrl) {
    if (!isPostgresUrl(opts.storeUrl)) {
      throw new PkError('PK_ERR_CONFIG', `unknown store "${redact(opts.storeUrl)}": expected postgres://...`);
    }
    return openPostgresStore({
      url: opts.storeUrl,
      dataDir: opts.dataDir,
      clock: opts.clock,
      onError: opts.onError,
      poolSize: opts.poolSize,
    });
  }
  const clock = opts.clock ?? systemClock;
  const onError = opts.onError ?? (() => undefined);
  let sqlite: Database.Database;
  try {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    sqlite = new Database(join(opts.dataDir, 'postkontor.db'), { timeout: 10_000 });
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    migrateSqlite(sqlite, clock.now());
    // From here on every write goes through the write queue, which fsyncs the WAL itself after
    // each group commit, off the event loop (wal-sync.ts explains why that is as durable as FULL).
    sqlite.pragma('synchronous = NORMAL');
  } catch (err) {
    if (err instanceof PkError) throw err;
    throw new PkError(
      'PK_ERR_STORE_UNAVAILABLE',
      `cannot open the store in ${opts.dataDir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) });
  const bus = new ChangeBus(onError);
  const wal = new WalSync(join(opts.dataDir, 'postkontor.db-wal'));
  const writes = new GroupCommitQueue(db, sqliteBatches(sqlite), () => wal.sync(), (c) => bus.publish(c), onError);
  const blobFiles = new BlobFiles(join(opts.dataDir, 'blobs'));
  // Bound once the store exists: the indexer derives text through the message store.
  let textOf: (hash: string) => Promise<SearchText> = () => Promise.reject(new Error('store not ready'));
  // Its batches run on the worker pool with their own connection (fts-tasks.ts) where they can.
  const textIndexer = new FtsIndexer(db, writes, (hash) => textOf(hash), onError, 'sqlite', {
    dbPath: join(opts.dataDir, 'postkontor.db'),
    blobDir: join(opts.dataDir, 'blobs'),
  });
  // IMAP SEARCH compares case-insensitively in any script; SQLite's LIKE folds ASCII only.
  sqlite.function('pk_icontains', { deterministic: true }, (haystack: unknown, needle: unknown) =>
    String(haystack).toLowerCase().includes(String(needle).toLowerCase()) ? 1 : 0,
  );
  const store = new SqlStore(
    'sqlite',
    {
      db,
      writes,
      clock,
      blobFiles,
      inlineLimit: opts.inlineLimit ?? 256 * 1024,
      textIndexer,
      dialect: 'sqlite',
      appendStatements: new SqliteAppendStatements(sqlite),
      directReads: directReads(sqlite, writes),
    },
    bus,
    async () => {
      textIndexer.stop();
      await textIndexer.settle();
      await writes.drain();
      await wal.close();
      await db.destroy();
    },
  );
  textOf = (hash) => store.messages.textOf(hash);
  // Text a previous run left unindexed goes into the index once things are quiet.
  textIndexer.start();
  if (opts.sweepOrphanBlobs) {
    await blobFiles.sweepOrphans(
      async (hash) =>
        (await db.selectFrom('blobs').select('hash').where('hash', '=', hash).executeTakeFirst()) !== undefined,
      clock.now(),
    );
  }
  return store;
}
