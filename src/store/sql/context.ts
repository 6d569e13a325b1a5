import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { BlobFiles } from '../blobs/blob-files.ts';
import type { PopLocks } from './pg-pop-locks.ts';
import type { SqliteAppendStatements } from './sqlite-append.ts';
import type { DirectReads } from './sqlite-reads.ts';
import type { DB } from './tables.ts';
import type { WriteRunner } from './write-queue.ts';

/** What every SQL repository shares: the database, the write runner, the clock and blob files. */
export interface SqlContext {
  readonly db: Kysely<DB>;
  readonly writes: WriteRunner;
  readonly clock: Clock;
  readonly blobFiles: BlobFiles;
  /** Messages up to this many bytes are kept inline in the database; larger ones as files. */
  readonly inlineLimit: number;
  /** Moves new search text into the full-text index off the append path (absent: never). */
  readonly textIndexer?: { schedule(): void; settle(): Promise<void> };
  /** Which SQL dialect `db` speaks (for the few statements that differ). */
  readonly dialect: 'sqlite' | 'postgres';
  /** SQLite: the append's statements prepared once, run on the write queue's connection. */
  readonly appendStatements?: SqliteAppendStatements;
  /** SQLite: prepared statements for hot reads, or null while a write batch holds the connection. */
  readonly directReads?: () => DirectReads | null;
  /** POP3 maildrop locks shared by several nodes (absent: an in-process lock, one node). */
  readonly popLocks?: PopLocks;
}

/** SQLite reports constraint violations with this code prefix; pg uses SQLSTATE 23505. */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
