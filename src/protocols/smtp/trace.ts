/** The Received header of the current transaction, from what smtp-server knows of the session. */
import type { SMTPServerSession } from 'smtp-server';
import type { SmtpDeps } from './deps.ts';
import { receivedHeader } from './received-header.ts';
import type { SmtpSessionState } from './session-state.ts';

export function traceHeader(deps: SmtpDeps, session: SMTPServerSession, state: SmtpSessionState, recipients: readonly string[]): string {
  const tls = session.tlsOptions ? { version: session.tlsOptions.version, cipher: session.tlsOptions.name } : undefined;
  return receivedHeader({
    helo: session.hostNameAppearsAs || 'unknown',
    remoteAddress: state.conn.remoteAddress,
    hostname: deps.ctx.config.hostname,
    protocol: session.transmissionType || 'ESMTP',
    id: `${state.conn.cid}.${session.transaction}`,
    tls,
    recipients,
    date: new Date(deps.ctx.clock.now()),
  });
}
