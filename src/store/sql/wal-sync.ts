/**
 * Makes SQLite commits durable off the event loop. The connection runs WAL with
 * synchronous=NORMAL, so COMMIT itself does not fsync; after each group commit the write queue
 * calls `sync()`, which fsyncs the WAL file on libuv's thread pool. Frames of a committed
 * transaction are in the WAL before COMMIT returns, so once this fsync completes the transaction
 * is as durable as with synchronous=FULL (SQLite itself syncs the WAL before any checkpoint copies
 * it into the database). The gain: the event loop keeps indexing and committing the next batch
 * while the disk flushes the previous one, and one fsync covers every batch committed meanwhile.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class WalSync {
  private handle: FileHandle | null = null;
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(private readonly walPath: string) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.fsync().finally(() => {
        this.inFlight = null;
      });
      return this.inFlight;
    }
    // A flush is running and may have started before our commit: queue exactly one more after it.
    if (!this.queued) {
      this.queued = this.inFlight
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.sync();
        });
    }
    return this.queued;
  }

  async close(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
    await this.handle?.close();
    this.handle = null;
  }

  private async fsync(): Promise<void> {
    // The WAL file exists from the first commit on and lives as long as our connection does.
    this.handle ??= await open(this.walPath, 'r');
    await this.handle.sync();
  }
}
