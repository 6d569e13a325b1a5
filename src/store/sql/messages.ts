import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { PkError } from '../../core/errors.ts';
import { LIMITS } from '../../core/limits.ts';
import { searchTextOf, storeIndexOf } from '../../mime/index-pool.ts';
import { submissionIdentity } from '../../mime/submission-identity.ts';
import type { MessageIndex, SearchText } from '../../mime/types.ts';
import { searchText } from './text-index.ts';
import { bufferReader } from '../blobs/memory-blob.ts';
import { FLAG_DELETED, applyFlags, flagList, keywordsFromColumn, keywordsToColumn, parseFlags, sameFlags } from '../flags.ts';
import type {
  AppendInput,
  AppendResult,
  BlobReader,
  CopyResult,
  MessagePage,
  MessageStore,
  MessageSummary,
  PageCursor,
  StoreFlagsInput,
  StoreFlagsResult,
  TextField,
} from '../ports.ts';
import type { MessageFlagsRow, MessageMeta } from '../types.ts';
import { recordChange } from './change-log.ts';
import type { SqlContext } from './context.ts';
import { copyInTx } from './message-moves.ts';
import { messagePage, messageSummaries } from './message-pages.ts';
import { removeMessageRows } from './message-removal.ts';
import { claimSubmittedCopy, rememberSubmittedCopy } from './submitted-copies.ts';
import {
  applyTally,
  chargeAccount,
  chunks,
  ownedMailbox,
  selectMessages,
  tally,
} from './message-rows.ts';
import { listFlagRows, toMessage } from './rows.ts';
import type { MessagesTable } from './tables.ts';
import type { WriteTx } from './write-queue.ts';

/** Blob rowid hints kept for openMany (about 5 MB at most; the map starts over when full). */
const BLOB_ID_HINTS = 50_000;

/** A new blob's stored index. */
interface PreparedBlob {
  readonly indexJson: string;
  /** Octets of the CRLF form (POP3 sizes). */
  readonly crlfSize: number;
}

/**
 * EMAILIDs (RFC 8474: 1-255 of [A-Za-z0-9_-], unique, kept by copies): a random prefix per
 * process and a counter, so that ids from the server and the CLI never collide and no random
 * bytes are drawn per message.
 */
const EMAIL_ID_PREFIX = 'M' + randomBytes(9).toString('base64url');
let emailIdCounter = 0;
function nextEmailId(): string {
  return `${EMAIL_ID_PREFIX}${(emailIdCounter++).toString(36)}`;
}

interface PreparedMessage {
  readonly raw: Buffer;
  readonly flags: ReturnType<typeof parseFlags>;
  readonly hash: string;
  /** The MIME index to store when this is the blob's first copy; null when the blob is known. */
  readonly blob: PreparedBlob | null;
  readonly internalDate: number;
  readonly emailId: string;
  /** submissionIdentity(), when the input is or may match a copy filed at submission. */
  readonly identity: string | null;
  readonly submitted: boolean;
  readonly matchWithinMs: number | null;
}

export class SqlMessages implements MessageStore {
  /**
   * Blob rowids of the hashes `list()` returned lately (messages.blob_id), so that `openMany()`
   * (FETCH of bodies, right after a list) finds blobs by rowid, in append order, rather than by
   * random seeks into the hash index: about a quarter less time for 20,000 bodies of a 100,000-
   * message store. Only a hint: every row found by rowid is checked against its hash (a blob
   * deleted and stored again has a new rowid); hashes without a valid hint go by hash as before.
   */
  private readonly blobIds = new Map<string, number>();

