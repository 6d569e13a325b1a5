/**
 * One SMTP listener: the composition root accepts the socket (and terminates implicit TLS on
 * 465), and `handle` starts an engine session (engine/session.ts) on it with our hooks. STARTTLS
 * uses the server's certificate (ServerContext.secureContext). A hook that fails unexpectedly
 * answers 451 4.3.0 (454 4.7.0 for AUTH) and the session lives on.
 */
import { plaintextAllowed } from '../../auth/plaintext-policy.ts';
import { isPkError } from '../../core/errors.ts';
import type { Connection } from '../../server/protocol.ts';
import type { SmtpDeps } from './deps.ts';
import { SMTP_LIMITS } from './engine/limits.ts';
import { smtpReply, type SmtpReply } from './engine/reply.ts';
import { SmtpSession } from './engine/session.ts';
import type { SmtpEngineConfig, SmtpHooks } from './engine/types.ts';
import { onAuth } from './on-auth.ts';
import { onDataInbound } from './on-data-inbound.ts';
import { onDataSubmission } from './on-data-submission.ts';
import { onMailFrom } from './on-mail-from.ts';
import { onRcptTo } from './on-rcpt-to.ts';
import { newSessionState, type PkSmtpSession, type SmtpSessionState } from './session-state.ts';

function internalError(session: PkSmtpSession, err: unknown, auth: boolean): SmtpReply {
  const log = session.state.conn.log;
  if (isPkError(err, 'Unavailable')) {
    // The mail store is away (PostgreSQL restarting): a temporary refusal, not a bug. RFC 4954
    // §6 names 454 4.7.0 for a temporary failure of AUTH.
    log.warn({ err }, 'SMTP hook: store unavailable');
    return auth ? smtpReply(454, '4.7.0', 'temporary authentication failure; try again later') : smtpReply(451, '4.3.0', 'mail store temporarily unavailable; try again later');
  }
  log.error({ err }, 'SMTP hook failed');
  return smtpReply(451, '4.3.0', 'internal error; try again later');
}

export interface SmtpListener {
  handle(conn: Connection): void;
  shutdown(): void;
}

export function createSmtpListener(deps: SmtpDeps, implicitTls: boolean): SmtpListener {
  const { ctx } = deps;
  const config: SmtpEngineConfig = {
    hostname: ctx.config.hostname,
    implicitTls,
    // On 465 the root already did the TLS handshake; 25 and 587 offer STARTTLS.
    starttls: implicitTls ? null : ctx.secureContext,
    authRequired: deps.submission,
    maxMessageBytes: deps.maxMessageBytes,
    passwordAllowed: (secure, remoteAddress) => plaintextAllowed(ctx.config.auth.plaintext, { secure, remoteAddress }),
    idleTimeoutMs: SMTP_LIMITS.idleTimeoutMs,
  };
  const hooks: SmtpHooks<SmtpSessionState> = {
    auth: (session, credentials) => onAuth(deps, credentials, session),
    mailFrom: (session, from) => onMailFrom(deps, from, session),
    rcptTo: (session, rcpt) => onRcptTo(deps, rcpt, session),
    data: (session, message) => (session.state.account ? onDataSubmission(deps, message, session) : onDataInbound(deps, message, session)),
    failed: (session, err, command) => internalError(session, err, command === 'AUTH'),
  };
  const sessions = new Set<PkSmtpSession>();

  return {
    handle(conn) {
      const session = new SmtpSession(config, hooks, conn.socket, { remoteAddress: conn.remoteAddress, log: conn.log }, newSessionState(conn));
      sessions.add(session);
      // After STARTTLS the TLS socket owns this one; closing either closes both.
      conn.socket.once('close', () => sessions.delete(session));
      session.start();
    },
    shutdown() {
      for (const session of sessions) session.shutdown();
    },
  };
}
