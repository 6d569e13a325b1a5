/**
 * A small cache in front of the verification lookups. Every inbound message asks for the same
 * SPF, DMARC and DKIM key records of its sender's domain; a burst from one domain would ask the
 * resolver the same questions hundreds of times a second (6 % of the CPU in bench/smtp).
 * node:dns gives no TTLs for these record types, so answers live a fixed, short time; "no such
 * record" (ENOTFOUND/ENODATA) is cached too, shorter; other failures (timeouts) are not cached.
 */
import type { DnsLookup } from './dns-resolver.ts';

export interface DnsCacheOptions {
  readonly ttlMs?: number;
  readonly negativeTtlMs?: number;
  /** Most entries kept; the oldest go first. */
  readonly max?: number;
  readonly now?: () => number;
}

type Entry = { readonly until: number; readonly answer: Promise<string[][] | string[]> };

const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

export function cachedDnsLookup(lookup: DnsLookup, opts: DnsCacheOptions = {}): DnsLookup {
  const ttl = opts.ttlMs ?? 60_000;
  const negativeTtl = opts.negativeTtlMs ?? 30_000;
  const max = opts.max ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = entries.get(key);
    if (hit && hit.until > now()) return hit.answer;
    entries.delete(key);
    // Concurrent askers share one query; the entry's lifetime is fixed once it settles.
    const answer = lookup(name, rrtype);
    entries.set(key, { until: Number.POSITIVE_INFINITY, answer });
    if (entries.size > max) entries.delete(entries.keys().next().value!);
    answer.then(
      () => {
        if (entries.get(key)?.answer === answer) entries.set(key, { until: now() + ttl, answer });
      },
      (err: unknown) => {
        const code = (err as { code?: unknown }).code;
        if (entries.get(key)?.answer !== answer) return;
        if (typeof code === 'string' && NEGATIVE.has(code)) entries.set(key, { until: now() + negativeTtl, answer });
        else entries.delete(key);
      },
    );
    return answer;
  };
}
