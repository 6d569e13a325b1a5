/**
 * Sent copies filed at submission, by identity (src/mime/submission-identity.ts), so that the
 * client's own APPEND of the same message to Sent is recognised within minutes and stored once.
 */
import { LIMITS } from '../../core/limits.ts';
import type { AppendResult } from '../ports.ts';
import type { WriteTx } from './write-queue.ts';

export async function rememberSubmittedCopy(tx: WriteTx, accountId: number, key: string, messageId: number, now: number): Promise<void> {
  // Old entries go as new ones come: an account holds at most its last window's submissions.
  await tx.db
    .deleteFrom('submitted_copies')
    .where('account_id', '=', accountId)
    .where('created_at', '<', now - LIMITS.sentCopyMatchMs)
    .execute();
  await tx.db
    .insertInto('submitted_copies')
    .values({ account_id: accountId, key, message_id: messageId, created_at: now })
    .onConflict((oc) => oc.columns(['account_id', 'key']).doUpdateSet({ message_id: messageId, created_at: now }))
    .execute();
}

/**
 * The copy filed at submission with this identity, since `since`, still in `mailboxId`; it is
 * recognised once (a second APPEND of the same message is stored as the client asked).
 */
export async function claimSubmittedCopy(
  tx: WriteTx,
  accountId: number,
  mailboxId: number,
  key: string,
  since: number,
): Promise<AppendResult | null> {
  const row = await tx.db
    .selectFrom('submitted_copies as s')
    .innerJoin('messages as m', 'm.id', 's.message_id')
    .innerJoin('mailboxes as b', 'b.id', 'm.mailbox_id')
    .select(['m.id', 'm.uid', 'm.size', 'b.uid_validity', 'b.highest_modseq'])
    .where('s.account_id', '=', accountId)
    .where('s.key', '=', key)
    .where('s.created_at', '>=', since)
    .where('m.mailbox_id', '=', mailboxId)
    .executeTakeFirst();
  if (!row) return null;
  await tx.db.deleteFrom('submitted_copies').where('account_id', '=', accountId).where('key', '=', key).execute();
  return {
    id: row.id,
    uid: row.uid,
    uidValidity: Number(row.uid_validity),
    modseq: Number(row.highest_modseq),
    size: Number(row.size),
    duplicate: true,
  };
}
