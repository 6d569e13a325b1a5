/**
 * The web's message list: pages of a mailbox by date (index messages_mailbox_date) and
 * summaries read from each blob's stored MIME index, so listing never touches message bytes.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { displayAddresses } from '../../mime/display-address.ts';
import type { MessageIndex } from '../../mime/types.ts';
import type { MessagePage, MessageSummary, PageCursor } from '../ports.ts';
import { chunks } from './message-rows.ts';
import { toMessage } from './rows.ts';
import type { DB, MessagesTable } from './tables.ts';

type Row = Selectable<MessagesTable> & { index_json: string };

function toSummary(r: Row): MessageSummary {
  const index = JSON.parse(r.index_json) as MessageIndex;
  return {
    ...toMessage(r),
    subject: index.subject,
    from: displayAddresses(index.envelope.from),
    to: displayAddresses(index.envelope.to),
    cc: displayAddresses(index.envelope.cc),
    date: index.date,
    preview: index.preview,
    hasAttachments: index.hasAttachments,
    messageId: index.messageId,
    inReplyTo: index.inReplyTo,
    references: index.references,
    baseSubject: index.baseSubject,
  };
}

const newestFirst = (a: MessageSummary, b: MessageSummary): number => b.internalDate - a.internalDate || b.uid - a.uid;

export async function messagePage(
  db: Kysely<DB>,
  mailboxId: number,
  opts: { readonly limit: number; readonly before?: PageCursor },
): Promise<MessagePage> {
  const limit = Math.max(1, Math.min(500, Math.floor(opts.limit)));
  const before = opts.before;
  const { rows } = await sql<Row>`
    SELECT m.*, b.index_json FROM messages m JOIN blobs b ON b.rowid = m.blob_id
    WHERE m.mailbox_id = ${mailboxId}
      ${before ? sql`AND (m.internal_date < ${before.internalDate} OR (m.internal_date = ${before.internalDate} AND m.uid < ${before.uid}))` : sql``}
    ORDER BY m.internal_date DESC, m.uid DESC
    LIMIT ${limit + 1}`.execute(db);
  const total = await db
    .selectFrom('mailboxes')
    .select('messages')
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  const items = rows.slice(0, limit).map(toSummary);
  const last = items.at(-1);
  return {
    total: Number(total?.messages ?? 0),
    items,
    next: rows.length > limit && last ? { internalDate: last.internalDate, uid: last.uid } : null,
  };
}

export async function messageSummaries(db: Kysely<DB>, mailboxId: number, uids: readonly number[]): Promise<MessageSummary[]> {
  const out: MessageSummary[] = [];
  for (const part of chunks([...new Set(uids)])) {
    const { rows } = await sql<Row>`
      SELECT m.*, b.index_json FROM messages m JOIN blobs b ON b.rowid = m.blob_id
      WHERE m.mailbox_id = ${mailboxId} AND m.uid IN (${sql.join(part)})`.execute(db);
    out.push(...rows.map(toSummary));
  }
  return out.sort(newestFirst);
}
