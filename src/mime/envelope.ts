/**
 * ENVELOPE from a header (RFC 3501 §7.4.2), plus the decoded forms used for search text.
 */
import { parseAddressList } from './address.ts';
import { decodeWords } from './charset.ts';
import { firstField, type HeaderField } from './headers.ts';
import type { Address, Envelope } from './types.ts';

function field(fields: readonly HeaderField[], name: string): string | null {
  const value = firstField(fields, name);
  return value === null || value === '' ? null : value;
}

/** Builds the ENVELOPE of a header block; values stay raw (unfolded) as IMAP expects. */
export function buildEnvelope(fields: readonly HeaderField[]): Envelope {
  const list = (name: string): Address[] | null => parseAddressList(field(fields, name));
  return {
    date: field(fields, 'date'),
    subject: field(fields, 'subject'),
    from: list('from'),
    sender: list('sender'),
    replyTo: list('reply-to'),
    to: list('to'),
    cc: list('cc'),
    bcc: list('bcc'),
    inReplyTo: field(fields, 'in-reply-to'),
    messageId: field(fields, 'message-id'),
  };
}

/** Decoded, human-readable form of an address list for search ("Name <a@b>, ..."). */
export function addressText(list: Address[] | null): string {
  if (!list) return '';
  const out: string[] = [];
  for (const a of list) {
    if (a.host === null) {
      if (a.mailbox !== null) out.push(`${decodeWords(a.mailbox)}:`);
      continue;
    }
    const addr = `${a.mailbox ?? ''}@${a.host}`;
    out.push(a.name ? `${decodeWords(a.name)} <${addr}>` : addr);
  }
  return out.join(', ');
}

/** Parses an RFC 5322 §3.3 date (obsolete forms and comments tolerated) to ms, or null. */
export function parseDate(value: string | null): number | null {
  if (value === null) return null;
  const cleaned = value
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned === '') return null;
  const ms = Date.parse(cleaned);
  if (Number.isFinite(ms)) return ms;
  // "Tue, 1 Jul 2003 10:52:37 +0200" variants with a dot or missing comma confuse V8.
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Z]{1,5})?/.exec(cleaned);
  if (!m) return null;
  let year = Number(m[3]);
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, three-digit years add 1900.
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const retry = Date.parse(`${m[1]} ${m[2]} ${year} ${m[4]}:${m[5]}:${m[6] ?? '00'} ${m[7] ?? '+0000'}`);
  return Number.isFinite(retry) ? retry : null;
}
