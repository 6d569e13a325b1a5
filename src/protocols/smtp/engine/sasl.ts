/**
 * AUTH PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login) as RFC 4954 runs them: the
 * mechanism's responses decoded into credentials, or the 501 to answer. Pure; the session keeps
 * the step and the hook checks the password.
 */
import { hasControl } from './path.ts';
import { smtpReply, type SmtpReply } from './reply.ts';

export type AuthMechanism = 'PLAIN' | 'LOGIN';

export interface AuthCredentials {
  readonly method: AuthMechanism;
  /** The login: PLAIN's authcid (its authzid when a client leaves authcid empty), LOGIN's user. */
  readonly username: string;
  readonly password: string;
  /** PLAIN only: the authorization identity as sent ('' when none). */
  readonly authzid: string;
  readonly authcid: string;
}

/** The LOGIN mechanism's two challenges, base64 of "Username:" and "Password:". */
export const LOGIN_USERNAME = '334 VXNlcm5hbWU6\r\n';
export const LOGIN_PASSWORD = '334 UGFzc3dvcmQ6\r\n';
/** RFC 4954 §4: an empty challenge is `334 ` with the space. */
export const EMPTY_CHALLENGE = '334 \r\n';

/** RFC 4954 §4: the client cancels an exchange with `*`. */
export const AUTH_ABORTED = smtpReply(501, '5.7.0', 'Authentication aborted');
const INVALID = smtpReply(501, '5.5.2', 'Error: invalid userdata');

export function isCancel(response: string): boolean {
  return response.trim() === '*';
}

function base64(text: string): string {
  return Buffer.from(text.trim(), 'base64').toString('utf8');
}

/** `authzid NUL authcid NUL passwd`. */
export function decodePlain(response: string): AuthCredentials | SmtpReply {
  const parts = base64(response).split('\0');
  if (parts.length !== 3) return INVALID;
  const [authzid, authcid, password] = parts as [string, string, string];
  const username = authcid || authzid;
  if (hasControl(username) || hasControl(authzid)) return INVALID;
  return { method: 'PLAIN', username, password, authzid, authcid };
}

/** LOGIN's first answer: the user name. */
export function decodeLoginUser(response: string): string | SmtpReply {
  const username = base64(response);
  if (!username) return smtpReply(501, '5.5.2', 'Error: missing username');
  if (hasControl(username)) return INVALID;
  return username;
}

export function loginCredentials(username: string, passwordResponse: string): AuthCredentials {
  return { method: 'LOGIN', username, password: base64(passwordResponse), authzid: '', authcid: username };
}
