/**
 * The DNS lookups SPF, DKIM, DMARC and ARC verification make, behind one function type so
 * tests can answer from memory. Production uses node:dns with `outbound.dns-servers` if set.
 */
import { promises as dns } from 'node:dns';
import { cachedDnsLookup } from './dns-cache.ts';

/** mailauth's resolver contract: records of `rrtype` for `name`; throws ENOTFOUND/ENODATA. */
export type DnsLookup = (name: string, rrtype: string) => Promise<string[][] | string[]>;

/** The servers of each lookup made by systemDnsLookup (none: the system's). */
const systemLookups = new WeakMap<DnsLookup, readonly string[]>();

export function systemDnsLookup(servers?: readonly string[]): DnsLookup {
  const resolver = new dns.Resolver({ timeout: 5000, tries: 2 });
  if (servers && servers.length > 0) resolver.setServers([...servers]);
  // mailauth hands the answer on as node:dns shapes it (TXT as string[][], MX as objects).
  const lookup = cachedDnsLookup((name, rrtype) => resolver.resolve(name, rrtype) as unknown as Promise<string[][] | string[]>);
  systemLookups.set(lookup, [...(servers ?? [])]);
  return lookup;
}

/**
 * The servers `lookup` asks if systemDnsLookup made it (a worker thread can then build the same
 * resolver, with its own cache, instead of asking this thread); null for any other function.
 */
export function systemDnsServers(lookup: DnsLookup): readonly string[] | null {
  return systemLookups.get(lookup) ?? null;
}
