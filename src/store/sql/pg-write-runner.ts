/**
 * How the PostgreSQL store runs writes: the same group commit as SQLite (write-queue.ts: the
 * writes of one node run in call order, each in its own savepoint, a batch per transaction), with
 *
 * - REPEATABLE READ. The repositories were written for SQLite, where a write op sees no
 *   concurrent writer, and some read rows before updating them (flags, moves, UIDVALIDITY). Every
 *   op that changes an account's mail also updates that account's row (change_seq) and the
 *   mailbox row (uid_next, highest_modseq), which takes their row locks. Under REPEATABLE READ a
 *   batch whose snapshot is older than another node's conflicting commit fails on such an UPDATE
 *   with a serialization error instead of overwriting it, and runs again from the start on a
 *   fresh snapshot; so do deadlocks. Writers of different accounts never conflict.
 * - a `NOTIFY pk_changes, '<account>:<seq>'` per changed account, sent inside the transaction,
 *   so it reaches the other nodes exactly when (and only if) the batch commits.
 * - no extra flush: PostgreSQL's COMMIT returns once the WAL is flushed (synchronous_commit).
 * - a lost connection reported as Unavailable (the protocols answer with temporary errors).
 */
import { sql, type Kysely } from 'kysely';
import { isPkError, PkError } from '../../core/errors.ts';
import type { Change } from '../changes.ts';
import type { DB } from './tables.ts';
import { GroupCommitQueue, type BatchDialect } from './write-queue.ts';

/** The channel every node LISTENs on; the payload is `<accountId>:<seq>`. */
export const CHANGE_CHANNEL = 'pk_changes';

/** serialization_failure, deadlock_detected: the batch runs again from the start. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Connection-level failures (server gone, restarting, refusing, out of connection slots): the
 * store is unavailable. A PkError is already typed and is not one of these.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof PkError) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(08|57P0|53300|ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN)/.test(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i.test(
    err.message,
  );
}

export function unavailable(err: unknown): PkError {
  if (isPkError(err, 'Unavailable')) return err;
  return new PkError('PK_ERR_STORE_UNAVAILABLE', `the database is unavailable: ${(err as Error).message}`, {
    cause: err,
  });
}

/** One payload per account: its highest sequence number (receivers read the log up to it). */
function notifications(changes: readonly Change[]): string[] {
  const last = new Map<number, number>();
  for (const c of changes) last.set(c.accountId, Math.max(last.get(c.accountId) ?? 0, c.seq));
  return [...last].map(([account, seq]) => `${account}:${seq}`);
}

export const PG_BATCHES: BatchDialect = {
  begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  beforeCommit: async (conn, changes) => {
    for (const payload of notifications(changes)) {
      await sql`SELECT pg_notify(${CHANGE_CHANNEL}, ${payload})`.execute(conn);
    }
  },
  retryable: isRetryable,
  batchError: (err) => (isConnectionError(err) ? unavailable(err) : err),
  // Smaller than SQLite's: a batch that collides with another node runs again as a whole.
  maxBatch: 64,
};

export function pgWriteQueue(
  db: Kysely<DB>,
  publish: (change: Change) => void,
  onAfterCommitError: (err: unknown) => void,
): GroupCommitQueue {
  return new GroupCommitQueue(db, PG_BATCHES, () => Promise.resolve(), publish, onAfterCommitError);
}
