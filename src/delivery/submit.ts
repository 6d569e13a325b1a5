/**
 * The submission pipeline shared by SMTP submission (587, 465, AUTH on 25) and the web's Send:
 * the sending rate, the sender's ownership of the envelope sender and of every From address,
 * remote recipients handed to the outbound queue (durable once enqueue resolves; DKIM is signed
 * there), local ones through the local delivery pipeline, and with `sent.save-copy` the message
 * as the client wrote it filed, read, in the sender's Sent.
 *
 * The caller resolves its recipients first (SMTP does it at RCPT TO, the web with
 * `resolveSubmitRecipient`), so each protocol answers unknown recipients in its own words.
 */
import { normalizeDomain, parseAddress } from '../core/address.ts';
import type { Logger } from '../core/log.ts';
import { parseAddressList } from '../mime/address.ts';
import { findHeaderEnd, firstField, parseHeaderBlock } from '../mime/headers.ts';
import type { Store } from '../store/ports.ts';
import type { Account } from '../store/types.ts';
import { deliverLocally, type DeliveryFailure, type LocalRecipient } from './local/deliver.ts';
import { fileSentCopy } from './local/sent-copy.ts';
import type { DsnRequest, Outbound } from './outbound-port.ts';
import type { SendRateLimiter } from './send-rate.ts';
import { mayUseAddress } from './sender-identity.ts';

/** One recipient as resolved before the message arrives. */
export type SubmitRecipient =
  | (LocalRecipient & { readonly kind: 'local' })
  | { readonly kind: 'remote'; readonly address: string };

export interface SubmitDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly outbound: Outbound | undefined;
  readonly sendRate: SendRateLimiter;
}

export interface SubmitInput {
  readonly account: Account;
  /** Envelope sender (MAIL FROM). */
  readonly sender: string;
  readonly recipients: readonly SubmitRecipient[];
  /** The message as the client wrote it, CRLF line ends. */
  readonly raw: Buffer;
  /** Trace header(s) (Received) prepended to what is delivered and queued, not to the Sent copy. */
  readonly trace: string;
  /** What goes to Sent when it differs from `raw` (the web keeps Bcc there, as clients do). */
  readonly sentCopy?: Buffer;
  /** RFC 3461 parameters for the remote recipients. */
  readonly dsn?: DsnRequest;
}

export type SubmitResult =
  | {
      readonly ok: true;
      /** Remote recipients handed to the queue. */
      readonly queued: number;
      /** Local recipients that got their copy. */
      readonly delivered: number;
      /** Local recipients that did not, while others did (the submission still counts). */
      readonly failed: readonly { readonly address: string; readonly failure: DeliveryFailure }[];
    }
  | { readonly ok: false; readonly reason: 'rate-limited'; readonly retryAfterMs: number }
  | { readonly ok: false; readonly reason: 'foreign-sender' | 'foreign-from'; readonly address: string }
  | { readonly ok: false; readonly reason: 'outbound-unavailable' | 'queue-failed' }
  | { readonly ok: false; readonly reason: 'not-delivered'; readonly failures: readonly DeliveryFailure[] };

/** The first From header address that is not the account's, or null when all are (or From is missing). */
export async function foreignFrom(store: Store, account: Account, raw: Buffer): Promise<string | null> {
  const header = raw.subarray(0, findHeaderEnd(raw, 0, raw.length));
  const from = parseAddressList(firstField(parseHeaderBlock(header), 'from'));
  for (const a of from ?? []) {
    if (a.mailbox === null || a.host === null) continue; // group syntax markers
    const address = `${a.mailbox}@${a.host}`;
    if (!(await mayUseAddress(store, account, address))) return address;
  }
  return null;
}

/**
 * Resolves one recipient address the way RCPT TO does on submission: a local domain's address
 * must be an account or alias (null when nobody has it); any other domain is remote.
 */
export async function resolveSubmitRecipient(store: Store, address: string): Promise<SubmitRecipient | null> {
  let canonical: string;
  let domain: string;
  try {
    const parsed = parseAddress(address);
    canonical = parsed.address;
    domain = normalizeDomain(parsed.domain);
  } catch {
    return null;
  }
  // Elsewhere the local part may be case-sensitive (RFC 5321 §2.4): it goes out as given.
  if (!(await store.domains.exists(domain))) return { kind: 'remote', address: address.trim() };
  const { accounts, external } = await store.aliases.resolve(canonical);
  if (accounts.length === 0 && external.length === 0) return null;
  return { kind: 'local', address: canonical, accounts, external };
}

export async function submitMessage(deps: SubmitDeps, input: SubmitInput): Promise<SubmitResult> {
  const { store, log, outbound, sendRate } = deps;
  const { account } = input;
  const wait = await sendRate.retryAfter(account.id);
  if (wait > 0) return { ok: false, reason: 'rate-limited', retryAfterMs: wait };
  if (input.sender === '' || !(await mayUseAddress(store, account, input.sender))) {
    return { ok: false, reason: 'foreign-sender', address: input.sender };
  }
  const foreign = await foreignFrom(store, account, input.raw);
  if (foreign !== null) return { ok: false, reason: 'foreign-from', address: foreign };

  const local = input.recipients.filter((r): r is Extract<SubmitRecipient, { kind: 'local' }> => r.kind === 'local');
  const remote = input.recipients.filter((r) => r.kind === 'remote').map((r) => r.address);
  const needsQueue = remote.length > 0 || local.some((r) => r.external.length > 0);
  if (needsQueue && !outbound) return { ok: false, reason: 'outbound-unavailable' };
  const stored = Buffer.concat([Buffer.from(input.trace, 'utf8'), input.raw]);
  if (remote.length > 0 && outbound) {
    try {
      await outbound.enqueue({ sender: input.sender, recipients: remote, raw: stored, accountId: account.id, ...(input.dsn ? { dsn: input.dsn } : {}) });
    } catch (err) {
      log.error({ err }, 'outbound queue refused the message');
      return { ok: false, reason: 'queue-failed' };
    }
  }
  const results = local.length ? await deliverLocally({ store, log, outbound }, { raw: stored, sender: input.sender, recipients: local }) : [];
  const failed = results.flatMap((r) => (r.ok ? [] : [{ address: r.address, failure: r.failure }]));
  if (remote.length === 0 && results.length > 0 && failed.length === results.length) {
    return { ok: false, reason: 'not-delivered', failures: failed.map((f) => f.failure) };
  }
  if (failed.length > 0) {
    log.warn({ failed: failed.map((f) => f.address) }, 'some local recipients could not be delivered after acceptance');
  }
  // Delivered: from here on nothing may fail the submission (the client would send it again).
  await sendRate.record(account.id).catch((err: unknown) => log.warn({ err }, 'the send log did not record a submission'));
  // The Sent copy is the message as the client wrote it, without our trace header: what an
  // IMAP client would APPEND itself, so the duplicate check compares like with like.
  await fileSentCopy(store, log, account, input.sentCopy ?? input.raw);
  log.info({ size: stored.length, local: local.length, remote: remote.length, failed: failed.length }, 'message submitted');
  return { ok: true, queued: remote.length, delivered: results.length - failed.length, failed };
}
