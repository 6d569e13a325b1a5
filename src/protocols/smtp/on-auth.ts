/**
 * AUTH PLAIN / LOGIN (RFC 4954): the password check shared with IMAP and POP3 (store read on
 * every attempt, `auth.plaintext` policy, the node's failed-login limiter). A connection is
 * slowed after each failure and closed after LIMITS.failedLoginsPerConnection, as in POP3.
 */
import { loginWithPassword } from '../../auth/login.ts';
import { LIMITS } from '../../core/limits.ts';
import type { SmtpDeps } from './deps.ts';
import { smtpReply, type SmtpReply } from './engine/reply.ts';
import type { AuthCredentials } from './engine/sasl.ts';
import type { PkSmtpSession } from './session-state.ts';

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function onAuth(deps: SmtpDeps, auth: AuthCredentials, session: PkSmtpSession): Promise<{ user: string } | SmtpReply> {
  const state = session.state;
  const { ctx } = deps;
  const login = auth.username;
  const password = auth.password;
  // No proxy authorization: an authzid must name the same user (RFC 4616 §2).
  const authzid = auth.authzid;
  const mismatch = authzid !== '' && authzid.toLowerCase() !== auth.authcid.toLowerCase();
  const result = mismatch
    ? ({ ok: false, reason: 'credentials' } as const)
    : await loginWithPassword(ctx.store, {
        protocol: 'submission',
        login,
        password,
        connection: { secure: session.secure, remoteAddress: state.conn.remoteAddress },
        policy: ctx.config.auth.plaintext,
        limiter: ctx.loginLimiter,
      });
  if (result.ok) {
    state.account = result.account;
    state.conn.session.user = result.account.address;
    state.conn.log.info({ user: result.account.address, method: auth.method }, 'authenticated');
    return { user: result.account.address };
  }
  switch (result.reason) {
    case 'insecure':
      return smtpReply(538, '5.7.11', 'Encryption required for requested authentication mechanism; use STARTTLS first');
    case 'rate-limited': {
      const minutes = Math.max(1, Math.ceil((result.retryAfterMs ?? 0) / 60_000));
      return smtpReply(454, '4.7.0', `too many failed logins; try again in ${minutes} minute${minutes > 1 ? 's' : ''}`);
    }
    case 'disabled':
    case 'credentials': {
      state.failedAuths++;
      state.conn.log.info({ failures: state.failedAuths, method: auth.method }, 'authentication failed');
      await pause(LIMITS.failedLoginDelayMs * (state.failedAuths - 1));
      // The engine closes the connection after a 421.
      if (state.failedAuths >= LIMITS.failedLoginsPerConnection) return smtpReply(421, '4.7.0', 'too many failed logins; closing connection');
      return smtpReply(535, '5.7.8', 'Authentication credentials invalid');
    }
  }
}
