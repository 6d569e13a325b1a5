/**
 * POP3's part of the store: the maildrop lock, the maildrop listing (with each message's CRLF
 * size and download-once marker) and the UPDATE state, applied in one transaction so that a
 * QUIT either does everything the session asked for or nothing.
 */
import { sql, type Selectable } from 'kysely';
import { crlfLength } from '../../mime/crlf.ts';
import { FLAG_SEEN, flagList } from '../flags.ts';
import type {
  PopAction,
  PopDownloadRecord,
  PopLock,
  PopMaildropQuery,
  PopMessage,
  PopStore,
  PopUpdateItem,
} from '../ports.ts';
import { recordChange } from './change-log.ts';
import type { SqlContext } from './context.ts';
import { copyInTx } from './message-moves.ts';
import { removeMessageRows } from './message-removal.ts';
import { applyTally, chunks } from './message-rows.ts';
import type { MessagesTable } from './tables.ts';
import type { WriteTx } from './write-queue.ts';

/** Sessions per account kept in the download history. */
const HISTORY = 100;

interface MaildropRow {
  id: number;
  mailbox_id: number;
  uid: number;
  internal_date: number;
  blob_hash: string;
  pop_downloaded: number;
  crlf_size: number | null;
}

type Row = Selectable<MessagesTable>;

export class SqlPop implements PopStore {
  /**
   * Accounts whose maildrop a session holds. One process owns an SQLite data dir, so an
   * in-process set is the lock; the PostgreSQL store passes advisory locks (ctx.popLocks).
   */
  private readonly held = new Set<number>();

  constructor(private readonly ctx: SqlContext) {}

  lock(accountId: number): Promise<PopLock | null> {
    if (this.ctx.popLocks) return this.ctx.popLocks.lock(accountId);
    if (this.held.has(accountId)) return Promise.resolve(null);
    this.held.add(accountId);
    let released = false;
    return Promise.resolve({
      // One process owns the data dir: the lock lasts as long as the session holds it.
      verify: (): Promise<void> => Promise.resolve(),
      release: (): Promise<void> => {
        if (!released) {
          released = true;
          this.held.delete(accountId);
        }
        return Promise.resolve();
      },
    });
  }

  async maildrop(accountId: number, query: PopMaildropQuery): Promise<PopMessage[]> {
    if (query.mailboxIds.length === 0) return [];
    const ids = sql.join(query.mailboxIds.map((id) => sql`${id}`));
    const order = query.mailboxIds.length === 1 ? sql`m.uid` : sql`m.internal_date, m.id`;
    const { rows } = await sql<MaildropRow>`
      SELECT m.id, m.mailbox_id, m.uid, m.internal_date, m.blob_hash, m.pop_downloaded, b.crlf_size
      FROM messages m JOIN blobs b ON b.rowid = m.blob_id
      WHERE m.account_id = ${accountId} AND m.mailbox_id IN (${ids})
        ${query.notDownloaded ? sql`AND m.pop_downloaded = 0` : sql``}
        ${query.since !== undefined ? sql`AND m.internal_date >= ${query.since}` : sql``}
      ORDER BY ${order}`.execute(this.ctx.db);
    const missing = rows.filter((r) => r.crlf_size === null);
    if (missing.length > 0) await this.fillCrlfSizes(missing);
    return rows.map((r) => ({
      id: r.id,
      mailboxId: r.mailbox_id,
      uid: r.uid,
      size: Number(r.crlf_size),
      blobHash: r.blob_hash,
      internalDate: Number(r.internal_date),
      downloaded: r.pop_downloaded !== 0,
    }));
  }

  update(
    accountId: number,
    items: readonly PopUpdateItem[],
    record: Omit<PopDownloadRecord, 'at'>,
  ): Promise<{ applied: number; skipped: number }> {
    const now = this.ctx.clock.now();
    return this.ctx.writes.run(async (tx) => {
      const rows = await rowsById(tx, accountId, items.map((i) => i.id));
      const live = items.filter((i) => rows.get(i.id)?.mailbox_id === i.mailboxId);
      const downloaded = live.filter((i) => i.markDownloaded).map((i) => i.id);
      for (const part of chunks(downloaded)) {
        await tx.db.updateTable('messages').set({ pop_downloaded: 1 }).where('id', 'in', part).execute();
      }
      const roles = await roleMailboxes(tx, accountId);
      const bySource = new Map<number, PopUpdateItem[]>();
      for (const item of live) {
        if (item.action === 'keep') continue;
        const group = bySource.get(item.mailboxId) ?? [];
        group.push(item);
        bySource.set(item.mailboxId, group);
      }
      for (const [mailboxId, group] of bySource) {
        const plan = planGroup(mailboxId, group, roles);
        const pick = (ids: readonly number[]): Row[] => ids.map((id) => rows.get(id)!);
        await markSeen(tx, accountId, mailboxId, pick(plan.markRead), now);
        for (const [target, ids] of plan.moves) {
          await copyInTx(this.ctx, tx, accountId, mailboxId, pick(ids).map((r) => r.uid), target, 'move');
        }
        await removeMessageRows(this.ctx, tx, accountId, mailboxId, pick(plan.remove), now);
      }
      await tx.db
        .insertInto('pop_downloads')
        .values({ account_id: accountId, at: now, remote_address: record.remoteAddress, retrieved: record.retrieved, deleted: record.deleted })
        .execute();
      await sql`DELETE FROM pop_downloads WHERE account_id = ${accountId} AND rowid NOT IN
        (SELECT rowid FROM pop_downloads WHERE account_id = ${accountId} ORDER BY at DESC, rowid DESC LIMIT ${HISTORY})`.execute(tx.db);
      return { applied: live.length, skipped: items.length - live.length };
    });
  }

