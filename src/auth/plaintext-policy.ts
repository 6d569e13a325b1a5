/**
 * May a password travel over this connection? One policy (`auth.plaintext`) governs IMAP LOGIN,
 * POP3 USER/PASS, SASL PLAIN/LOGIN and submission AUTH alike. The default, as Dovecot's
 * `disable_plaintext_auth`, allows it after TLS (implicit or STARTTLS) or from loopback.
 */
import { isIPv4 } from 'node:net';
import type { PlaintextPolicy } from '../core/config-schema.ts';

export interface ConnectionSecurity {
  /** The connection is encrypted: implicit TLS or after STARTTLS. */
  readonly secure: boolean;
  /** The peer's address as node reports it (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`). */
  readonly remoteAddress: string | undefined;
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  let a = address.toLowerCase();
  if (a.startsWith('::ffff:')) a = a.slice(7);
  if (isIPv4(a)) return a.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

export function plaintextAllowed(policy: PlaintextPolicy, conn: ConnectionSecurity): boolean {
  switch (policy) {
    case 'always':
      return true;
    case 'tls-only':
      return conn.secure;
    case 'tls-or-loopback':
      return conn.secure || isLoopback(conn.remoteAddress);
  }
}
