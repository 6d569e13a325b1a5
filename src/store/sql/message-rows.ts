/** Helpers for reading and counting message rows inside write ops. */
import type { Selectable } from 'kysely';
import { PkError } from '../../core/errors.ts';
import { FLAG_DELETED, FLAG_SEEN } from '../flags.ts';
import type { MessagesTable } from './tables.ts';
import type { WriteTx } from './write-queue.ts';

const CHUNK = 500;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Message rows of a mailbox with the given UIDs (all when `uids` is null), in UID order. */
export async function selectMessages(
  tx: WriteTx,
  mailboxId: number,
  uids: readonly number[] | null,
): Promise<Selectable<MessagesTable>[]> {
  if (uids === null) {
    return tx.db.selectFrom('messages').selectAll().where('mailbox_id', '=', mailboxId).orderBy('uid').execute();
  }
  const out: Selectable<MessagesTable>[] = [];
  for (const part of chunks([...new Set(uids)])) {
    out.push(
      ...(await tx.db
        .selectFrom('messages')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('uid', 'in', part)
        .execute()),
    );
  }
  return out.sort((a, b) => a.uid - b.uid);
}

/** Checks that the mailbox exists and belongs to the account (no account reaches another's). */
export async function ownedMailbox(
  tx: WriteTx,
  accountId: number,
  mailboxId: number,
): Promise<{ id: number; uid_validity: number }> {
  const row = await tx.db
    .selectFrom('mailboxes')
    .select(['id', 'uid_validity'])
    .where('id', '=', mailboxId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new PkError('PK_ERR_MAILBOX_NOT_FOUND', `no mailbox with id ${mailboxId}`);
  return row;
}

export interface Tally {
  messages: number;
  unseen: number;
  deleted: number;
  size: number;
}

export function tally(rows: readonly { sysflags: number; size: number }[]): Tally {
  const t: Tally = { messages: 0, unseen: 0, deleted: 0, size: 0 };
  for (const r of rows) {
    t.messages++;
    if (!(r.sysflags & FLAG_SEEN)) t.unseen++;
    if (r.sysflags & FLAG_DELETED) t.deleted++;
    t.size += Number(r.size);
  }
  return t;
}

/**
 * Adds (sign 1) or removes (sign -1) a tally from a mailbox's counters, allocates UIDs and bumps
 * its MODSEQ; fails with NotFound unless the mailbox belongs to the account.
 */
export async function applyTally(
  tx: WriteTx,
  accountId: number,
  mailboxId: number,
  t: Tally,
  sign: 1 | -1,
  uidsAllocated = 0,
): Promise<{ modseq: number; firstUid: number; uidValidity: number }> {
  const row = await tx.db
    .updateTable('mailboxes')
    .set((eb) => ({
      highest_modseq: eb('highest_modseq', '+', 1),
      uid_next: eb('uid_next', '+', uidsAllocated),
      messages: eb('messages', '+', sign * t.messages),
      unseen: eb('unseen', '+', sign * t.unseen),
      deleted: eb('deleted', '+', sign * t.deleted),
      size: eb('size', '+', sign * t.size),
    }))
    .where('id', '=', mailboxId)
    .where('account_id', '=', accountId)
    .returning(['highest_modseq', 'uid_next', 'uid_validity'])
    .executeTakeFirst();
  if (!row) throw new PkError('PK_ERR_MAILBOX_NOT_FOUND', `no mailbox with id ${mailboxId}`);
  return {
    modseq: Number(row.highest_modseq),
    firstUid: Number(row.uid_next) - uidsAllocated,
    uidValidity: Number(row.uid_validity),
  };
}

/**
 * Charges (or, negative, credits) bytes and messages to the account, enforces its quota when
 * adding, and reserves the account's next change sequence number, all in one statement.
 */
export async function chargeAccount(
  tx: WriteTx,
  accountId: number,
  bytes: number,
  messages: number,
): Promise<number> {
  const row = await tx.db
    .updateTable('accounts')
    .set((eb) => ({
      used_bytes: eb('used_bytes', '+', bytes),
      message_count: eb('message_count', '+', messages),
      change_seq: eb('change_seq', '+', 1),
    }))
    .where('id', '=', accountId)
    .returning(['change_seq', 'quota_bytes', 'used_bytes'])
    .executeTakeFirst();
  if (!row) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `no account with id ${accountId}`);
  const quota = Number(row.quota_bytes);
  if (bytes > 0 && quota > 0 && Number(row.used_bytes) > quota) {
    throw new PkError('PK_ERR_OVER_QUOTA', 'mailbox is full (quota exceeded)');
  }
  return Number(row.change_seq);
}
