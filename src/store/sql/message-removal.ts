/**
 * Removing message rows for good inside a write op: the rows, their blob references, the
 * mailbox's counters and the account's usage, and one `expunge` change. Shared by IMAP EXPUNGE
 * and the POP3 UPDATE state.
 */
import type { Selectable } from 'kysely';
import { countHashes, releaseBlobRefs } from './blob-refs.ts';
import { recordChange } from './change-log.ts';
import type { SqlContext } from './context.ts';
import { applyTally, chargeAccount, chunks, tally } from './message-rows.ts';
import type { MessagesTable } from './tables.ts';
import type { WriteTx } from './write-queue.ts';

/** Removes `rows` (all of `mailboxId`) and returns their UIDs, ascending. */
export async function removeMessageRows(
  ctx: SqlContext,
  tx: WriteTx,
  accountId: number,
  mailboxId: number,
  rows: readonly Selectable<MessagesTable>[],
  now: number,
): Promise<number[]> {
  if (rows.length === 0) return [];
  const sorted = [...rows].sort((a, b) => a.uid - b.uid);
  for (const part of chunks(sorted.map((r) => r.id))) {
    await tx.db.deleteFrom('messages').where('id', 'in', part).execute();
  }
  await releaseBlobRefs(ctx, tx, countHashes(sorted.map((r) => r.blob_hash)));
  const t = tally(sorted);
  const { modseq } = await applyTally(tx, accountId, mailboxId, t, -1);
  const seq = await chargeAccount(tx, accountId, -t.size, -t.messages);
  const uids = sorted.map((r) => r.uid);
  await recordChange(tx, accountId, { kind: 'expunge', mailboxId, modseq, uids }, now, seq);
  return uids;
}
