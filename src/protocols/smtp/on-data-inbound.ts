/**
 * DATA on the MTA listener from an unauthenticated client: bare line ends normalised, SPF/DKIM/
 * DMARC/ARC verified (Authentication-Results, Received-SPF), a Received header, then the local
 * delivery pipeline. 250 only once every stored copy is durable.
 */
import { deliverLocally, type LocalRecipient } from '../../delivery/local/deliver.ts';
import { reportLateFailures } from '../../delivery/local/late-failures.ts';
import { verifyForDelivery } from './authentication-results.ts';
import { failureReply } from './delivery-replies.ts';
import { stripForgedResults } from './forged-results.ts';
import type { SmtpDeps } from './deps.ts';
import { normalizeLineEnds } from './line-ends.ts';
import { smtpReply, type SmtpReply } from './engine/reply.ts';
import type { PkSmtpSession } from './session-state.ts';
import { traceHeader } from './trace.ts';

export async function onDataInbound(deps: SmtpDeps, body: Buffer, session: PkSmtpSession): Promise<string | SmtpReply> {
  const state = session.state;
  // Our own verdicts only: fields forged in our name go before ours are added (RFC 8601 §5).
  const raw = stripForgedResults(normalizeLineEnds(body), deps.ctx.config.hostname);
  const recipients: LocalRecipient[] = [];
  for (const r of session.envelope.rcptTo) {
    const resolved = state.recipients.get(r.address.toLowerCase());
    if (resolved?.kind === 'local') recipients.push({ address: r.address, ...resolved });
  }
  if (recipients.length === 0) return smtpReply(451, '4.3.0', 'recipients changed during the transaction; try again');
  const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const trace = traceHeader(deps, session, recipients.map((r) => r.address));
  const { auth, stored } = await verifyForDelivery(
    { raw, remoteAddress: state.conn.remoteAddress, helo: session.helo, sender, hostname: deps.ctx.config.hostname, dns: deps.dns },
    trace,
    state.conn.log,
  );
  const results = await deliverLocally({ store: deps.ctx.store, log: state.conn.log, outbound: deps.ctx.outbound }, {
    raw: stored,
    sender,
    recipients,
    junk: auth.quarantine,
  });
  const failed = results.filter((r) => !r.ok);
  state.conn.log.info(
    { size: stored.length, recipients: results.length, failed: failed.length, auth: auth.summary, junk: auth.quarantine },
    'message received',
  );
  if (failed.length === results.length) return failureReply(failed.map((f) => (f.ok ? 'unavailable' : f.failure)));
  if (failed.length > 0) {
    state.conn.log.warn({ failed: failed.length }, 'some recipients could not be delivered after 250; reporting to the sender');
    const now = deps.ctx.clock.now();
    await reportLateFailures({
      store: deps.ctx.store,
      log: state.conn.log,
      outbound: deps.ctx.outbound,
      hostname: deps.ctx.config.hostname,
      sender,
      original: stored,
      arrivalDate: now,
      now,
      failed: failed.flatMap((f) => (f.ok ? [] : [{ address: f.address, failure: f.failure }])),
    });
  }
  return `${state.conn.cid}.${session.transaction} message accepted`;
}
