/**
 * The statements of an append on SQLite, as better-sqlite3 statements prepared once: the same SQL
 * the kysely path of messages.ts runs (applyTally, chargeAccount, the blob reference, the message
 * row, the change log), without building, compiling and awaiting a query per statement. That
 * building was about a third of the store's CPU per message on the event loop (bench/smtp).
 * Runs inside a write op, on the connection kysely's transaction holds: better-sqlite3 is
 * synchronous, so these statements are part of that transaction. PostgreSQL keeps the kysely path.
 */
import type Database from 'better-sqlite3';
import { PkError } from '../../core/errors.ts';

/** The statements, prepared on first use per connection. */
export class SqliteAppendStatements {
  private readonly tally: Database.Statement;
  private readonly charge: Database.Statement;
  private readonly blobRef: Database.Statement;
  private readonly blobInsert: Database.Statement;
  private readonly textPending: Database.Statement;
  private readonly message: Database.Statement;
  private readonly change: Database.Statement;

  constructor(db: Database.Database) {
    this.tally = db.prepare(
      `UPDATE mailboxes SET highest_modseq = highest_modseq + 1, uid_next = uid_next + ?, messages = messages + ?,
         unseen = unseen + ?, deleted = deleted + ?, size = size + ?
       WHERE id = ? AND account_id = ? RETURNING highest_modseq, uid_next, uid_validity`,
    );
    this.charge = db.prepare(
      `UPDATE accounts SET used_bytes = used_bytes + ?, message_count = message_count + ?, change_seq = change_seq + 1
       WHERE id = ? RETURNING change_seq, quota_bytes, used_bytes`,
    );
    this.blobRef = db.prepare(`UPDATE blobs SET refcount = refcount + 1 WHERE hash = ? RETURNING rowid`);
    this.blobInsert = db.prepare(
      `INSERT INTO blobs (hash, size, refcount, data, index_json, created_at, crlf_size) VALUES (?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (hash) DO UPDATE SET refcount = blobs.refcount + 1 RETURNING rowid, refcount`,
    );
    this.textPending = db.prepare(`INSERT INTO blob_text_pending (rowid) VALUES (?)`);
    this.message = db.prepare(
      `INSERT INTO messages (account_id, mailbox_id, uid, modseq, sysflags, keywords, internal_date, saved_at, size,
         blob_hash, blob_id, email_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.change = db.prepare(
      `INSERT INTO change_log (account_id, seq, mailbox_id, modseq, kind, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** applyTally for an append: counts the new messages in, allocates `count` UIDs, bumps MODSEQ. */
  addToMailbox(
    accountId: number,
    mailboxId: number,
    t: { messages: number; unseen: number; deleted: number; size: number },
    count: number,
  ): { modseq: number; firstUid: number; uidValidity: number } {
    const row = this.tally.get(count, t.messages, t.unseen, t.deleted, t.size, mailboxId, accountId) as
      | { highest_modseq: number; uid_next: number; uid_validity: number }
      | undefined;
    if (!row) throw new PkError('PK_ERR_MAILBOX_NOT_FOUND', `no mailbox with id ${mailboxId}`);
    return { modseq: Number(row.highest_modseq), firstUid: Number(row.uid_next) - count, uidValidity: Number(row.uid_validity) };
  }

  /** chargeAccount for an append: bytes and messages in, the quota checked, a change seq taken. */
  chargeAccount(accountId: number, bytes: number, messages: number): number {
    const row = this.charge.get(bytes, messages, accountId) as
      | { change_seq: number; quota_bytes: number; used_bytes: number }
      | undefined;
    if (!row) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `no account with id ${accountId}`);
    const quota = Number(row.quota_bytes);
    if (bytes > 0 && quota > 0 && Number(row.used_bytes) > quota) {
      throw new PkError('PK_ERR_OVER_QUOTA', 'mailbox is full (quota exceeded)');
    }
    return Number(row.change_seq);
  }

  /** One more reference on a stored blob; its rowid, or null when the blob is gone. */
  referenceKnownBlob(hash: string): number | null {
    const row = this.blobRef.get(hash) as { rowid: number } | undefined;
    return row ? Number(row.rowid) : null;
  }

  /**
   * Stores a blob's row (or takes a reference when a concurrent first copy stored it within this
   * batch); a blob stored here for the first time is queued for the full-text index.
   */
  insertBlob(b: { hash: string; size: number; data: Buffer | null; indexJson: string; createdAt: number; crlfSize: number }): {
    rowid: number;
    fresh: boolean;
  } {
    const row = this.blobInsert.get(b.hash, b.size, b.data, b.indexJson, b.createdAt, b.crlfSize) as { rowid: number; refcount: number };
    const rowid = Number(row.rowid);
    if (Number(row.refcount) > 1) return { rowid, fresh: false };
    this.textPending.run(rowid);
    return { rowid, fresh: true };
  }

  /** The message row (its columns by name); returns its id. */
  insertMessage(m: {
    account_id: number;
    mailbox_id: number;
    uid: number;
    modseq: number;
    sysflags: number;
    keywords: string | null;
    internal_date: number;
    saved_at: number;
    size: number;
    blob_hash: string;
    blob_id: number;
    email_id: string;
  }): number {
    const row = this.message.get(
      m.account_id,
      m.mailbox_id,
      m.uid,
      m.modseq,
      m.sysflags,
      m.keywords,
      m.internal_date,
      m.saved_at,
      m.size,
      m.blob_hash,
      m.blob_id,
      m.email_id,
    ) as { id: number };
    return Number(row.id);
  }

  insertChange(c: { accountId: number; seq: number; mailboxId: number; modseq: number; kind: string; data: string; createdAt: number }): void {
    this.change.run(c.accountId, c.seq, c.mailboxId, c.modseq, c.kind, c.data, c.createdAt);
  }
}
