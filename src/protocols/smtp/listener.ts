/**
 * One smtp-server instance per listener, never listening itself: the composition root accepts
 * the socket (and terminates implicit TLS on 465), and `handle` starts an SMTP session on it.
 * STARTTLS uses the server's certificate (ServerContext.secureContext). The hooks below turn our
 * async handlers into smtp-server's callbacks; an unexpected failure answers 451 4.3.0 and the
 * session lives on.
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { plaintextAllowed } from '../../auth/plaintext-policy.ts';
import { isPkError } from '../../core/errors.ts';
import type { Connection } from '../../server/protocol.ts';
import type { SmtpDeps } from './deps.ts';
import { onAuth } from './on-auth.ts';
import { onDataInbound } from './on-data-inbound.ts';
import { onDataSubmission } from './on-data-submission.ts';
import { onMailFrom } from './on-mail-from.ts';
import { onRcptTo } from './on-rcpt-to.ts';
import { smtpReply, SmtpReply } from './reply.ts';
import { attachState, stateOf } from './session-state.ts';
import { SmtpConnection } from './smtp-connection.ts';

/** RFC 5321 §4.5.3.2.7: a server waits at least 5 minutes for the next command. */
const IDLE_TIMEOUT_MS = 5 * 60 * 1000;

function internalError(session: SMTPServerSession, err: unknown, auth: boolean): SmtpReply {
  if (isPkError(err, 'Unavailable')) {
    // The mail store is away (PostgreSQL restarting): a temporary refusal, not a bug. RFC 4954
    // §6 names 454 4.7.0 for a temporary failure of AUTH.
    stateOf(session).conn.log.warn({ err }, 'SMTP hook: store unavailable');
    return auth ? smtpReply(454, '4.7.0', 'temporary authentication failure; try again later') : smtpReply(451, '4.3.0', 'mail store temporarily unavailable; try again later');
  }
  stateOf(session).conn.log.error({ err }, 'SMTP hook failed');
  return smtpReply(451, '4.3.0', 'internal error; try again later');
}

function settle<T>(
  session: SMTPServerSession,
  work: () => Promise<T | SmtpReply>,
  done: (err: Error | null, value?: T) => void,
  auth = false,
): void {
  work().then(
    (value) => (value instanceof SmtpReply ? done(value) : done(null, value)),
    (err: unknown) => done(internalError(session, err, auth)),
  );
}

export interface SmtpListener {
  handle(conn: Connection): void;
  shutdown(): void;
}

export function createSmtpListener(deps: SmtpDeps, implicitTls: boolean): SmtpListener {
  const { ctx } = deps;
  const server = new SMTPServer({
    name: ctx.config.hostname,
    banner: 'postkontor',
    logger: false,
    secure: implicitTls,
    // On 465 the root already did the TLS handshake.
    secured: implicitTls,
    hideSTARTTLS: implicitTls,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    hideREQUIRETLS: true,
    size: deps.maxMessageBytes,
    rejectOversized: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !deps.submission,
    // The auth.plaintext policy decides, per connection (SmtpConnection, on-auth.ts).
    allowInsecureAuth: true,
    authRequiredMessage: '5.7.0 Authentication required',
    disableReverseLookup: true,
    socketTimeout: IDLE_TIMEOUT_MS,
    onAuth(auth, session, callback) {
      settle(session, () => onAuth(deps, auth, session), (err, response) => callback(err, response), true);
    },
    onMailFrom(address, session, callback) {
      settle(session, () => onMailFrom(deps, address, session), (err) => callback(err));
    },
    onRcptTo(address, session, callback) {
      settle(session, () => onRcptTo(deps, address, session), (err) => callback(err));
    },
    onData(stream, session, callback) {
      const authenticated = stateOf(session).account !== null;
      const handler = authenticated ? onDataSubmission : onDataInbound;
      settle(
        session,
        async () => {
          const result = await handler(deps, stream, session);
          // Nothing read the stream when a hook failed early: drain it so the reply can go out.
          if (stream.readable) stream.resume();
          return result;
        },
        (err, message) => callback(err, message ?? undefined),
      );
    },
  });
  // STARTTLS presents the server's own certificate, SNI or not.
  server.secureContext.set('*', ctx.secureContext);

  return {
    handle(conn) {
      const policy = { passwordAllowed: (secure: boolean) => plaintextAllowed(ctx.config.auth.plaintext, { secure, remoteAddress: conn.remoteAddress }) };
      const session = new SmtpConnection(server, conn.socket, { id: conn.cid, remoteAddress: conn.remoteAddress, remotePort: conn.remotePort }, policy);
      attachState(session.session, conn);
      server.connections.add(session);
      session.on('error', (err: Error) => conn.log.debug({ err: err.message }, 'SMTP session error'));
      session.init();
    },
    shutdown() {
      for (const session of server.connections) session.send(421, `4.3.2 ${ctx.config.hostname} shutting down`);
    },
  };
}