  async recentDownloads(accountId: number, limit: number): Promise<PopDownloadRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('pop_downloads')
      .select(['at', 'remote_address', 'retrieved', 'deleted'])
      .where('account_id', '=', accountId)
      .orderBy('at', 'desc')
      .orderBy(sql`rowid`, 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      at: Number(r.at),
      remoteAddress: r.remote_address,
      retrieved: Number(r.retrieved),
      deleted: Number(r.deleted),
    }));
  }

  /** Blobs stored before schema v3 have no CRLF size yet: compute it once from their bytes. */
  private async fillCrlfSizes(rows: MaildropRow[]): Promise<void> {
    const sizes = new Map<string, number>();
    for (const r of rows) {
      if (!sizes.has(r.blob_hash)) {
        const raw = await (await this.messagesOpen(r.blob_hash)).read();
        sizes.set(r.blob_hash, crlfLength(raw));
      }
      r.crlf_size = sizes.get(r.blob_hash)!;
    }
    await this.ctx.writes.run(async (tx) => {
      for (const [hash, size] of sizes) {
        await tx.db.updateTable('blobs').set({ crlf_size: size }).where('hash', '=', hash).execute();
      }
    });
  }

  private async messagesOpen(hash: string): Promise<{ read(): Promise<Buffer> }> {
    const row = await this.ctx.db.selectFrom('blobs').select(['size', 'data']).where('hash', '=', hash).executeTakeFirstOrThrow();
    return row.data ? { read: () => Promise.resolve(row.data!) } : this.ctx.blobFiles.reader(hash, Number(row.size));
  }
}

async function rowsById(tx: WriteTx, accountId: number, ids: readonly number[]): Promise<Map<number, Row>> {
  const out = new Map<number, Row>();
  for (const part of chunks([...new Set(ids)])) {
    const rows = await tx.db.selectFrom('messages').selectAll().where('account_id', '=', accountId).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

async function roleMailboxes(tx: WriteTx, accountId: number): Promise<{ trash: number | null; archive: number | null }> {
  const rows = await tx.db
    .selectFrom('mailboxes')
    .select(['id', 'role'])
    .where('account_id', '=', accountId)
    .where('role', 'in', ['trash', 'archive'])
    .execute();
  return {
    trash: rows.find((r) => r.role === 'trash')?.id ?? null,
    archive: rows.find((r) => r.role === 'archive')?.id ?? null,
  };
}

interface GroupPlan {
  markRead: number[];
  /** Target mailbox id → message ids. */
  moves: Map<number, number[]>;
  remove: number[];
}

/**
 * What each action means for messages of one mailbox. Moving to Trash from Trash deletes for
 * good (as an expunge inside Trash does); archiving what is in Archive leaves it. Without a
 * Trash mailbox `trash` deletes; without an Archive `archive` keeps.
 */
function planGroup(
  mailboxId: number,
  items: readonly PopUpdateItem[],
  roles: { trash: number | null; archive: number | null },
): GroupPlan {
  const plan: GroupPlan = { markRead: [], moves: new Map(), remove: [] };
  const move = (target: number, id: number): void => {
    const list = plan.moves.get(target) ?? [];
    list.push(id);
    plan.moves.set(target, list);
  };
  const act: Record<Exclude<PopAction, 'keep'>, (id: number) => void> = {
    'mark-read': (id) => plan.markRead.push(id),
    delete: (id) => plan.remove.push(id),
    trash: (id) => (roles.trash === null || roles.trash === mailboxId ? plan.remove.push(id) : move(roles.trash, id)),
    archive: (id) => {
      if (roles.archive !== null && roles.archive !== mailboxId) move(roles.archive, id);
    },
  };
  for (const item of items) if (item.action !== 'keep') act[item.action](item.id);
  return plan;
}

/** Sets \Seen on the rows that lack it, as one flags change. */
async function markSeen(tx: WriteTx, accountId: number, mailboxId: number, rows: readonly Row[], now: number): Promise<void> {
  const unseen = rows.filter((r) => !(r.sysflags & FLAG_SEEN)).sort((a, b) => a.uid - b.uid);
  if (unseen.length === 0) return;
  const delta = { messages: 0, size: 0, unseen: -unseen.length, deleted: 0 };
  const { modseq } = await applyTally(tx, accountId, mailboxId, delta, 1);
  for (const part of chunks(unseen.map((r) => r.id))) {
    await tx.db
      .updateTable('messages')
      .set((eb) => ({ sysflags: sql<number>`${eb.ref('sysflags')} | ${FLAG_SEEN}`, modseq }))
      .where('id', 'in', part)
      .execute();
  }
  const messages = unseen.map((r) => ({ uid: r.uid, flags: flagList(r.sysflags | FLAG_SEEN, r.keywords) }));
  await recordChange(tx, accountId, { kind: 'flags', mailboxId, modseq, messages }, now);
}
