/**
 * SASL mechanism decoding shared by IMAP, POP3 and submission: PLAIN (RFC 4616) and the
 * LOGIN mechanism (draft-murchison-sasl-login). Pure: the protocols do the exchange.
 */

export interface SaslCredentials {
  /** Authorization identity; must be empty or equal to the login (no proxy authorization). */
  readonly authzid: string;
  readonly login: string;
  readonly password: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (RFC 4648 §4) to bytes; null when malformed. */
export function decodeBase64(text: string): Buffer | null {
  const t = text.trim();
  if (t.length % 4 !== 0 || !BASE64.test(t)) return null;
  return Buffer.from(t, 'base64');
}

/** `authzid NUL authcid NUL passwd` (RFC 4616 §2); null when malformed. */
export function decodePlain(response: string): SaslCredentials | null {
  const bytes = decodeBase64(response);
  if (!bytes) return null;
  const parts = bytes.toString('utf8').split('\0');
  if (parts.length !== 3) return null;
  const [authzid, login, password] = parts as [string, string, string];
  if (!login || !password) return null;
  if (authzid && authzid.toLowerCase() !== login.toLowerCase()) return null;
  return { authzid, login, password };
}

/** The LOGIN mechanism's two server challenges, base64 ("Username:", "Password:"). */
export const LOGIN_CHALLENGES = ['VXNlcm5hbWU6', 'UGFzc3dvcmQ6'] as const;

/** Decodes one LOGIN-mechanism answer (a base64 line); null when malformed. */
export function decodeLoginStep(response: string): string | null {
  const bytes = decodeBase64(response);
  return bytes ? bytes.toString('utf8') : null;
}
