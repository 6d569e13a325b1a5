/**
 * Blob reference counting inside write transactions. A blob row counts the message rows that
 * use it; the last reference removes the row and, after the commit, the file.
 */
import { sql } from 'kysely';
import type { SqlContext } from './context.ts';
import type { WriteTx } from './write-queue.ts';

/** Adds `count` references to a blob that must already exist. */
export async function addBlobRefs(tx: WriteTx, hash: string, count: number): Promise<void> {
  await tx.db
    .updateTable('blobs')
    .set((eb) => ({ refcount: eb('refcount', '+', count) }))
    .where('hash', '=', hash)
    .execute();
}

/** Drops references (hash → how many) and deletes blobs nobody uses any more. */
export async function releaseBlobRefs(
  ctx: SqlContext,
  tx: WriteTx,
  counts: ReadonlyMap<string, number>,
): Promise<void> {
  for (const [hash, n] of counts) {
    const row = await tx.db
      .updateTable('blobs')
      .set((eb) => ({ refcount: eb('refcount', '-', n) }))
      .where('hash', '=', hash)
      .returning(['refcount', sql<number>`data IS NULL`.as('external'), sql<number>`rowid`.as('rowid')])
      .executeTakeFirst();
    if (row && row.refcount <= 0) {
      await tx.db.deleteFrom('blobs').where('hash', '=', hash).execute();
      await tx.db.deleteFrom('blob_text').where('rowid', '=', Number(row.rowid)).execute();
      await tx.db.deleteFrom('blob_text_pending').where('rowid', '=', Number(row.rowid)).execute();
      if (Number(row.external) === 1) tx.afterCommit(() => ctx.blobFiles.remove(hash));
    }
  }
}

export function countHashes(hashes: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const h of hashes) m.set(h, (m.get(h) ?? 0) + 1);
  return m;
}
