/**
 * DATA from an authenticated client: every From header address must be the account's own (or
 * its alias), a Received header goes on top, remote recipients are handed to the outbound queue
 * (durable once enqueue resolves), local ones go through the local delivery pipeline, and with
 * `sent.save-copy` the message as the client sent it is filed, read, in the sender's Sent.
 */
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { deliverLocally, type LocalRecipient } from '../../delivery/local/deliver.ts';
import { fileSentCopy } from '../../delivery/local/sent-copy.ts';
import type { DsnRequest } from '../../delivery/outbound-port.ts';
import { firstField, findHeaderEnd, parseHeaderBlock } from '../../mime/headers.ts';
import { parseAddressList } from '../../mime/address.ts';
import type { Account } from '../../store/types.ts';
import { failureReply } from './delivery-replies.ts';
import type { SmtpDeps } from './deps.ts';
import { normalizeLineEnds } from './line-ends.ts';
import { OUTBOUND_UNAVAILABLE } from './on-rcpt-to.ts';
import { readMessage } from './read-message.ts';
import { smtpReply, type SmtpReply } from './reply.ts';
import { mayUseAddress } from './sender-identity.ts';
import { stateOf } from './session-state.ts';
import { traceHeader } from './trace.ts';

type NotifyValue = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

/** The first From address that is not the account's, or null when all are (or From is missing). */
async function foreignFrom(deps: SmtpDeps, account: Account, raw: Buffer): Promise<string | null> {
  const header = raw.subarray(0, findHeaderEnd(raw, 0, raw.length));
  const from = parseAddressList(firstField(parseHeaderBlock(header), 'from'));
  for (const a of from ?? []) {
    if (a.mailbox === null || a.host === null) continue; // group syntax markers
    const address = `${a.mailbox}@${a.host}`;
    if (!(await mayUseAddress(deps.ctx.store, account, address))) return address;
  }
  return null;
}

function dsnOf(session: SMTPServerSession, remote: readonly string[]): DsnRequest | undefined {
  const env = session.envelope.dsn;
  const notify: Record<string, NotifyValue[]> = {};
  for (const r of session.envelope.rcptTo) {
    if (r.dsn?.notify && remote.includes(r.address)) notify[r.address] = r.dsn.notify as NotifyValue[];
  }
  const ret = env?.ret === 'FULL' || env?.ret === 'HDRS' ? env.ret : undefined;
  if (!ret && !env?.envid && Object.keys(notify).length === 0) return undefined;
  return { ...(ret ? { ret } : {}), ...(env?.envid ? { envid: env.envid } : {}), notify };
}

export async function onDataSubmission(deps: SmtpDeps, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string | SmtpReply | null> {
  const state = stateOf(session);
  const account = state.account;
  const body = await readMessage(stream, deps.maxMessageBytes);
  if (!body) return null; // smtp-server answers 552 5.3.4
  if (!account) return smtpReply(530, '5.7.0', 'Authentication required');
  const raw = normalizeLineEnds(body);
  const foreign = await foreignFrom(deps, account, raw);
  if (foreign !== null) return smtpReply(553, '5.7.1', `From header address <${foreign}> is not owned by ${account.address}`);

  const local: LocalRecipient[] = [];
  const remote: string[] = [];
  for (const r of session.envelope.rcptTo) {
    const resolved = state.recipients.get(r.address.toLowerCase());
    if (resolved?.kind === 'local') local.push({ address: r.address, ...resolved });
    else if (resolved?.kind === 'remote') remote.push(r.address);
  }
  const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const trace = traceHeader(deps, session, state, session.envelope.rcptTo.map((r) => r.address));
  const stored = Buffer.concat([Buffer.from(trace, 'utf8'), raw]);
  const { outbound, store } = deps.ctx;
  if (remote.length > 0) {
    if (!outbound) return smtpReply(451, '4.3.0', OUTBOUND_UNAVAILABLE);
    const dsn = dsnOf(session, remote);
    try {
      await outbound.enqueue({ sender, recipients: remote, raw: stored, accountId: account.id, ...(dsn ? { dsn } : {}) });
    } catch (err) {
      state.conn.log.error({ err }, 'outbound queue refused the message');
      return smtpReply(451, '4.3.0', 'could not queue the message; try again later');
    }
  }
  const results = local.length
    ? await deliverLocally({ store, log: state.conn.log, outbound }, { raw: stored, sender, recipients: local })
    : [];
  const failed = results.filter((r) => !r.ok);
  if (remote.length === 0 && failed.length === results.length) {
    return failureReply(failed.map((f) => (f.ok ? 'unavailable' : f.failure)));
  }
  if (failed.length > 0) {
    // TODO(issue 5): a DSN to the sender for these once the outbound bounce generator exists.
    state.conn.log.warn({ failed: failed.map((f) => f.address) }, 'some local recipients could not be delivered after 250');
  }
  deps.sendRate.record(account.id);
  // The Sent copy is the message as the client wrote it, without our trace header: what an
  // IMAP client would APPEND itself, so the planned duplicate check compares like with like.
  await fileSentCopy(store, state.conn.log, account, raw);
  state.conn.log.info({ size: stored.length, local: local.length, remote: remote.length, failed: failed.length }, 'message submitted');
  return `${state.conn.cid}.${session.transaction} message accepted`;
}
