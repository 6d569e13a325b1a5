/**
 * Group commit, for both stores. Writes queue up while the previous batch commits; a batch
 * runs as one transaction with each write inside its own savepoint, so one failing write
 * never takes its neighbours down, and the writes of one process run in the order they were
 * queued (UIDs are allocated in call order). After COMMIT, `durable()` (an fsync of the WAL, see
 * wal-sync.ts) runs on the thread pool; the writes queued meanwhile wait for it and then commit
 * together as the next batch (their flush could not have started earlier anyway: the WAL takes one
 * fsync at a time). Every promise resolves, and every change is published, only after its batch is
 * on disk, in commit order. Waiting is what makes the batches: committing each write as it came
 * cost one COMMIT (~0.4 ms of WAL page writes on the event loop) per message in bench/smtp, where
 * the event loop never let a second writer join a batch. This is how 16 concurrent appenders reach
 * thousands of durable appends a second without weakening durability.
 *
 * Invariant: no socket write, timer or other await happens inside a batch but the SQL of its ops.
 */
import { sql, type Kysely } from 'kysely';
import { PkError } from '../../core/errors.ts';
import type { Change } from '../changes.ts';
import type { DB } from './tables.ts';

/** What a write op gets: the transaction, and hooks for what happens after the commit. */
export interface WriteTx {
  readonly db: Kysely<DB>;
  /** Publish this change on the bus once the batch is durable. */
  emit(change: Change): void;
  /** Run this (e.g. unlink a blob file) once the batch is durable. */
  afterCommit(fn: () => void | Promise<void>): void;
}

export type WriteOp<T> = (tx: WriteTx) => Promise<T>;

export interface WriteRunner {
  run<T>(op: WriteOp<T>): Promise<T>;
  /** When the last write was queued (ms since the epoch): background work waits for lulls. */
  readonly lastActivity: number;
  /** Resolves when everything queued so far has committed. */
  drain(): Promise<void>;
  /** A batch's transaction is open on the connection (sqlite-reads.ts then reads through kysely). */
  readonly inBatch: boolean;
  /**
   * Runs `section` between two batches, in queue order, with no batch of this queue running until
   * it settles: another connection (the full-text indexer's thread) writes then without either
   * side waiting on SQLite's lock. Writes queued meanwhile form the next batch.
   */
  exclusive?<T>(section: () => Promise<T>): Promise<T>;
}

interface Pending {
  op: WriteOp<unknown>;
  /** An exclusive section rather than an op (run outside any transaction). */
  section?: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Outcome {
  pending: Pending;
  ok: boolean;
  value?: unknown;
  error?: unknown;
  changes: Change[];
  after: (() => void | Promise<void>)[];
}

/** What differs between the dialects' transactions. */
export interface BatchDialect {
  /** Starts a batch's transaction. */
  readonly begin: string;
  /** Runs just before COMMIT with the batch's changes (PostgreSQL: NOTIFY the other nodes). */
  readonly beforeCommit?: (conn: Kysely<DB>, changes: readonly Change[]) => Promise<void>;
  /** Errors after which the whole batch runs again from the start (serialization, deadlock). */
  readonly retryable?: (err: unknown) => boolean;
  /** What callers see when the batch as a whole failed (e.g. the database went away). */
  readonly batchError?: (err: unknown) => unknown;
  readonly maxBatch?: number;
  /**
   * Runs a transaction-control statement (BEGIN, SAVEPOINT, RELEASE, COMMIT...) on the batch's
   * connection directly, instead of through the query builder (SQLite: a prepared statement).
   */
  readonly control?: (statement: string) => void;
}

/**
 * SQLite: IMMEDIATE takes the write lock up front, so a second process (the CLI) waits on
 * busy_timeout instead of failing on a lock upgrade.
 */
export const SQLITE_BATCHES: BatchDialect = { begin: 'BEGIN IMMEDIATE' };

/** SQLITE_BATCHES with its transaction control run as statements prepared once on `db`. */
export function sqliteBatches(db: { prepare(sql: string): { run(): unknown } }): BatchDialect {
  const statements = new Map<string, { run(): unknown }>();
  return {
    ...SQLITE_BATCHES,
    control(statement) {
      let s = statements.get(statement);
      if (!s) {
        s = db.prepare(statement);
        statements.set(statement, s);
      }
      s.run();
    },
  };
}

const MAX_BATCH = 256;
const MAX_ATTEMPTS = 50;

export class GroupCommitQueue implements WriteRunner {
  private queue: Pending[] = [];
  private running = false;
  private idle: (() => void)[] = [];
  /** Settlement of committed batches, chained so that they settle in commit order. */
  private settled: Promise<void> = Promise.resolve();
  /** The flush of the last committed batch (never rejects); the next batch starts after it. */
  private flushing: Promise<void> = Promise.resolve();
  lastActivity = 0;
  inBatch = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: BatchDialect,
    private readonly durable: () => Promise<void>,
    private readonly publish: (change: Change) => void,
    private readonly onAfterCommitError: (err: unknown) => void,
  ) {}

