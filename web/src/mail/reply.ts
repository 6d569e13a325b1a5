/**
 * What a reply, reply-all, forward or an opened draft starts with: recipients (without the
 * author's own address), the quoted or forwarded text, Re:/Fwd: subjects, and the threading
 * headers (In-Reply-To, References). Pure: no React, no requests.
 */
import type { Message } from '../api.ts';
import { addrText, longDate } from '../format.ts';

export type ReplyKind = 'reply' | 'reply-all' | 'forward' | 'draft';

export interface ComposeInit {
  readonly to?: string;
  readonly cc?: string;
  readonly bcc?: string;
  readonly subject?: string;
  readonly text?: string;
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
  /** Attachments to fetch from an existing message (forward). */
  readonly forwardFrom?: { readonly mailboxId: number; readonly uid: number; readonly parts: readonly { part: string; filename: string; type: string }[] };
  /** The draft this compose continues (it is replaced by every save and removed on send). */
  readonly draftUid?: number;
}

const quote = (text: string): string =>
  text
    .split(/\r?\n/)
    .map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`))
    .join('\n');

const prefixed = (prefix: string, subject: string): string => (new RegExp(`^${prefix}:`, 'i').test(subject.trim()) ? subject : `${prefix}: ${subject}`);

/** The compose form's start for a reply, reply-all, forward or an opened draft. */
export function replyInit(kind: ReplyKind, m: Message, self: string, mailboxId: number): ComposeInit {
  const me = self.toLowerCase();
  const list = (a: readonly { name: string; address: string }[]): string => a.map(addrText).join(', ');
  const notMe = (a: { address: string }): boolean => a.address.toLowerCase() !== me;
  const who = m.from[0] ? addrText(m.from[0]) : 'someone';
  const when = longDate(m.date ?? m.internalDate);
  const body = m.text ?? '';
  if (kind === 'draft') {
    return {
      to: list(m.to),
      cc: list(m.cc),
      bcc: list(m.headers.bcc ?? []),
      subject: m.subject,
      text: body,
      draftUid: m.uid,
      ...(m.inReplyTo ? { inReplyTo: m.inReplyTo } : {}),
      references: m.references,
    };
  }
  if (kind === 'forward') {
    const head = [
      '',
      '',
      '---------- Forwarded message ----------',
      `From: ${list(m.from)}`,
      `Date: ${when}`,
      `Subject: ${m.subject}`,
      `To: ${list(m.to)}`,
      ...(m.cc.length ? [`Cc: ${list(m.cc)}`] : []),
      '',
    ].join('\n');
    return {
      subject: prefixed('Fwd', m.subject),
      text: head + body,
      forwardFrom: { mailboxId, uid: m.uid, parts: m.attachments.filter((a) => !a.inline || a.filename).map((a) => ({ part: a.part, filename: a.filename || `part-${a.part}`, type: a.type })) },
    };
  }
  const replyTo = m.headers.replyTo?.length ? m.headers.replyTo : m.from;
  const to = kind === 'reply-all' ? [...replyTo, ...m.to.filter(notMe)] : replyTo;
  const seen = new Set<string>();
  const uniq = (a: { name: string; address: string }): boolean => {
    const k = a.address.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  const toList = to.filter(uniq);
  const cc = kind === 'reply-all' ? m.cc.filter(notMe).filter(uniq) : [];
  return {
    to: list(toList),
    cc: list(cc),
    subject: prefixed('Re', m.subject),
    text: `\n\nOn ${when}, ${who} wrote:\n${quote(body)}\n`,
    ...(m.messageId ? { inReplyTo: m.messageId } : {}),
    references: [...m.references, ...(m.messageId ? [m.messageId] : [])],
  };
}

