/**
 * The end of every POP3 login (USER/PASS, AUTH PLAIN, AUTH LOGIN): the password check shared by
 * all protocols (it reads account, hash and settings from the store each time, so CLI changes
 * apply at once), the maildrop lock (RFC 1939 §8), then the maildrop snapshot. Failures answer
 * with RFC 2449 / RFC 3206 codes so clients know whether to ask the user for a new password
 * ([AUTH]) or to try again later ([IN-USE], [SYS/TEMP]). A connection is slowed after each
 * failure and closed after LIMITS.failedLoginsPerConnection.
 */
import { loginWithPassword } from '../../auth/login.ts';
import { LIMITS } from '../../core/limits.ts';
import { openMaildrop } from './open-maildrop.ts';
import { popError, type PopError } from './pop-error.ts';
import type { PopSession } from './session.ts';

const RECENT_PREFIX = /^recent:/i;

/** The refusal when a password may not travel over this connection (auth.plaintext). */
export function insecureError(session: PopSession): PopError {
  const port = session.ctx.config.ports.pop3s;
  const where = session.stlsOffered ? `use STLS${port ? ` or port ${port}` : ''}` : port ? `use port ${port}` : 'use TLS';
  return popError(`password login needs an encrypted connection: ${where}`, 'AUTH');
}

function disabledText(login: string): string {
  const address = /^[\x21-\x7e]{1,254}$/.test(login) ? login.toLowerCase() : 'ADDRESS';
  return (
    'POP3 is turned off for this account; turn it on in the web inbox under Settings > Forwarding and POP/IMAP, ' +
    `or run: postkontor settings set ${address} pop.enabled all`
  );
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function completeLogin(session: PopSession, login: string, password: string): Promise<void> {
  if (!session.loginAllowed()) throw insecureError(session);
  const { ctx, conn } = session;
  // `recent:ADDRESS` (Gmail's recent mode): the same account, a different maildrop.
  const recent = RECENT_PREFIX.test(login);
  const name = recent ? login.slice('recent:'.length) : login;
  const result = await loginWithPassword(ctx.store, {
    protocol: 'pop3',
    login: name,
    password,
    connection: { secure: session.secure, remoteAddress: conn.remoteAddress },
    policy: ctx.config.auth.plaintext,
    limiter: ctx.loginLimiter,
  });
  if (session.isClosed) return;
  if (!result.ok) {
    switch (result.reason) {
      case 'insecure':
        throw insecureError(session);
      case 'disabled':
        throw popError(disabledText(name), 'AUTH');
      case 'rate-limited': {
        const minutes = Math.max(1, Math.ceil((result.retryAfterMs ?? 0) / 60_000));
        throw popError(`too many failed logins; try again in ${minutes} minute${minutes > 1 ? 's' : ''}`, 'SYS/TEMP');
      }
      case 'credentials':
        return failed(session);
    }
  }
  const { account } = result;
  const lock = await ctx.store.pop.lock(account.id);
  if (!lock) {
    conn.log.info({ user: account.address }, 'maildrop in use');
    throw popError('the maildrop is in use by another POP3 session; try again later', 'IN-USE');
  }
  let maildrop;
  try {
    maildrop = await openMaildrop(ctx.store, account, { recent, now: ctx.clock.now() });
  } catch (err) {
    await lock.release();
    throw err;
  }
  if (!(await session.enterTransaction(account, maildrop, lock))) return;
  const { count, octets } = maildrop.stat();
  conn.log.info({ user: account.address, recent, messages: count }, 'logged in');
  session.ok(`logged in; maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
}

async function failed(session: PopSession): Promise<void> {
  session.failedLogins++;
  session.conn.log.info({ failures: session.failedLogins }, 'login failed');
  // Each further failure waits longer; the last one closes the connection.
  await pause(LIMITS.failedLoginDelayMs * (session.failedLogins - 1));
  if (session.failedLogins >= LIMITS.failedLoginsPerConnection) {
    session.err('invalid user name or password', 'AUTH');
    session.end();
    return;
  }
  throw popError('invalid user name or password', 'AUTH');
}
