// RFC 9051 §6.2.3 LOGIN and §6.2.2 AUTHENTICATE (PLAIN RFC 4616, LOGIN; SASL-IR RFC 4959).
// Both end in `completeLogin`, which reads the account, hash and settings from the store at every
// attempt (CLI changes apply at once) and slows, then closes, a connection after failures.
import { loginWithPassword } from '../../../auth/login.ts';
import { decodeLoginStep, decodePlain, LOGIN_CHALLENGES } from '../../../auth/sasl.ts';
import { bad, no, ProtocolError } from '../protocol-error.ts';
import type { ImapSession } from '../session.ts';
import type { CommandSpec, Completion } from '../session-types.ts';
import { LIMITS } from '../../../core/limits.ts';

const DISABLED_TEXT =
  'IMAP is turned off for this account. Turn it on under Settings > Forwarding and POP/IMAP in the web inbox, or ask your administrator.';

async function completeLogin(session: ImapSession, login: string, password: string): Promise<Completion> {
  if (!session.loginAllowed()) {
    throw no('Password logins need an encrypted connection: use STARTTLS or port 993', 'PRIVACYREQUIRED');
  }
  const result = await loginWithPassword(session.ctx.store, {
    protocol: 'imap',
    login,
    password,
    connection: { secure: session.secure, remoteAddress: session.conn.remoteAddress },
    policy: session.ctx.config.auth.plaintext,
    limiter: session.ctx.loginLimiter,
  });
  if (result.ok) {
    session.loggedIn(result.account);
    session.conn.log.info({ user: result.account.address }, 'logged in');
    return { code: `CAPABILITY ${session.capabilityList()}`, text: 'Logged in' };
  }
  if (result.reason === 'disabled') throw no(DISABLED_TEXT, 'ALERT');
  if (result.reason === 'rate-limited') {
    const minutes = Math.max(1, Math.ceil((result.retryAfterMs ?? 0) / 60_000));
    throw no(`Too many failed logins; try again in ${minutes} minute${minutes > 1 ? 's' : ''}`, 'UNAVAILABLE');
  }
  session.failedLogins++;
  session.conn.log.info({ failures: session.failedLogins }, 'login failed');
  // Each further failure waits longer; the last one closes the connection.
  await new Promise((r) => setTimeout(r, LIMITS.failedLoginDelayMs * (session.failedLogins - 1)));
  if (session.failedLogins >= LIMITS.failedLoginsPerConnection) {
    session.writeLine('* BYE Too many failed logins');
    throw new ProtocolError('NO', 'Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  throw no('Invalid credentials', 'AUTHENTICATIONFAILED');
}

export const login: CommandSpec<'LOGIN'> = {
  states: ['not-authenticated'],
  async handle(session, cmd) {
    try {
      return await completeLogin(session, cmd.user, cmd.password);
    } finally {
      if (session.failedLogins >= LIMITS.failedLoginsPerConnection && session.state === 'not-authenticated') {
        setImmediate(() => session.end());
      }
    }
  },
};

/** Reads one SASL client response; `*` cancels (RFC 9051 §6.2.2). */
async function saslStep(session: ImapSession, challenge: string): Promise<string> {
  session.writeLine(`+ ${challenge}`);
  const line = await session.readLine();
  if (line === null) throw bad('Connection closed');
  const text = line.toString('latin1');
  if (text === '*') throw bad('Authentication cancelled');
  return text;
}

export const authenticate: CommandSpec<'AUTHENTICATE'> = {
  states: ['not-authenticated'],
  async handle(session, cmd) {
    const mech = cmd.mechanism.toUpperCase();
    if (!session.loginAllowed()) {
      throw no('Password logins need an encrypted connection: use STARTTLS or port 993', 'PRIVACYREQUIRED');
    }
    let loginName: string;
    let password: string;
    if (mech === 'PLAIN') {
      // SASL-IR: "=" is an empty initial response (RFC 4959 §3).
      const ir = cmd.initialResponse === undefined ? await saslStep(session, '') : cmd.initialResponse === '=' ? '' : cmd.initialResponse;
      const creds = decodePlain(ir);
      if (!creds) throw bad('Malformed PLAIN response', 'CLIENTBUG');
      loginName = creds.login;
      password = creds.password;
    } else if (mech === 'LOGIN') {
      const first = cmd.initialResponse !== undefined ? cmd.initialResponse : await saslStep(session, LOGIN_CHALLENGES[0]);
      const user = decodeLoginStep(first);
      if (user === null) throw bad('Malformed LOGIN response', 'CLIENTBUG');
      const pass = decodeLoginStep(await saslStep(session, LOGIN_CHALLENGES[1]));
      if (pass === null) throw bad('Malformed LOGIN response', 'CLIENTBUG');
      loginName = user;
      password = pass;
    } else {
      throw no(`Unsupported authentication mechanism ${cmd.mechanism}`, 'CANNOT');
    }
    try {
      return await completeLogin(session, loginName, password);
    } finally {
      if (session.failedLogins >= LIMITS.failedLoginsPerConnection && session.state === 'not-authenticated') {
        setImmediate(() => session.end());
      }
    }
  },
};
