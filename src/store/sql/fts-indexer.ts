/**
 * Moves search text from blob_text_pending into the FTS5 table in batches, when the write queue
 * has nothing else to do. Tokenising a message into trigrams costs about as much as storing it;
 * doing it here keeps it off the append path (appends stay durable at full speed) and lets FTS5
 * write one segment per batch instead of one per message. Searches read the pending rows too,
 * so nothing is ever missing from a result, only slower to find while the batch waits. Event
 * driven: appends schedule it, start-up schedules it once for what a previous run left.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './tables.ts';
import type { WriteRunner } from './write-queue.ts';

const BATCH = 500;

export class FtsIndexer {
  private scheduled = false;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly writes: WriteRunner,
    private readonly onError: (err: unknown) => void,
  ) {}

  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.running = this.running.then(() => this.run()).catch(this.onError);
  }

  /** Waits for the current batch run (tests and `close`). */
  async settle(): Promise<void> {
    await this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Interactive writes first: only index when the queue is idle.
      await this.writes.drain();
      if (this.stopped) return;
      this.scheduled = false;
      const moved = await this.writes.run(async (tx) => {
        const ids = (
          await sql<{ rowid: number }>`SELECT rowid FROM blob_text_pending ORDER BY rowid LIMIT ${BATCH}`.execute(tx.db)
        ).rows.map((r) => r.rowid);
        if (ids.length === 0) return 0;
        const first = ids[0]!;
        const last = ids[ids.length - 1]!;
        await sql`INSERT INTO blob_text (rowid, subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body)
                  SELECT rowid, subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body
                  FROM blob_text_pending WHERE rowid BETWEEN ${first} AND ${last}`.execute(tx.db);
        await sql`DELETE FROM blob_text_pending WHERE rowid BETWEEN ${first} AND ${last}`.execute(tx.db);
        return ids.length;
      });
      if (moved < BATCH && !this.scheduled) return;
    }
  }
}