  run<T>(op: WriteOp<T>): Promise<T> {
    this.lastActivity = Date.now();
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        // Let writers that are ready in this turn of the event loop join the same batch.
        setImmediate(() => void this.loop());
      }
    });
  }

  exclusive<T>(section: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const op: WriteOp<unknown> = () => Promise.reject(new Error('an exclusive section is not an op'));
      this.queue.push({ op, section, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.loop());
      }
    });
  }

  async drain(): Promise<void> {
    if (this.running || this.queue.length > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.settled;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      // Group commit: writers that arrive while the disk flushes the last batch form the next one.
      await this.flushing;
      const first = this.queue[0]!;
      if (first.section) {
        this.queue.shift();
        await first.section().then(first.resolve, first.reject);
        continue;
      }
      // A batch ends before the next exclusive section.
      const stop = this.queue.findIndex((p) => p.section !== undefined);
      const batch = this.queue.splice(0, Math.min(stop < 0 ? this.queue.length : stop, this.dialect.maxBatch ?? MAX_BATCH));
      const outcomes = await this.commitBatch(batch);
      const committed = outcomes.some((o) => o.ok);
      const flushed = committed ? this.durable() : Promise.resolve();
      this.flushing = flushed.then(
        () => undefined,
        () => undefined,
      );
      this.settled = this.settled.then(() => flushed.then(
        () => this.settle(outcomes),
        (err: unknown) => this.fail(outcomes, err),
      ));
    }
    this.running = false;
    for (const r of this.idle.splice(0)) r();
  }

  private async settle(outcomes: Outcome[]): Promise<void> {
    for (const o of outcomes) {
      if (!o.ok) {
        o.pending.reject(o.error);
        continue;
      }
      for (const c of o.changes) this.publish(c);
      for (const fn of o.after) {
        try {
          await fn();
        } catch (err) {
          this.onAfterCommitError(err);
        }
      }
      o.pending.resolve(o.value);
    }
  }

  /** The disk refused the flush: nothing of the batch may be reported as stored. */
  private fail(outcomes: Outcome[], err: unknown): void {
    this.onAfterCommitError(err);
    const error = new PkError('PK_ERR_STORE_UNAVAILABLE', 'the store could not make the write durable', { cause: err });
    for (const o of outcomes) o.pending.reject(o.ok ? error : o.error);
  }

  private async commitBatch(batch: Pending[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryBatch(batch);
      } catch (err) {
        const cause = err instanceof RetryBatch ? err.cause : unwrapOpFailed(err);
        if (err instanceof RetryBatch || (this.dialect.retryable?.(cause) ?? false)) {
          if (attempt < MAX_ATTEMPTS) {
            // Back off a little, randomly, so that the writers that collided do not collide again.
            await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));
            continue;
          }
        }
        // The batch as a whole failed (disk full, I/O error, database gone): nothing of it was
        // committed. A single op's own error reaches its caller (unchanged, but for a lost
        // database, which becomes Unavailable).
        const error = this.dialect.batchError?.(cause) ?? cause;
        return batch.map((pending) => ({ pending, ok: false, error, changes: [], after: [] }));
      }
    }
  }

  /** A transaction-control statement on the batch's connection. */
  private async control(conn: Kysely<DB>, statement: string): Promise<void> {
    if (this.dialect.control) this.dialect.control(statement);
    else await sql.raw(statement).execute(conn);
  }

  private async tryBatch(batch: Pending[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await this.db.connection().execute(async (conn) => {
      this.inBatch = true;
      await this.control(conn, this.dialect.begin);
      try {
        for (const pending of batch) outcomes.push(await this.runOne(conn, pending, batch.length > 1));
        await this.dialect.beforeCommit?.(
          conn,
          outcomes.flatMap((o) => o.changes),
        );
        await this.control(conn, 'COMMIT');
      } catch (err) {
        await this.control(conn, 'ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        this.inBatch = false;
      }
    });
    return outcomes;
  }

  private async runOne(conn: Kysely<DB>, pending: Pending, savepoint: boolean): Promise<Outcome> {
    const outcome: Outcome = { pending, ok: false, changes: [], after: [] };
    const tx: WriteTx = {
      db: conn,
      emit: (c) => outcome.changes.push(c),
      afterCommit: (fn) => outcome.after.push(fn),
    };
    if (savepoint) await this.control(conn, 'SAVEPOINT w');
    try {
      outcome.value = await pending.op(tx);
      outcome.ok = true;
      if (savepoint) await this.control(conn, 'RELEASE w');
    } catch (err) {
      // A stale snapshot fails every later op too: the whole batch starts again.
      if (this.dialect.retryable?.(err)) throw new RetryBatch('retry', { cause: err });
      if (!savepoint) throw Object.assign(new OpFailed(), { cause: err });
      await this.control(conn, 'ROLLBACK TO w');
      await this.control(conn, 'RELEASE w');
      outcome.error = err;
      outcome.changes = [];
      outcome.after = [];
    }
    return outcome;
  }
}

/** The batch must run again (an op hit a serialization failure or deadlock). */
class RetryBatch extends Error {}

/** Marks a single-op batch failure so the op's own error reaches its caller unchanged. */
class OpFailed extends Error {}

function unwrapOpFailed(err: unknown): unknown {
  return err instanceof OpFailed ? err.cause : err;
}
