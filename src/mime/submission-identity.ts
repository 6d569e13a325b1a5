/**
 * What makes two copies of a sent message "the same message" (issue 5): the copy the server
 * filed in Sent at submission, and the copy the client APPENDs to Sent itself. Clients reuse or
 * omit Message-IDs, so the Message-ID alone is not enough: it takes the Message-ID, the Date
 * and the sender together. The bytes may differ (a client's own copy keeps its Bcc header).
 */
import { parseAddressList } from './address.ts';
import { findHeaderEnd, firstField, parseHeaderBlock } from './headers.ts';

/** The identity key of a message, or null when it has no Message-ID, Date or From to go by. */
export function submissionIdentity(raw: Uint8Array): string | null {
  const fields = parseHeaderBlock(raw.subarray(0, findHeaderEnd(raw, 0, raw.length)));
  const messageId = firstField(fields, 'message-id')?.trim();
  const date = firstField(fields, 'date')?.replace(/\s+/g, ' ').trim();
  const from = parseAddressList(firstField(fields, 'sender') ?? firstField(fields, 'from'))?.find((a) => a.mailbox && a.host);
  if (!messageId || !date || !from) return null;
  return [messageId, date, `${from.mailbox!}@${from.host!}`.toLowerCase()].join('\n');
}
