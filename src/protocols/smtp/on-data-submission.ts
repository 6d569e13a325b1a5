/**
 * DATA from an authenticated client: the message goes through the submission pipeline shared
 * with the web (src/delivery/submit.ts: sending rate, sender ownership, outbound queue, local
 * delivery, Sent copy) with a Received header on top; this file maps its outcome to SMTP replies.
 */
import type { DsnRequest } from '../../delivery/outbound-port.ts';
import { submitMessage, type SubmitRecipient, type SubmitResult } from '../../delivery/submit.ts';
import { failureReply } from './delivery-replies.ts';
import type { SmtpDeps } from './deps.ts';
import { normalizeLineEnds } from './line-ends.ts';
import { OUTBOUND_UNAVAILABLE } from './on-rcpt-to.ts';
import type { DsnNotify } from './engine/envelope.ts';
import { smtpReply, type SmtpReply } from './engine/reply.ts';
import type { PkSmtpSession } from './session-state.ts';
import { traceHeader } from './trace.ts';

function dsnOf(session: PkSmtpSession, remote: readonly string[]): DsnRequest | undefined {
  const env = session.envelope;
  const notify: Record<string, DsnNotify[]> = {};
  for (const r of env.rcptTo) {
    if (r.notify && remote.includes(r.address)) notify[r.address] = [...r.notify];
  }
  const ret = env.ret ?? undefined;
  if (!ret && !env.envid && Object.keys(notify).length === 0) return undefined;
  return { ...(ret ? { ret } : {}), ...(env.envid ? { envid: env.envid } : {}), notify };
}

function refusal(deps: SmtpDeps, result: Exclude<SubmitResult, { ok: true }>, account: string): SmtpReply {
  switch (result.reason) {
    case 'rate-limited': {
      const minutes = Math.max(1, Math.ceil(result.retryAfterMs / 60_000));
      return smtpReply(
        450,
        '4.7.1',
        `sending rate limit reached (${deps.ctx.config.smtp.sendRatePerHour} messages per hour); try again in ${minutes} minute${minutes > 1 ? 's' : ''}`,
      );
    }
    case 'foreign-sender':
      return smtpReply(553, '5.7.1', `<${result.address}>: sender address not owned by ${account}`);
    case 'foreign-from':
      return smtpReply(553, '5.7.1', `From header address <${result.address}> is not owned by ${account}`);
    case 'outbound-unavailable':
      return smtpReply(451, '4.3.0', OUTBOUND_UNAVAILABLE);
    case 'queue-failed':
      return smtpReply(451, '4.3.0', 'could not queue the message; try again later');
    case 'not-delivered':
      return failureReply(result.failures);
  }
}

export async function onDataSubmission(deps: SmtpDeps, body: Buffer, session: PkSmtpSession): Promise<string | SmtpReply> {
  const state = session.state;
  const account = state.account;
  if (!account) return smtpReply(530, '5.7.0', 'Authentication required');
  const raw = normalizeLineEnds(body);

  const recipients: SubmitRecipient[] = [];
  for (const r of session.envelope.rcptTo) {
    const resolved = state.recipients.get(r.address.toLowerCase());
    if (resolved?.kind === 'local') recipients.push({ kind: 'local', address: r.address, accounts: resolved.accounts, external: resolved.external });
    else if (resolved?.kind === 'remote') recipients.push({ kind: 'remote', address: r.address });
  }
  const remote = recipients.filter((r) => r.kind === 'remote').map((r) => r.address);
  const dsn = dsnOf(session, remote);
  const result = await submitMessage(
    { store: deps.ctx.store, log: state.conn.log, outbound: deps.ctx.outbound, sendRate: deps.sendRate },
    {
      account,
      sender: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      recipients,
      raw,
      trace: traceHeader(deps, session, session.envelope.rcptTo.map((r) => r.address)),
      ...(dsn ? { dsn } : {}),
    },
  );
  if (!result.ok) return refusal(deps, result, account.address);
  return `${state.conn.cid}.${session.transaction} message accepted`;
}
