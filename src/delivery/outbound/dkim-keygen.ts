/**
 * DKIM keys for `postkontor domain dkim NAME`: RSA 2048 with rsa-sha256, because every verifier
 * understands it (ed25519-sha256, RFC 8463, is still unverified by several large receivers).
 * The selector names the day the key was made (`pk20260105`), so a rotation gets a new one and
 * the old record can stay published until mail signed with it has been delivered.
 */
import { generateKeyPairSync } from 'node:crypto';
import { normalizeDomain } from '../../core/address.ts';
import type { DkimKey, DkimKeyStore } from '../../store/ports.ts';

export function generateDkimKey(domain: string, selector: string, now: number): DkimKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    domain: normalizeDomain(domain),
    selector,
    algorithm: 'rsa-sha256',
    privateKeyPem: privateKey,
    publicKey: publicKey.toString('base64'),
    createdAt: now,
  };
}

/** The DNS record that publishes a key (RFC 6376 §3.6.1). */
export function dkimTxtRecord(key: DkimKey): { readonly name: string; readonly value: string } {
  const k = key.algorithm === 'ed25519-sha256' ? 'ed25519' : 'rsa';
  return { name: `${key.selector}._domainkey.${key.domain}`, value: `v=DKIM1; k=${k}; p=${key.publicKey}` };
}

function daySelector(now: number): string {
  const d = new Date(now);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `pk${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/**
 * The domain's signing key: the existing one, or a new one when there is none or `rotate` asks
 * for a new one (which then signs from now on).
 */
export async function ensureDkimKey(
  keys: DkimKeyStore,
  domainInput: string,
  opts: { readonly rotate?: boolean; readonly now: number },
): Promise<{ readonly key: DkimKey; readonly created: boolean }> {
  const domain = normalizeDomain(domainInput);
  const existing = await keys.list(domain);
  const active = existing[0];
  if (active && !opts.rotate) return { key: active, created: false };
  const used = new Set(existing.map((k) => k.selector));
  const base = daySelector(opts.now);
  let selector = base;
  for (let n = 2; used.has(selector); n++) selector = `${base}n${n}`;
  const key = generateDkimKey(domain, selector, opts.now);
  await keys.add(key);
  return { key, created: true };
}
