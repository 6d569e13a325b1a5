/**
 * Where mail for a domain goes: the transport map, else the relay, else the domain's MX hosts
 * (RFC 5321 §5.1: by preference; the domain itself when it has no MX; none at all for a null
 * MX, RFC 7505). A route that cannot exist is a failure with an SMTP-shaped reply, so the rest
 * of the queue (per-recipient status, DSNs) treats it like any remote answer.
 *
 * TLS: mail to MX hosts and transport-map hosts uses opportunistic STARTTLS without certificate
 * checks (RFC 7435; what Postfix's `may` level does: an unverified certificate still beats
 * plaintext, and refusing it would only bounce mail). A relay with credentials is different:
 * we hand it a password, so TLS is required and its certificate verified, except on loopback
 * (a local smarthost or a test server), where there is nothing to intercept.
 */
import { isIP } from 'node:net';
import type { ServerConfig } from '../../core/config-schema.ts';
import type { MxRecord, ResolveMx } from './mx.ts';

export interface Hop {
  readonly host: string;
  readonly port: number;
  readonly kind: 'transport' | 'relay' | 'mx';
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Refuse to go on without STARTTLS (or implicit TLS on 465). */
  readonly requireTls: boolean;
  /** Check the certificate against the host name. */
  readonly verifyTls: boolean;
}

export type Route =
  | { readonly kind: 'hops'; readonly hops: readonly Hop[] }
  | { readonly kind: 'fail'; readonly reply: string };

export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  if (!m) throw new Error(`invalid host:port "${value}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

export async function routeFor(
  domain: string,
  outbound: ServerConfig['outbound'],
  resolveMx: ResolveMx,
  mxPort = 25,
): Promise<Route> {
  const mapped = outbound.transport[domain.toLowerCase()];
  if (mapped !== undefined) {
    const { host, port } = parseHostPort(mapped);
    return { kind: 'hops', hops: [{ host, port, kind: 'transport', requireTls: false, verifyTls: false }] };
  }
  if (outbound.relay !== undefined) {
    const { host, port } = parseHostPort(outbound.relay);
    const auth =
      outbound.relayUser !== undefined ? { user: outbound.relayUser, pass: outbound.relayPassword ?? '' } : undefined;
    const strict = auth !== undefined && !isLoopback(host);
    return {
      kind: 'hops',
      hops: [{ host, port, kind: 'relay', ...(auth ? { auth } : {}), requireTls: strict, verifyTls: strict }],
    };
  }
  let records: MxRecord[];
  try {
    records = await resolveMx(domain);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENODATA') records = [];
    else if (code === 'ENOTFOUND') return { kind: 'fail', reply: `550 5.1.2 domain ${domain} does not exist (DNS NXDOMAIN)` };
    else return { kind: 'fail', reply: `451 4.4.3 MX lookup for ${domain} failed (${code ?? (err as Error).message})` };
  }
  const real = records.filter((r) => r.exchange !== '' && r.exchange !== '.');
  if (records.length > 0 && real.length === 0) {
    return { kind: 'fail', reply: `556 5.1.10 domain ${domain} accepts no mail (null MX)` };
  }
  // No MX: the domain's own address records act as an implicit MX of preference 0.
  const hosts = real.length === 0 ? [domain] : [...real].sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\.$/, ''));
  return {
    kind: 'hops',
    hops: [...new Set(hosts)].map((host) => ({ host, port: mxPort, kind: 'mx' as const, requireTls: false, verifyTls: false })),
  };
}
