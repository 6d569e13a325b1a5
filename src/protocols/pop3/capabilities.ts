/**
 * CAPA (RFC 2449 §5): what this connection may use right now. USER and SASL only where a
 * password may travel (auth.plaintext), STLS only on the plain listener before TLS and login,
 * EXPIRE per RFC 2449 §6.7: before login the server-wide minimum with USER (some accounts remove
 * retrieved mail), after login this account's value.
 */

export interface CapaContext {
  readonly authenticated: boolean;
  readonly loginAllowed: boolean;
  readonly stlsAvailable: boolean;
  /** After login: the account's settings move or remove retrieved mail. */
  readonly removesRetrieved: boolean;
}

export const SASL_MECHANISMS = ['PLAIN', 'LOGIN'] as const;

export function capabilities(c: CapaContext): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (!c.authenticated) {
    caps.push('EXPIRE 0 USER');
    if (c.loginAllowed) caps.push('USER', `SASL ${SASL_MECHANISMS.join(' ')}`);
    if (c.stlsAvailable) caps.push('STLS');
  } else {
    caps.push(c.removesRetrieved ? 'EXPIRE 0' : 'EXPIRE NEVER');
  }
  caps.push('IMPLEMENTATION postkontor');
  return caps;
}
