/**
 * Fills the full-text table (FTS5 on SQLite, trigram-indexed text on PostgreSQL) from blob_text_pending in batches, in the lulls between writes: it derives
 * each new blob's text from its bytes (outside any transaction) and inserts it. Tokenising a
 * message into trigrams costs about as much as storing it; doing it here keeps it off the append
 * path (appends stay durable at full speed, as Dovecot's indexer worker keeps FTS off delivery)
 * and lets FTS5 write one segment per batch instead of one per message. Searches derive the text
 * of pending blobs on the spot, so nothing is ever missing from a result. A backlog above
 * MAX_BACKLOG is indexed even under load, a batch per interval, so that derivation stays bounded.
 * Appends schedule it; start-up schedules it once for what a previous run left.
 */
import { sql, type Kysely } from 'kysely';
import type { SearchText } from '../../mime/types.ts';
import type { DB } from './tables.ts';
import { PoolUnavailable, registerMainService, runOnPool } from '../../mime/worker-pool.ts';
import type { FtsTaskInput } from './fts-tasks.ts';
import { insertText, type TextDialect } from './text-index.ts';
import type { WriteRunner } from './write-queue.ts';

const BATCH = 500;
/**
 * Rows per batch on a pool thread: the write queue pauses while that thread writes them (about
 * 0.2-0.4 ms of trigram tokenising per 10 KB message), so a batch stays short.
 */
const OFF_THREAD_BATCH = 100;
/** Rows per write op (see batchHere()). */
const WRITE_CHUNK = 50;
/** Texts derived at once (the pool has a few threads). */
const DERIVE_PARALLEL = 4;
/** How long the write queue must have been quiet before indexing starts. */
const QUIET_MS = 150;
/**
 * Past this many waiting blobs the indexer runs even while writes continue (one batch per quiet
 * interval), so that the on-the-spot text derivation of pending blobs in a search stays bounded.
 */
const MAX_BACKLOG = 20_000;
/** After a failed batch (the database went away), the next try waits this long. */
const FAILED_RETRY_MS = 2000;

/** Where a SQLite indexer's batches can run on a pool thread (fts-tasks.ts). */
export interface FtsOffThread {
  readonly dbPath: string;
  readonly blobDir: string;
}

const FTS_TASKS = new URL('./fts-tasks.ts', import.meta.url).href;

/** The indexers whose pool-thread batch may ask for a write slot, by number. */
const slots = new Map<number, () => Promise<void>>();
let nextIndexer = 1;
registerMainService('fts.slot', (id) => {
  const slot = slots.get(id as number);
  return slot ? slot() : Promise.reject(new Error('no such indexer'));
});

export class FtsIndexer {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Rows believed pending (appends since the last batch; start-up assumes a full batch). */
  private backlog = BATCH;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly writes: WriteRunner,
    private readonly textOf: (hash: string) => Promise<SearchText>,
    private readonly onError: (err: unknown) => void,
    private readonly dialect: TextDialect = 'sqlite',
    /** SQLite: run batches on the worker pool (with their own connection) where it can. */
    private readonly offThread?: FtsOffThread,
  ) {}

  private readonly id = nextIndexer++;

  /**
   * One batch on a pool thread; null when the pool cannot (the batch then runs here). The thread
   * writes inside an exclusive section of the write queue, which ends when its task settles.
   */
  private async batchOffThread(): Promise<number | null> {
    const { offThread, writes } = this;
    if (!offThread || !writes.exclusive) return null;
    let end = (): void => undefined;
    const ended = new Promise<void>((r) => (end = r));
    let granted: Promise<void> | undefined;
    slots.set(this.id, () => {
      granted ??= new Promise<void>((started) => {
        void writes.exclusive!(() => {
          started();
          return ended;
        });
      });
      return granted;
    });
    try {
      const input: FtsTaskInput = { ...offThread, limit: OFF_THREAD_BATCH, indexer: this.id };
      return (await runOnPool(FTS_TASKS, 'ftsIndexTask', input)) as number;
    } catch (err) {
      if (err instanceof PoolUnavailable) return null;
      throw err;
    } finally {
      slots.delete(this.id);
      end();
    }
  }

  /** A message's text was added to the pending table. */
  schedule(): void {
    this.backlog++;
    this.arm();
  }

  /** Indexes everything pending now, whatever the load (tests, `Store.idle`). */
  async settle(): Promise<void> {
    await this.running;
    if (this.stopped) return;
    this.running = this.running.then(() => this.run(true)).catch(this.onError);
    await this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Start-up: index what a previous run left, once things are quiet. */
  start(): void {
    this.arm();
  }

  private arm(delayMs = QUIET_MS): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    if (this.busy() && this.backlog < MAX_BACKLOG) {
      this.arm();
      return;
    }
    this.running = this.running
      .then(() => this.run(false))
      .catch((err: unknown) => {
        this.onError(err);
        // The database may be away for a while: what is pending is tried again later.
        this.arm(FAILED_RETRY_MS);
      });
  }

  private busy(): boolean {
    return Date.now() - this.writes.lastActivity < QUIET_MS;
  }

  private async run(force: boolean): Promise<void> {
    while (!this.stopped) {
      const offThread = await this.batchOffThread();
      const moved = offThread ?? (await this.batchHere());
      this.backlog = Math.max(0, this.backlog - moved);
      if (moved < (offThread === null ? BATCH : OFF_THREAD_BATCH)) {
        this.backlog = 0;
        return;
      }
      // More to do: carry on now when forced or quiet; under load wait for the next interval
      // (tick() lets a batch through then if the backlog is still too long).
      // Off the event loop, a long backlog is worked through without pausing.
      const catchingUp = offThread !== null && this.backlog >= MAX_BACKLOG;
      if (!force && this.busy() && !catchingUp) {
        this.arm();
        return;
      }
    }
  }

  /** One batch in this thread: the text derived on the pool, the index written here. */
  private async batchHere(): Promise<number> {
    const rows = (
      await sql<{ rowid: number; hash: string }>`
        SELECT p.rowid, b.hash FROM blob_text_pending p JOIN blobs b ON b.rowid = p.rowid
        ORDER BY p.rowid LIMIT ${BATCH}`.execute(this.db)
    ).rows;
    // Text derivation parses each message: on the worker pool (mime/index-pool.ts), several at once.
    const texts: SearchText[] = new Array<SearchText>(rows.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(DERIVE_PARALLEL, rows.length) }, async () => {
        for (let i = next++; i < rows.length; i = next++) texts[i] = await this.textOf(rows[i]!.hash);
      }),
    );
    // Tokenising into the index runs in SQLite on this thread: in write ops of WRITE_CHUNK rows,
    // one after the other, so that the appends queued meanwhile commit between them instead of
    // waiting behind one long op.
    let moved = 0;
    for (let start = 0; start < rows.length; start += WRITE_CHUNK) {
      const part = rows.slice(start, start + WRITE_CHUNK);
      moved += await this.writes.run(async (tx) => {
        for (let i = 0; i < part.length; i++) {
          // Still pending? (The blob may have lost its last message meanwhile.)
          const del = await tx.db.deleteFrom('blob_text_pending').where('rowid', '=', part[i]!.rowid).executeTakeFirst();
          if (Number(del.numDeletedRows) === 1) await insertText(tx.db, Number(part[i]!.rowid), texts[start + i]!, this.dialect);
        }
        return part.length;
      });
    }
    return moved;
  }
}
