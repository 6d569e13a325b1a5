/**
 * The `Compose` body of Send and Drafts (docs/web-api.md) and the RFC 5322 message built from
 * it with nodemailer's MailComposer: From is the account, Message-ID and Date are set here,
 * attachments come only from the request (never from files or URLs). The message keeps Bcc (the
 * Sent copy and drafts show it, as clients do); `withoutBcc` strips it for what goes out.
 */
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { LIMITS } from '../core/limits.ts';
import { filterHeaderFields } from '../mime/sections.ts';
import { findHeaderEnd } from '../mime/headers.ts';
import type { Account } from '../store/types.ts';
import { invalid } from './api-error.ts';

const address = z.string().min(3).max(LIMITS.addressLength + 200);
const references = z.union([z.string().max(8000), z.array(z.string().max(1000)).max(100)]);
const TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

export const composeSchema = z.object({
  to: z.array(address).max(1000).default([]),
  cc: z.array(address).max(1000).optional(),
  bcc: z.array(address).max(1000).optional(),
  subject: z.string().max(998).default(''),
  text: z.string().default(''),
  html: z.string().optional(),
  inReplyTo: z.string().max(1000).optional(),
  references: references.optional(),
  attachments: z
    .array(z.object({ filename: z.string().min(1).max(255), type: z.string().regex(TYPE).max(127), data: z.string() }))
    .max(100)
    .optional(),
});
export type Compose = z.infer<typeof composeSchema>;

/** The bare addresses of a list of `addr` / `Name <addr>` entries (groups flattened). */
export function envelopeAddresses(list: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const entry of list ?? []) {
    const parsed = addressparser(entry, { flatten: true });
    const found = parsed.flatMap((a) => (a.address ? [a.address] : []));
    if (found.length === 0) throw invalid(`"${entry}" is not an email address`);
    out.push(...found);
  }
  return out;
}

export interface BuiltMessage {
  /** The message with Bcc (Sent copy, drafts). */
  readonly raw: Buffer;
  readonly messageId: string;
}

export async function buildMessage(account: Account, compose: Compose, now: number): Promise<BuiltMessage> {
  const messageId = `<${randomBytes(12).toString('base64url')}@${account.domain}>`;
  const refs = typeof compose.references === 'string' ? compose.references : compose.references?.join(' ');
  const composer = new MailComposer({
    from: account.address,
    to: compose.to,
    ...(compose.cc?.length ? { cc: compose.cc } : {}),
    ...(compose.bcc?.length ? { bcc: compose.bcc } : {}),
    subject: compose.subject,
    text: compose.text,
    ...(compose.html !== undefined ? { html: compose.html } : {}),
    ...(compose.inReplyTo ? { inReplyTo: compose.inReplyTo } : {}),
    ...(refs ? { references: refs } : {}),
    messageId,
    date: new Date(now),
    attachments: (compose.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.type,
      content: Buffer.from(a.data, 'base64'),
    })),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const node = composer.compile();
  node.keepBcc = true;
  return { raw: await node.build(), messageId };
}

/** The message without its Bcc field: what recipients get. */
export function withoutBcc(raw: Buffer): Buffer {
  const end = findHeaderEnd(raw, 0, raw.length);
  const header = filterHeaderFields(raw.subarray(0, end), ['bcc'], true);
  return Buffer.concat([header, raw.subarray(end)]);
}
