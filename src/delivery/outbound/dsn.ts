/**
 * Delivery status notifications (RFC 3464): a multipart/report with a human-readable part, a
 * message/delivery-status part (per-message fields, then one block per recipient) and the
 * original message (message/rfc822) or only its header (text/rfc822-headers, for RET=HDRS or
 * a large original). Built in memory: the original part is capped.
 */
import { randomBytes } from 'node:crypto';
import { findHeaderEnd } from '../../mime/headers.ts';

/** Originals above this go back as their header only. */
const MAX_RETURNED_BYTES = 1024 * 1024;

export interface DsnRecipient {
  readonly address: string;
  readonly action: 'failed' | 'delayed';
  /** The reply the decision rests on, e.g. `550 5.1.1 <x@y> no such user`. */
  readonly reply: string;
  readonly remoteMta?: string;
}

export interface DsnInput {
  /** The reporting MTA's name (our hostname). */
  readonly reportingMta: string;
  /** The original envelope sender: the report's recipient. */
  readonly to: string;
  readonly arrivalDate: number;
  readonly now: number;
  readonly envid?: string;
  readonly ret?: 'FULL' | 'HDRS';
  readonly recipients: readonly DsnRecipient[];
  /** For delayed reports: when we give up. */
  readonly retryUntil?: number;
  readonly original: Buffer;
}

/** The enhanced status code (RFC 3463) of an SMTP reply, or one derived from its class. */
export function statusOf(reply: string): string {
  const m = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (m) return m[1]!;
  const code = /^(\d)\d\d/.exec(reply)?.[1];
  return code === '5' ? '5.0.0' : code === '2' ? '2.0.0' : '4.0.0';
}

function rfc5322Date(ms: number): string {
  // Date.toUTCString gives "Mon, 05 Jan 2026 12:00:00 GMT"; RFC 5322 wants a numeric zone.
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}

/** Removes CR/LF so a reply or address cannot inject fields into the report. */
function clean(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

export function buildDsn(input: DsnInput): Buffer {
  const boundary = `=_pk-dsn-${randomBytes(9).toString('base64url')}`;
  const delayed = input.recipients.every((r) => r.action === 'delayed');
  const subject = delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender';
  const messageId = `<${input.now.toString(36)}.${randomBytes(6).toString('hex')}@${input.reportingMta}>`;
  const header = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${clean(input.to)}>`,
    `Subject: ${subject}`,
    `Date: ${rfc5322Date(input.now)}`,
    `Message-ID: ${messageId}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
  ];
  const list = input.recipients.map((r) => `  <${clean(r.address)}>: ${clean(r.reply)}`);
  const human = delayed
    ? [
        `This is the mail system at ${input.reportingMta}.`,
        '',
        'Your message could not be delivered yet to the recipients below. The mail system will',
        `keep trying until ${rfc5322Date(input.retryUntil ?? input.now)}; you need not send it again.`,
        '',
        ...list,
      ]
    : [
        `This is the mail system at ${input.reportingMta}.`,
        '',
        'Your message could not be delivered to the recipients below. This is a permanent',
        'error; the mail system will not try again.',
        '',
        ...list,
      ];
  const perMessage = [
    `Reporting-MTA: dns; ${input.reportingMta}`,
    ...(input.envid ? [`Original-Envelope-Id: ${clean(input.envid)}`] : []),
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
  ];
  const perRecipient = input.recipients.map((r) =>
    [
      '',
      `Final-Recipient: rfc822; ${clean(r.address)}`,
      `Action: ${r.action}`,
      `Status: ${statusOf(r.reply)}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${clean(r.remoteMta)}`] : []),
      `Diagnostic-Code: smtp; ${clean(r.reply)}`,
      `Last-Attempt-Date: ${rfc5322Date(input.now)}`,
      ...(r.action === 'delayed' && input.retryUntil !== undefined ? [`Will-Retry-Until: ${rfc5322Date(input.retryUntil)}`] : []),
    ].join('\r\n'),
  );
  const headersOnly = input.ret === 'HDRS' || input.original.length > MAX_RETURNED_BYTES;
  const original = headersOnly
    ? input.original.subarray(0, findHeaderEnd(input.original, 0, input.original.length))
    : input.original;
  const text = (lines: readonly string[]): string => `${lines.join('\r\n')}\r\n`;
  return Buffer.concat([
    Buffer.from(text(header)),
    Buffer.from(`--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`),
    Buffer.from(text(human)),
    Buffer.from(`\r\n--${boundary}\r\nContent-Type: message/delivery-status\r\n\r\n`),
    Buffer.from(text([...perMessage, ...perRecipient])),
    Buffer.from(
      `\r\n--${boundary}\r\nContent-Type: ${headersOnly ? 'text/rfc822-headers' : 'message/rfc822'}\r\n` +
        `Content-Transfer-Encoding: 8bit\r\nContent-Description: ${headersOnly ? 'Header of the undelivered message' : 'Undelivered message'}\r\n\r\n`,
    ),
    original,
    Buffer.from(`${original.subarray(-2).toString() === '\r\n' ? '' : '\r\n'}\r\n--${boundary}--\r\n`),
  ]);
}

/** Does the sender want this kind of report for this recipient (RFC 3461 NOTIFY)? */
export function wantsNotice(
  notify: Readonly<Record<string, readonly string[]>> | undefined,
  address: string,
  kind: 'FAILURE' | 'DELAY',
): boolean {
  const list = notify?.[address] ?? notify?.[address.toLowerCase()];
  if (!list) return true;
  if (list.includes('NEVER')) return false;
  return list.includes(kind);
}
