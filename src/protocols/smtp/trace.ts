/** The Received header of the current transaction, from what the engine knows of the session. */
import type { SmtpDeps } from './deps.ts';
import { receivedHeader } from './received-header.ts';
import type { PkSmtpSession } from './session-state.ts';

export function traceHeader(deps: SmtpDeps, session: PkSmtpSession, recipients: readonly string[]): string {
  return receivedHeader({
    helo: session.helo || 'unknown',
    remoteAddress: session.state.conn.remoteAddress,
    hostname: deps.ctx.config.hostname,
    protocol: session.transmissionType,
    id: `${session.state.conn.cid}.${session.transaction}`,
    tls: session.tls ?? undefined,
    recipients,
    date: new Date(deps.ctx.clock.now()),
  });
}
