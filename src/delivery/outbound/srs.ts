/**
 * Sender Rewriting Scheme (Shevek's SRS, as Postfix's postsrsd and Exim implement it): a message
 * forwarded elsewhere goes out with an envelope sender in our own domain, so SPF at the next hop
 * passes, and a bounce to that address can be turned back into the original sender.
 *
 *   SRS0=HHHH=TT=orig-domain=orig-local@local-domain
 *   SRS1=HHHH=first-forwarder==SRS0-part@local-domain   (forwarding an already rewritten sender)
 *
 * HHHH: the first 4 characters of base64(HMAC-SHA1(secret, lower-cased rest)); TT: days since
 * the epoch modulo 1024 in base32. A reversed address older than 21 days or with a bad hash is
 * refused, so nobody can use our domain as a bounce relay.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DAY_MS = 86_400_000;
const MAX_AGE_DAYS = 21;
const HASH_LENGTH = 4;

function hash(secret: string, ...parts: string[]): string {
  return createHmac('sha1', secret).update(parts.join('').toLowerCase()).digest('base64').slice(0, HASH_LENGTH);
}

function timestamp(now: number): string {
  const day = Math.floor(now / DAY_MS) % 1024;
  return `${BASE32[day >> 5]}${BASE32[day & 31]}`;
}

function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/**
 * The envelope sender a message forwarded by `localDomain` goes out with. The null sender and
 * senders already in `localDomain` stay as they are.
 */
export function srsRewrite(sender: string, localDomain: string, secret: string, now: number = Date.now()): string {
  const parts = splitAddress(sender);
  if (!parts) return sender;
  const { local, domain } = parts;
  if (domain.toLowerCase() === localDomain.toLowerCase()) return sender;
  const srs1 = /^SRS1[=+-](.*)$/i.exec(local);
  if (srs1) {
    // Already SRS1: keep the first forwarder and the opaque part, re-sign for our domain.
    const m = /^[^=]*=([^=]+)==(.*)$/.exec(srs1[1] ?? '');
    if (m) return `SRS1=${hash(secret, m[1]!, `=${m[2]!}`)}=${m[1]}==${m[2]}@${localDomain}`;
  }
  const srs0 = /^SRS0([=+-].*)$/i.exec(local);
  if (srs0) {
    const rest = srs0[1]!;
    return `SRS1=${hash(secret, domain, rest)}=${domain}=${rest}@${localDomain}`;
  }
  const tt = timestamp(now);
  return `SRS0=${hash(secret, tt, domain, local)}=${tt}=${domain}=${local}@${localDomain}`;
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The address an SRS address stands for (the original sender for SRS0, the first forwarder's
 * SRS0 address for SRS1), or null when it is not ours: not SRS, a wrong hash, or too old.
 */
export function srsReverse(address: string, secret: string, now: number = Date.now()): string | null {
  const parts = splitAddress(address);
  if (!parts) return null;
  const srs0 = /^SRS0[=+-]([^=]+)=([^=]{2})=([^=]+)=(.+)$/i.exec(parts.local);
  if (srs0) {
    const [, h, tt, domain, local] = srs0 as unknown as [string, string, string, string, string];
    if (!sameHash(h, hash(secret, tt, domain, local))) return null;
    const a = BASE32.indexOf(tt[0]!.toUpperCase());
    const b = BASE32.indexOf(tt[1]!.toUpperCase());
    if (a < 0 || b < 0) return null;
    const today = Math.floor(now / DAY_MS) % 1024;
    const age = (today - ((a << 5) | b) + 1024) % 1024;
    if (age > MAX_AGE_DAYS) return null;
    return `${local}@${domain}`;
  }
  const srs1 = /^SRS1[=+-]([^=]+)=([^=]+)==?(.+)$/i.exec(parts.local);
  if (srs1) {
    const [, h, forwarder, rest] = srs1 as unknown as [string, string, string, string];
    const opaque = rest.startsWith('=') || rest.startsWith('+') || rest.startsWith('-') ? rest : `=${rest}`;
    if (!sameHash(h, hash(secret, forwarder, opaque))) return null;
    return `SRS0${opaque}@${forwarder}`;
  }
  return null;
}