  /**
   * Appends queue their write op in call order, whatever order their preparation (database
   * look-ups, MIME indexing) finishes in: concurrent appends get UIDs in the order they were made.
   */
  private appendTurn: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: SqlContext) {}

  async append(accountId: number, mailboxId: number, input: AppendInput): Promise<AppendResult> {
    const [result] = await this.appendMany(accountId, mailboxId, [input]);
    return result!;
  }

  async appendMany(accountId: number, mailboxId: number, inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    const turn = this.appendTurn;
    let done = (): void => undefined;
    this.appendTurn = new Promise<void>((r) => (done = r));
    let queued: Promise<AppendResult[]>;
    try {
      const write = await this.prepareAppend(accountId, mailboxId, inputs);
      await turn;
      // run() queues the op synchronously; the next append may queue its own right after.
      queued = write();
    } finally {
      done();
    }
    return queued;
  }

  /** Does the CPU and look-up work of an append; returns the function that queues its write. */
  private async prepareAppend(
    accountId: number,
    mailboxId: number,
    inputs: readonly AppendInput[],
  ): Promise<() => Promise<AppendResult[]>> {
    const now = this.ctx.clock.now();
    // CPU and file work happen before the write op, so a batch holds the database only for SQL.
    const prepared: PreparedMessage[] = [];
    for (const input of inputs) {
      const raw = Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength);
      if (raw.length > LIMITS.messageBytes) {
        throw new PkError('PK_ERR_TOO_BIG', `message of ${raw.length} bytes exceeds the limit of ${LIMITS.messageBytes}`);
      }
      const flags = parseFlags(input.flags ?? []);
      const hash = createHash('sha256').update(raw).digest('hex');
      const blob = (await this.blobKnown(hash)) ? null : await this.prepareBlob(hash, raw);
      const submitted = input.submitted === true;
      const matchWithinMs = input.matchSubmitted?.withinMs ?? null;
      prepared.push({
        raw,
        flags,
        hash,
        blob,
        internalDate: input.internalDate ?? now,
        emailId: nextEmailId(),
        identity: submitted || matchWithinMs !== null ? submissionIdentity(raw) : null,
        submitted,
        matchWithinMs,
      });
    }
    if (prepared.length === 0) return () => Promise.resolve([]);
    return () => this.ctx.writes.run(async (tx) => {
      // The client's own APPEND of a message the server already filed at submission: that one.
      const found = new Map<PreparedMessage, AppendResult>();
      for (const p of prepared) {
        if (p.identity === null || p.matchWithinMs === null) continue;
        const dup = await claimSubmittedCopy(tx, accountId, mailboxId, p.identity, now - p.matchWithinMs);
        if (dup) found.set(p, dup);
      }
      const fresh = prepared.filter((p) => !found.has(p));
      if (fresh.length > 0) await this.insertPrepared(tx, accountId, mailboxId, fresh, now, found);
      return prepared.map((p) => found.get(p)!);
    });
  }

  /** Stores prepared messages (results go into `out`), as one `new` change. */
  private async insertPrepared(
    tx: WriteTx,
    accountId: number,
    mailboxId: number,
    prepared: readonly PreparedMessage[],
    now: number,
    out: Map<PreparedMessage, AppendResult>,
  ): Promise<void> {
    const total = prepared.reduce((n, p) => n + p.raw.length, 0);
    const t = tally(prepared.map((p) => ({ sysflags: p.flags.bits, size: p.raw.length })));
    // SQLite: the same statements, prepared once (sqlite-append.ts).
    const fast = this.ctx.appendStatements;
    const alloc = fast
      ? fast.addToMailbox(accountId, mailboxId, t, prepared.length)
      : await applyTally(tx, accountId, mailboxId, t, 1, prepared.length);
    const seq = fast ? fast.chargeAccount(accountId, total, prepared.length) : await chargeAccount(tx, accountId, total, prepared.length);
    const news = [];
    let uid = alloc.firstUid;
    for (const p of prepared) {
      const blobId = await this.referenceBlob(tx, p.hash, p.raw, p.blob, now);
      const keywords = keywordsToColumn(p.flags.keywords);
      const values = {
        account_id: accountId,
        mailbox_id: mailboxId,
        uid,
        modseq: alloc.modseq,
        sysflags: p.flags.bits,
        keywords,
        internal_date: p.internalDate,
        saved_at: now,
        size: p.raw.length,
        blob_hash: p.hash,
        blob_id: blobId,
        email_id: p.emailId,
      };
      const id = fast
        ? fast.insertMessage(values)
        : (await tx.db.insertInto('messages').values(values).returning('id').executeTakeFirstOrThrow()).id;
      news.push({ id, uid, flags: flagList(p.flags.bits, keywords), size: p.raw.length, internalDate: p.internalDate });
      out.set(p, { id, uid, uidValidity: alloc.uidValidity, modseq: alloc.modseq, size: p.raw.length });
      if (p.submitted && p.identity !== null) await rememberSubmittedCopy(tx, accountId, p.identity, id, now);
      uid++;
    }
    await recordChange(tx, accountId, { kind: 'new', mailboxId, modseq: alloc.modseq, messages: news }, now, seq, fast);
  }

  listFlags(mailboxId: number): Promise<MessageFlagsRow[]> {
    return listFlagRows(this.ctx.db, mailboxId);
  }

  async list(mailboxId: number, uids?: readonly number[]): Promise<MessageMeta[]> {
    if (!uids) {
      const rows = await this.ctx.db.selectFrom('messages').selectAll().where('mailbox_id', '=', mailboxId).orderBy('uid').execute();
      return rows.map((r) => this.listed(r));
    }
    const out: MessageMeta[] = [];
    for (const part of chunks([...new Set(uids)])) {
      const rows = await this.ctx.db
        .selectFrom('messages')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('uid', 'in', part)
        .execute();
      for (const r of rows) out.push(this.listed(r));
    }
    return out.sort((a, b) => a.uid - b.uid);
  }

  /** A listed row as MessageMeta; notes its blob's rowid for openMany. */
  private listed(r: Selectable<MessagesTable>): MessageMeta {
    if (this.blobIds.size >= BLOB_ID_HINTS) this.blobIds.clear();
    this.blobIds.set(r.blob_hash, r.blob_id);
    return toMessage(r);
  }

  page(mailboxId: number, opts: { readonly limit: number; readonly before?: PageCursor }): Promise<MessagePage> {
    return messagePage(this.ctx.db, mailboxId, opts);
  }

  summaries(mailboxId: number, uids: readonly number[]): Promise<MessageSummary[]> {
    return messageSummaries(this.ctx.db, mailboxId, uids);
  }

  async get(mailboxId: number, uid: number): Promise<MessageMeta | null> {
    const row = await this.ctx.db
      .selectFrom('messages')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .where('uid', '=', uid)
      .executeTakeFirst();
    return row ? toMessage(row) : null;
  }

  async index(blobHash: string): Promise<MessageIndex | null> {
    const row = await this.ctx.db.selectFrom('blobs').select('index_json').where('hash', '=', blobHash).executeTakeFirst();
    return row ? (JSON.parse(row.index_json) as MessageIndex) : null;
  }

  async open(blobHash: string): Promise<BlobReader> {
    const row = await this.ctx.db.selectFrom('blobs').select(['size', 'data']).where('hash', '=', blobHash).executeTakeFirst();
    if (!row) throw new PkError('PK_ERR_MESSAGE_NOT_FOUND', `no stored message ${blobHash}`);
    return row.data ? bufferReader(row.data) : this.ctx.blobFiles.reader(blobHash, Number(row.size));
  }

  async openMany(blobHashes: readonly string[]): Promise<Map<string, BlobReader>> {
    const out = new Map<string, BlobReader>();
    const add = (r: { hash: string; size: number | bigint; data: Buffer | null }): void => {
      out.set(r.hash, r.data ? bufferReader(r.data) : this.ctx.blobFiles.reader(r.hash, Number(r.size)));
    };
    const byHash: string[] = [];
    const byId = new Map<number, string>();
    for (const hash of new Set(blobHashes)) {
      const id = this.blobIds.get(hash);
      if (id === undefined || byId.has(id)) byHash.push(hash);
      else byId.set(id, hash);
    }
    for (const part of chunks([...byId.keys()])) {
      const rows = await this.ctx.db
        .selectFrom('blobs')
        .select([sql<number>`rowid`.as('id'), 'hash', 'size', 'data'])
        .where(sql<number>`rowid`, 'in', part)
        .execute();
      for (const r of rows) {
        if (byId.get(r.id) !== r.hash) continue;
        byId.delete(r.id);
        add(r);
      }
    }
    // Hashes without a (valid) rowid hint.
    byHash.push(...byId.values());
    for (const part of chunks(byHash)) {
      const rows = await this.ctx.db.selectFrom('blobs').select(['hash', 'size', 'data']).where('hash', 'in', part).execute();
      for (const r of rows) add(r);
    }
    return out;
  }

  async storeFlags(accountId: number, mailboxId: number, input: StoreFlagsInput): Promise<StoreFlagsResult> {
    const change = parseFlags(input.flags);
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(async (tx) => {
      await ownedMailbox(tx, accountId, mailboxId);
      const rows = await selectMessages(tx, mailboxId, input.uids);
      const conflicts: number[] = [];
      const updates: { id: number; uid: number; bits: number; keywords: string | null; oldBits: number }[] = [];
      for (const r of rows) {
        if (input.unchangedSince !== undefined && Number(r.modseq) > input.unchangedSince) {
          conflicts.push(r.uid);
          continue;
        }
        const current = { bits: r.sysflags, keywords: keywordsFromColumn(r.keywords) };
        const next = applyFlags(input.mode, current, change);
        if (sameFlags(current, next)) continue;
        updates.push({ id: r.id, uid: r.uid, bits: next.bits, keywords: keywordsToColumn(next.keywords), oldBits: r.sysflags });
      }
      if (updates.length === 0) {
        const mb = await tx.db.selectFrom('mailboxes').select('highest_modseq').where('id', '=', mailboxId).executeTakeFirstOrThrow();
        return { modseq: Number(mb.highest_modseq), changed: [], conflicts };
      }
      const before = tally(updates.map((u) => ({ sysflags: u.oldBits, size: 0 })));
      const after = tally(updates.map((u) => ({ sysflags: u.bits, size: 0 })));
      const delta = { messages: 0, size: 0, unseen: after.unseen - before.unseen, deleted: after.deleted - before.deleted };
      const { modseq } = await applyTally(tx, accountId, mailboxId, delta, 1);
      for (const u of updates) {
        await tx.db.updateTable('messages').set({ sysflags: u.bits, keywords: u.keywords, modseq }).where('id', '=', u.id).execute();
      }
      const changed = updates.map((u) => ({ uid: u.uid, flags: flagList(u.bits, u.keywords) }));
      await recordChange(tx, accountId, { kind: 'flags', mailboxId, modseq, messages: changed }, now);
      return { modseq, changed, conflicts };
    });
  }

  copy(accountId: number, fromMailboxId: number, uids: readonly number[], toMailboxId: number): Promise<CopyResult> {
    return this.ctx.writes.run((tx) => copyInTx(this.ctx, tx, accountId, fromMailboxId, uids, toMailboxId, 'copy'));
  }

  move(accountId: number, fromMailboxId: number, uids: readonly number[], toMailboxId: number): Promise<CopyResult> {
    return this.ctx.writes.run((tx) => copyInTx(this.ctx, tx, accountId, fromMailboxId, uids, toMailboxId, 'move'));
  }

  async expunge(accountId: number, mailboxId: number, uids?: readonly number[]): Promise<number[]> {
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(async (tx) => {
      await ownedMailbox(tx, accountId, mailboxId);
      const rows = uids
        ? (await selectMessages(tx, mailboxId, uids)).filter((r) => r.sysflags & FLAG_DELETED)
        : await tx.db
            .selectFrom('messages')
            .selectAll()
            .where('mailbox_id', '=', mailboxId)
            .where(sql<number>`sysflags & ${FLAG_DELETED}`, '!=', 0)
            .orderBy('uid')
            .execute();
      return removeMessageRows(this.ctx, tx, accountId, mailboxId, rows, now);
    });
  }

  async searchText(mailboxId: number, fields: readonly TextField[], needle: string): Promise<number[]> {
    if (needle.length === 0 || fields.length === 0) return (await this.listFlags(mailboxId)).map((r) => r.uid);
    return searchText(this.ctx.db, (hash) => this.textOf(hash), mailboxId, fields, needle, this.ctx.dialect);
  }

  /** The decoded search text of a stored message, derived from its bytes. */
  async textOf(hash: string): Promise<SearchText> {
    const raw = await (await this.open(hash)).read();
    return searchTextOf(raw);
  }

  private async blobKnown(hash: string): Promise<boolean> {
    const direct = this.ctx.directReads?.();
    if (direct) return direct.get('SELECT hash FROM blobs WHERE hash = ?', hash) !== undefined;
    const row = await this.ctx.db.selectFrom('blobs').select('hash').where('hash', '=', hash).executeTakeFirst();
    return row !== undefined;
  }

  private async prepareBlob(hash: string, raw: Buffer): Promise<PreparedBlob> {
    // Parsed on the worker pool (mime/index-pool.ts) while the event loop serves others.
    const blob = await storeIndexOf(raw, hash);
    if (raw.length > this.ctx.inlineLimit) await this.ctx.blobFiles.writeDurable(hash, raw);
    return blob;
  }

  /** Takes a reference on the blob (creating its row for a first copy); returns its rowid. */
  private async referenceBlob(tx: WriteTx, hash: string, raw: Buffer, prepared: PreparedBlob | null, now: number): Promise<number> {
    const fast = this.ctx.appendStatements;
    if (!prepared) {
      if (fast) {
        const rowid = fast.referenceKnownBlob(hash);
        if (rowid !== null) return rowid;
      } else {
        const known = await tx.db
          .updateTable('blobs')
          .set((eb) => ({ refcount: eb('refcount', '+', 1) }))
          .where('hash', '=', hash)
          .returning(sql<number>`rowid`.as('rowid'))
          .executeTakeFirst();
        if (known) return Number(known.rowid);
      }
    }
    // New bytes (prepared before the op), or known bytes whose last reference went meanwhile (rare).
    const blob = prepared ?? (await this.prepareBlob(hash, raw));
    // Idempotent; also guards against the file having been swept with an earlier last reference.
    if (raw.length > this.ctx.inlineLimit) await this.ctx.blobFiles.writeDurable(hash, raw);
    const data = raw.length > this.ctx.inlineLimit ? null : raw;
    if (fast) {
      const { rowid, fresh } = fast.insertBlob({ hash, size: raw.length, data, indexJson: blob.indexJson, createdAt: now, crlfSize: blob.crlfSize });
      if (fresh) tx.afterCommit(() => this.ctx.textIndexer?.schedule());
      return rowid;
    }
    const row = await tx.db
      .insertInto('blobs')
      .values({
        hash,
        size: raw.length,
        refcount: 1,
        data,
        index_json: blob.indexJson,
        created_at: now,
        crlf_size: blob.crlfSize,
      })
      // A concurrent first copy of the same bytes may have inserted it within this batch.
      .onConflict((oc) => oc.column('hash').doUpdateSet((eb) => ({ refcount: eb('blobs.refcount', '+', 1) })))
      .returning([sql<number>`rowid`.as('rowid'), 'refcount'])
      .executeTakeFirstOrThrow();
    if (Number(row.refcount) > 1) return Number(row.rowid);
    // The text goes into the full-text index later, off the append path (fts-indexer.ts).
    await tx.db.insertInto('blob_text_pending').values({ rowid: Number(row.rowid) }).execute();
    tx.afterCommit(() => this.ctx.textIndexer?.schedule());
    return Number(row.rowid);
  }
}
