/**
 * The outbound queue over SQL. A claim is a lease (owner, until) taken inside one write
 * transaction: in SQLite the write lock makes select-then-update atomic; PostgreSQL will take
 * the same rows with SELECT ... FOR UPDATE SKIP LOCKED. Bytes up to the inline limit live in the
 * row; larger messages as content-addressed files under `<data>/queue/`, written durably before
 * the row that names them commits (the same order as message blobs).
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { dirname, join } from 'node:path';
import { PkError } from '../../core/errors.ts';
import { LIMITS } from '../../core/limits.ts';
import { BlobFiles } from '../blobs/blob-files.ts';
import { bufferReader } from '../blobs/memory-blob.ts';
import type {
  BlobReader,
  QueueAttemptResult,
  QueueDsn,
  QueueEnqueueInput,
  QueueItem,
  QueueRecipient,
  QueueRecipientStatus,
  QueueStore,
} from '../ports.ts';
import type { SqlContext } from './context.ts';
import type { QueueRecipientsTable, QueueTable } from './tables.ts';
import type { WriteTx } from './write-queue.ts';

type QueueRow = Omit<QueueTable, 'data' | 'id' | 'attempts' | 'delay_notified'> & {
  id: number;
  attempts: number;
  delay_notified: number;
};

const COLUMNS = [
  'id',
  'sender',
  'account_id',
  'size',
  'hash',
  'dsn_json',
  'created_at',
  'next_attempt_at',
  'attempts',
  'delay_notified',
  'last_error',
  'lease_owner',
  'lease_until',
] as const;

const STATUSES: readonly QueueRecipientStatus[] = ['pending', 'delivered', 'failed'];

function toStatus(s: string): QueueRecipientStatus {
  return (STATUSES as readonly string[]).includes(s) ? (s as QueueRecipientStatus) : 'pending';
}

function toItem(row: QueueRow, recipients: readonly QueueRecipientsTable[]): QueueItem {
  const leaseUntil = row.lease_until === null ? null : Number(row.lease_until);
  return {
    id: Number(row.id),
    sender: row.sender,
    accountId: row.account_id === null ? null : Number(row.account_id),
    size: Number(row.size),
    dsn: row.dsn_json ? (JSON.parse(row.dsn_json) as QueueDsn) : null,
    createdAt: Number(row.created_at),
    nextAttemptAt: Number(row.next_attempt_at),
    attempts: Number(row.attempts),
    delayNotified: Number(row.delay_notified) === 1,
    lastError: row.last_error,
    lease: row.lease_owner !== null && leaseUntil !== null ? { owner: row.lease_owner, until: leaseUntil } : null,
    recipients: recipients.map(
      (r): QueueRecipient => ({
        address: r.address,
        status: toStatus(r.status),
        reply: r.reply,
        updatedAt: r.updated_at === null ? null : Number(r.updated_at),
      }),
    ),
  };
}

export class SqlQueue implements QueueStore {
  private readonly files: BlobFiles;

  constructor(private readonly ctx: SqlContext) {
    this.files = new BlobFiles(join(dirname(ctx.blobFiles.root), 'queue'));
  }

  async enqueue(input: QueueEnqueueInput): Promise<QueueItem> {
    const raw = Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength);
    if (raw.length > LIMITS.messageBytes) {
      throw new PkError('PK_ERR_TOO_BIG', `message of ${raw.length} bytes exceeds the limit of ${LIMITS.messageBytes}`);
    }
    const recipients = [...new Set(input.recipients.map((r) => r.trim()).filter((r) => r.length > 0))];
    if (recipients.length === 0) throw new PkError('PK_ERR_INVALID_ADDRESS', 'a queued message needs at least one recipient');
    // Each large item gets its own file (content hash plus a random tag), so deleting one item
    // never races with another item of the same bytes.
    const hash = `${createHash('sha256').update(raw).digest('hex')}-${randomBytes(4).toString('hex')}`;
    const inline = raw.length <= this.ctx.inlineLimit;
    if (!inline) await this.files.writeDurable(hash, raw);
    const now = this.ctx.clock.now();
    const id = await this.ctx.writes.run(async (tx) => {
      const row = await tx.db
        .insertInto('queue')
        .values({
          sender: input.sender,
          account_id: input.accountId ?? null,
          size: raw.length,
          hash,
          data: inline ? raw : null,
          dsn_json: input.dsn ? JSON.stringify(input.dsn) : null,
          created_at: now,
          next_attempt_at: input.nextAttemptAt ?? now,
          last_error: null,
          lease_owner: null,
          lease_until: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const queueId = Number(row.id);
      await tx.db
        .insertInto('queue_recipients')
        .values(recipients.map((address) => ({ queue_id: queueId, address, status: 'pending', reply: null, updated_at: null })))
        .execute();
      return queueId;
    });
    return (await this.get(id))!;
  }

  async get(id: number): Promise<QueueItem | null> {
    const row = await this.ctx.db.selectFrom('queue').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const recipients = await this.ctx.db
      .selectFrom('queue_recipients')
      .selectAll()
      .where('queue_id', '=', id)
      .orderBy('address')
      .execute();
    return toItem(row, recipients);
  }

  async list(): Promise<QueueItem[]> {
    const rows = await this.ctx.db.selectFrom('queue').select(COLUMNS).orderBy('created_at').orderBy('id').execute();
    const recipients = await this.ctx.db.selectFrom('queue_recipients').selectAll().orderBy('address').execute();
    const byItem = new Map<number, QueueRecipientsTable[]>();
    for (const r of recipients) {
      const list = byItem.get(Number(r.queue_id)) ?? [];
      list.push(r);
      byItem.set(Number(r.queue_id), list);
    }
    return rows.map((row) => toItem(row, byItem.get(Number(row.id)) ?? []));
  }

  async open(id: number): Promise<BlobReader> {
    const row = await this.ctx.db.selectFrom('queue').select(['size', 'hash', 'data']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new PkError('PK_ERR_MESSAGE_NOT_FOUND', `no queued message ${id}`);
    return row.data ? bufferReader(row.data) : this.files.reader(row.hash, Number(row.size));
  }

  async claim(owner: string, leaseMs: number, limit: number): Promise<QueueItem[]> {
    const now = this.ctx.clock.now();
    const ids = await this.ctx.writes.run(async (tx) => {
      const due = await tx.db
        .selectFrom('queue')
        .select('id')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        // Several nodes claim at once: each takes rows nobody else holds right now.
        .$if(this.ctx.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked())
        .execute();
      const taken = due.map((r) => Number(r.id));
      if (taken.length > 0) {
        await tx.db
          .updateTable('queue')
          .set({ lease_owner: owner, lease_until: now + leaseMs })
          .where('id', 'in', taken)
          .execute();
      }
      return taken;
    });
    const items: QueueItem[] = [];
    for (const id of ids) {
      const item = await this.get(id);
      if (item) items.push(item);
    }
    return items;
  }

  async finish(id: number, owner: string, result: QueueAttemptResult): Promise<QueueItem | null> {
    const now = this.ctx.clock.now();
    const removed = await this.ctx.writes.run(async (tx) => {
      const row = await tx.db.selectFrom('queue').select(['lease_owner', 'hash', 'data']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new PkError('PK_ERR_MESSAGE_NOT_FOUND', `no queued message ${id}`);
      if (row.lease_owner !== owner) {
        throw new PkError('PK_ERR_STORE_CONFLICT', `queued message ${id} is no longer leased to ${owner}`);
      }
      for (const r of result.recipients) {
        await tx.db
          .updateTable('queue_recipients')
          .set({ status: r.status, reply: r.reply, updated_at: now })
          .where('queue_id', '=', id)
          .where('address', '=', r.address)
          .execute();
      }
      const pending = await tx.db
        .selectFrom('queue_recipients')
        .select('address')
        .where('queue_id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (!pending) {
        await this.removeRow(tx, id, row.hash, row.data === null);
        return true;
      }
      await tx.db
        .updateTable('queue')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          next_attempt_at: result.nextAttemptAt,
          last_error: result.lastError,
          lease_owner: null,
          lease_until: null,
          ...(result.delayNotified ? { delay_notified: 1 } : {}),
        }))
        .where('id', '=', id)
        .execute();
      return false;
    });
    return removed ? null : this.get(id);
  }

  async nextDue(): Promise<number | null> {
    const row = await this.ctx.db
      .selectFrom('queue')
      .select(
        sql<number | null>`min(CASE WHEN lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END)`.as('due'),
      )
      .executeTakeFirst();
    const due = row?.due;
    return due === null || due === undefined ? null : Number(due);
  }

  async retryNow(id: number): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.writes.run(async (tx) => {
      const res = await tx.db
        .updateTable('queue')
        .set({ next_attempt_at: now, lease_owner: null, lease_until: null })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new PkError('PK_ERR_MESSAGE_NOT_FOUND', `no queued message ${id}`);
    });
  }

  async delete(id: number): Promise<void> {
    await this.ctx.writes.run(async (tx) => {
      const row = await tx.db.selectFrom('queue').select(['hash', 'data']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new PkError('PK_ERR_MESSAGE_NOT_FOUND', `no queued message ${id}`);
      await this.removeRow(tx, id, row.hash, row.data === null);
    });
  }

  /** Deletes the item; its file (if any) goes once the deletion is durable. */
  private async removeRow(tx: WriteTx, id: number, hash: string, external: boolean): Promise<void> {
    await tx.db.deleteFrom('queue_recipients').where('queue_id', '=', id).execute();
    await tx.db.deleteFrom('queue').where('id', '=', id).execute();
    if (external) tx.afterCommit(() => this.files.remove(hash));
  }
}
