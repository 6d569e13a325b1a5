/**
 * Opens the PostgreSQL store: the same SQL repositories as the embedded store, over kysely's
 * pg dialect. Message bodies of every size live in the database (BYTEA), so that several nodes
 * share nothing but PostgreSQL. Migrations run at open, under an advisory lock (two nodes
 * starting together take turns). Each store instance keeps one LISTEN connection for the change
 * feed across nodes (sql/pg-change-feed.ts) and one connection per held POP3 maildrop lock.
 */
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { systemClock, type Clock } from '../core/clock.ts';
import { PkError } from '../core/errors.ts';
import type { SearchText } from '../mime/types.ts';
import { BlobFiles } from './blobs/blob-files.ts';
import { ChangeBus } from './change-bus.ts';
import type { Store } from './ports.ts';
import { readChangesSince } from './sql/change-log.ts';
import { FtsIndexer } from './sql/fts-indexer.ts';
import { migratePostgres } from './sql/migrate-postgres.ts';
import { PgChangeFeed } from './sql/pg-change-feed.ts';
import { PgPopLocks } from './sql/pg-pop-locks.ts';
import { typedLoss, unavailableOnLoss } from './sql/pg-unavailable-pool.ts';
import { pgWriteQueue } from './sql/pg-write-runner.ts';
import { SqlStore } from './sql/sql-store.ts';
import type { DB } from './sql/tables.ts';

export interface OpenPostgresOptions {
  /** `postgres://user@host:port/database` */
  readonly url: string;
  /** Local directory of the node (not used for mail: bodies live in PostgreSQL). */
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly onError?: (err: unknown) => void;
  /** Pooled connections for queries and write transactions (default 10). */
  readonly poolSize?: number;
}

const INT8 = 20;
const NUMERIC = 1700;

/** BIGINT columns and sums come back as numbers, as the repositories expect of both dialects. */
const toNumber = (value: string): number => Number(value);
const types: pg.CustomTypesConfig = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if (oid === INT8 || oid === NUMERIC) return toNumber;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
};

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export function pgClientConfig(url: string, applicationName: string): pg.ClientConfig {
  return { connectionString: url, types, application_name: applicationName, connectionTimeoutMillis: 10_000 };
}

/** Connects once and runs the migrations; returns the schema versions before and after. */
export async function migratePostgresUrl(url: string, now: number): Promise<{ from: number; to: number }> {
  const client = new pg.Client(pgClientConfig(url, 'postkontor-migrate'));
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await migratePostgres(client, now);
  } catch (err) {
    if (err instanceof PkError) throw err;
    throw new PkError('PK_ERR_STORE_UNAVAILABLE', `cannot open the store at ${redact(url)}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

export async function openPostgresStore(opts: OpenPostgresOptions): Promise<Store> {
  const clock = opts.clock ?? systemClock;
  const onError = opts.onError ?? (() => undefined);
  await migratePostgresUrl(opts.url, clock.now());
  const pool = new pg.Pool({ ...pgClientConfig(opts.url, 'postkontor'), max: opts.poolSize ?? 10 });
  // A pooled connection that breaks (PostgreSQL restarted) must not crash the process; every
  // query that fails for want of a database rejects with Unavailable (sql/pg-unavailable-pool.ts).
  pool.on('error', (err) => onError(typedLoss(err)));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: unavailableOnLoss(pool, onError) }) });
  const bus = new ChangeBus(onError);
  const readSince = (accountId: number, afterSeq: number, limit: number) =>
    readChangesSince(db, accountId, afterSeq, limit);
  const lastSeq = async (accountId: number): Promise<number> => {
    const row = await db.selectFrom('accounts').select('change_seq').where('id', '=', accountId).executeTakeFirst();
    return Number(row?.change_seq ?? 0);
  };
  const feed = new PgChangeFeed({
    connect: () => new pg.Client(pgClientConfig(opts.url, 'postkontor-listen')),
    readSince,
    lastSeq,
    bus,
    onError,
  });
  try {
    await feed.start();
  } catch (err) {
    await db.destroy();
    throw new PkError('PK_ERR_STORE_UNAVAILABLE', `cannot listen for changes at ${redact(opts.url)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const writes = pgWriteQueue(db, (c) => feed.own(c), onError);
  const popLocks = new PgPopLocks(() => new pg.Client(pgClientConfig(opts.url, 'postkontor-pop-lock')));
  let textOf: (hash: string) => Promise<SearchText> = () => Promise.reject(new Error('store not ready'));
  const textIndexer = new FtsIndexer(db, writes, (hash) => textOf(hash), onError, 'postgres');
  const store = new SqlStore(
    'postgres',
    {
      db,
      writes,
      clock,
      // Never written: with no inline limit every body is a BYTEA value.
      blobFiles: new BlobFiles(join(opts.dataDir, 'blobs')),
      inlineLimit: Number.POSITIVE_INFINITY,
      textIndexer,
      dialect: 'postgres',
      popLocks,
    },
    bus,
    async () => {
      textIndexer.stop();
      await textIndexer.settle();
      await writes.drain();
      await feed.close();
      await popLocks.close();
      await db.destroy();
    },
    feed,
  );
  textOf = (hash) => store.messages.textOf(hash);
  textIndexer.start();
  return store;
}
