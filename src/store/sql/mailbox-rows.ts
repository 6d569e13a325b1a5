/**
 * Mailbox writes shared by the account and mailbox repositories, always inside a write op.
 */
import type { Selectable } from 'kysely';
import { PkError } from '../../core/errors.ts';
import type { MailboxRole } from '../types.ts';
import { recordChange } from './change-log.ts';
import type { MailboxesTable } from './tables.ts';
import type { WriteTx } from './write-queue.ts';

/** A UIDVALIDITY that is new for this account: time-based, and above every earlier one. */
async function nextUidValidity(tx: WriteTx, accountId: number, now: number): Promise<number> {
  const row = await tx.db
    .selectFrom('accounts')
    .select('uidvalidity_last')
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `no account with id ${accountId}`);
  const value = Math.max(Math.floor(now / 1000), Number(row.uidvalidity_last) + 1) >>> 0;
  await tx.db
    .updateTable('accounts')
    .set({ uidvalidity_last: value })
    .where('id', '=', accountId)
    .execute();
  return value;
}

export async function insertMailbox(
  tx: WriteTx,
  accountId: number,
  name: string,
  role: MailboxRole | null,
  now: number,
): Promise<Selectable<MailboxesTable>> {
  const uidValidity = await nextUidValidity(tx, accountId, now);
  const row = await tx.db
    .insertInto('mailboxes')
    .values({
      account_id: accountId,
      name,
      role,
      uid_validity: uidValidity,
      uid_next: 1,
      highest_modseq: 1,
      messages: 0,
      unseen: 0,
      deleted: 0,
      size: 0,
      recent_uid: 0,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordChange(
    tx,
    accountId,
    { kind: 'mailbox-created', mailboxId: row.id, modseq: 1, name, role },
    now,
  );
  return row;
}
