/**
 * DKIM-signs outgoing mail (RFC 6376, relaxed/relaxed) with the key of the From header's domain
 * (what DMARC aligns with), else of the envelope sender's domain. Mail of a domain without a key
 * goes out unsigned. Signed once, when the message enters the queue: every retry then sends the
 * same bytes.
 */
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { findHeaderEnd, firstField, parseHeaderBlock } from '../../mime/headers.ts';
import { parseAddressList } from '../../mime/address.ts';
import type { DkimKey, DkimKeyStore } from '../../store/ports.ts';

function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(at + 1).toLowerCase() : null;
}

/** Domains to look a key up for, best first: the From header's, then the envelope sender's. */
export function signingDomains(raw: Buffer, sender: string): string[] {
  const out: string[] = [];
  const fields = parseHeaderBlock(raw.subarray(0, findHeaderEnd(raw, 0, Math.min(raw.length, 256 * 1024))));
  const from = parseAddressList(firstField(fields, 'from'))?.[0];
  if (from?.host) out.push(from.host.toLowerCase());
  const env = domainOf(sender);
  if (env && !out.includes(env)) out.push(env);
  return out;
}

export async function findSigningKey(keys: DkimKeyStore, raw: Buffer, sender: string): Promise<DkimKey | null> {
  for (const domain of signingDomains(raw, sender)) {
    try {
      const key = await keys.active(domain);
      if (key) return key;
    } catch {
      // Not a valid domain name (a From header we cannot use): try the next one.
    }
  }
  return null;
}

/** The message with a DKIM-Signature header in front, or unchanged when there is no key. */
export async function signOutgoing(keys: DkimKeyStore, raw: Buffer, sender: string, now: number): Promise<Buffer> {
  const key = await findSigningKey(keys, raw, sender);
  if (!key) return raw;
  // mailauth's default header list: From, Subject, Date, Message-ID, To, Cc, MIME and List-*
  // headers and the like, each as often as present (plus once more, so none can be added).
  const signature = {
    signingDomain: key.domain,
    selector: key.selector,
    privateKey: key.privateKeyPem,
    algorithm: key.algorithm,
    canonicalization: 'relaxed/relaxed',
  };
  // mailauth 4.13 signs only what `signatureData` lists (its .d.ts also declares the fields
  // top-level, where the signer ignores them).
  const result = await dkimSign(raw, { ...signature, signTime: new Date(now), signatureData: [signature] });
  if (result.errors.length > 0 || !/^DKIM-Signature:/i.test(result.signatures)) {
    throw new Error(`DKIM signing for ${key.domain} failed: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}
