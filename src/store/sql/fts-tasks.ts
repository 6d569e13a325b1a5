/**
 * The SQLite full-text indexer's batch as a worker-pool task (fts-indexer.ts runs it): on a pool
 * thread, with that thread's own connection to the database, it reads pending blobs, derives their
 * text (a MIME parse each) and inserts it into the FTS5 table (trigram tokenising, which costs about
 * as much CPU as the rest of an inbound message). Only the write needs the database lock: the task
 * asks the main thread for a slot (`fts.slot`, an exclusive section of the store's write queue)
 * just before BEGIN, so neither thread ever waits on SQLite's lock. The commit is not fsync'd
 * here: the WAL is sequential, and the next fsync of the write queue covers it; if a crash loses
 * it, the rows are still pending and are indexed again.
 */
import Database from 'better-sqlite3';
import { messageSearchText } from '../../mime/index-message.ts';
import type { SearchText } from '../../mime/types.ts';
import type { CallMain } from '../../mime/worker-pool.ts';
import { BlobFiles } from '../blobs/blob-files.ts';

export interface FtsTaskInput {
  readonly dbPath: string;
  readonly blobDir: string;
  /** Most rows to index. */
  readonly limit: number;
  /** Passed back with `fts.slot`: which indexer asks. */
  readonly indexer: number;
}

/** Indexes up to `limit` pending blobs; returns how many rows it looked at. */
export async function ftsIndexTask(arg: unknown, callMain: CallMain): Promise<number> {
  const input = arg as FtsTaskInput;
  // A connection per batch: nothing stays open on a store that closes (the main thread waits for
  // the running batch before it closes its own).
  const db = new Database(input.dbPath, { timeout: 10_000 });
  try {
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const rows = db
      .prepare(
        `SELECT p.rowid AS rowid, b.hash AS hash, b.size AS size, b.data AS data
         FROM blob_text_pending p JOIN blobs b ON b.rowid = p.rowid ORDER BY p.rowid LIMIT ?`,
      )
      .all(input.limit) as { rowid: number; hash: string; size: number; data: Buffer | null }[];
    if (rows.length === 0) return 0;
    const blobs = new BlobFiles(input.blobDir);
    const texts: SearchText[] = [];
    for (const r of rows) {
      const raw = r.data ?? (await blobs.reader(r.hash, Number(r.size)).read());
      texts.push(await messageSearchText(raw));
    }
    const unpend = db.prepare(`DELETE FROM blob_text_pending WHERE rowid = ?`);
    const insert = db.prepare(
      `INSERT INTO blob_text (rowid, subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    await callMain('fts.slot', input.indexer);
    db.exec('BEGIN IMMEDIATE');
    try {
      for (let i = 0; i < rows.length; i++) {
        // Still pending? (The blob may have lost its last message meanwhile.)
        if (unpend.run(rows[i]!.rowid).changes !== 1) continue;
        const t = texts[i]!;
        insert.run(rows[i]!.rowid, t.subject, t.from, t.to, t.cc, t.bcc, t.headers, t.body);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    return rows.length;
  } finally {
    db.close();
  }
}
