/**
 * COPY and MOVE inside a write op. A copy is a new row (new id) referencing the same blob; a
 * move updates the row in place, so its permanent id (POP3 UIDL, OBJECTID) survives the move.
 * The destination gets new UIDs in source UID order (RFC 4315 COPYUID, RFC 6851 MOVE).
 */
import { flagList } from '../flags.ts';
import type { CopyResult } from '../ports.ts';
import { addBlobRefs, countHashes } from './blob-refs.ts';
import { recordChange } from './change-log.ts';
import type { SqlContext } from './context.ts';
import {
  applyTally,
  chargeAccount,
  ownedMailbox,
  selectMessages,
  tally,
} from './message-rows.ts';
import type { WriteTx } from './write-queue.ts';

export async function copyInTx(
  ctx: SqlContext,
  tx: WriteTx,
  accountId: number,
  fromId: number,
  uids: readonly number[] | null,
  toId: number,
  mode: 'copy' | 'move',
): Promise<CopyResult> {
  await ownedMailbox(tx, accountId, fromId);
  const dest = await ownedMailbox(tx, accountId, toId);
  const rows = await selectMessages(tx, fromId, uids);
  if (rows.length === 0 || fromId === toId && mode === 'move') {
    return { uidValidity: Number(dest.uid_validity), mapping: [] };
  }
  const now = ctx.clock.now();
  const t = tally(rows);
  // A copy is charged (and checked against the quota) first; a move changes no usage.
  const seq = mode === 'copy' ? await chargeAccount(tx, accountId, t.size, t.messages) : undefined;
  const alloc = await applyTally(tx, accountId, toId, t, 1, rows.length);
  const mapping: [number, number][] = [];
  const news = [];
  let uid = alloc.firstUid;
  for (const r of rows) {
    let id = r.id;
    if (mode === 'copy') {
      const ins = await tx.db
        .insertInto('messages')
        .values({
          account_id: accountId,
          mailbox_id: toId,
          uid,
          modseq: alloc.modseq,
          sysflags: r.sysflags,
          keywords: r.keywords,
          internal_date: r.internal_date,
          saved_at: now,
          size: r.size,
          blob_hash: r.blob_hash,
          blob_id: r.blob_id,
          email_id: r.email_id,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = ins.id;
    } else {
      await tx.db
        .updateTable('messages')
        .set({ mailbox_id: toId, uid, modseq: alloc.modseq, saved_at: now })
        .where('id', '=', r.id)
        .execute();
    }
    mapping.push([r.uid, uid]);
    news.push({ id, uid, flags: flagList(r.sysflags, r.keywords), size: Number(r.size), internalDate: Number(r.internal_date) });
    uid++;
  }
  if (mode === 'copy') {
    for (const [hash, n] of countHashes(rows.map((r) => r.blob_hash))) await addBlobRefs(tx, hash, n);
  } else {
    const src = await applyTally(tx, accountId, fromId, t, -1);
    await recordChange(tx, accountId, { kind: 'expunge', mailboxId: fromId, modseq: src.modseq, uids: rows.map((r) => r.uid) }, now);
  }
  await recordChange(tx, accountId, { kind: 'new', mailboxId: toId, modseq: alloc.modseq, messages: news }, now, seq);
  return { uidValidity: alloc.uidValidity, mapping };
}

/** Moves every message of one mailbox into another (INBOX rename, RFC 3501 §6.3.5). */
export async function moveAllMessages(
  ctx: SqlContext,
  tx: WriteTx,
  accountId: number,
  fromId: number,
  toId: number,
): Promise<void> {
  await copyInTx(ctx, tx, accountId, fromId, null, toId, 'move');
}
