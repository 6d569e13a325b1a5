/**
 * The append-only change log: one row per committed change, numbered per account. The sequence
 * number comes from the account row, updated inside the writing transaction, so sequence order
 * is commit order on every dialect (the row lock serialises writers of one account).
 */
import type { Kysely } from 'kysely';
import type { Change, ChangeDraft } from '../changes.ts';
import type { SqliteAppendStatements } from './sqlite-append.ts';
import type { DB } from './tables.ts';
import type { WriteTx } from './write-queue.ts';

/** `fast`: SQLite's prepared statement for the row (the append path), instead of a kysely query. */
export async function recordChange(
  tx: WriteTx,
  accountId: number,
  draft: ChangeDraft,
  now: number,
  reservedSeq?: number,
  fast?: SqliteAppendStatements,
): Promise<Change> {
  const seq = reservedSeq ?? (await reserveSeq(tx, accountId));
  const change = { ...draft, accountId, seq } as Change;
  const { kind, mailboxId, modseq, seq: _seq, accountId: _a, ...data } = change;
  if (fast) {
    fast.insertChange({ accountId, seq, mailboxId, modseq, kind, data: JSON.stringify(data), createdAt: now });
  } else {
    await tx.db
      .insertInto('change_log')
      .values({
        account_id: accountId,
        seq,
        mailbox_id: mailboxId,
        modseq,
        kind,
        data: JSON.stringify(data),
        created_at: now,
      })
      .execute();
  }
  tx.emit(change);
  return change;
}

/** Takes the account's next change sequence number (see chargeAccount for the combined form). */
async function reserveSeq(tx: WriteTx, accountId: number): Promise<number> {
  const row = await tx.db
    .updateTable('accounts')
    .set((eb) => ({ change_seq: eb('change_seq', '+', 1) }))
    .where('id', '=', accountId)
    .returning('change_seq')
    .executeTakeFirstOrThrow();
  return Number(row.change_seq);
}

export async function readChangesSince(
  db: Kysely<DB>,
  accountId: number,
  afterSeq: number,
  limit: number,
): Promise<Change[]> {
  const rows = await db
    .selectFrom('change_log')
    .select(['seq', 'mailbox_id', 'modseq', 'kind', 'data'])
    .where('account_id', '=', accountId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(
    (r) =>
      ({
        ...(JSON.parse(r.data) as object),
        kind: r.kind,
        accountId,
        seq: r.seq,
        mailboxId: r.mailbox_id,
        modseq: r.modseq,
      }) as Change,
  );
}
