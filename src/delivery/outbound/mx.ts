/**
 * MX lookups through node:dns, behind a plain function so tests (and anyone with odd DNS) can
 * replace it. Errors keep node's codes: ENODATA (the name exists, no MX), ENOTFOUND (NXDOMAIN),
 * anything else (ESERVFAIL, ETIMEOUT, ...) is temporary.
 */
import { Resolver } from 'node:dns/promises';

export interface MxRecord {
  readonly exchange: string;
  readonly priority: number;
}

export type ResolveMx = (domain: string) => Promise<MxRecord[]>;

export function systemResolveMx(dnsServers?: readonly string[]): ResolveMx {
  const resolver = new Resolver({ timeout: 10_000, tries: 3 });
  if (dnsServers && dnsServers.length > 0) resolver.setServers([...dnsServers]);
  return (domain) => resolver.resolveMx(domain);
}
