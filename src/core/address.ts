/**
 * Account addresses and domain names: validation and the one canonical (lower-case) form under
 * which they are stored and looked up. Users log in everywhere with their full address.
 */
import { PkError } from './errors.ts';
import { LIMITS } from './limits.ts';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// Dot-atom local part (RFC 5322 §3.4.1) without quoted strings: what people actually use.
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

export function normalizeDomain(input: string): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  if (
    name.length === 0 ||
    name.length > LIMITS.domainLength ||
    labels.length < 2 ||
    !labels.every((l) => LABEL.test(l)) ||
    /^\d+$/.test(labels[labels.length - 1] ?? '')
  ) {
    throw new PkError(
      'PK_ERR_INVALID_DOMAIN',
      `invalid domain name "${input}": expected something like example.org`,
    );
  }
  return name;
}

export interface ParsedAddress {
  readonly address: string;
  readonly local: string;
  readonly domain: string;
}

export function parseAddress(input: string): ParsedAddress {
  const text = input.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  const local = at > 0 ? text.slice(0, at) : '';
  const bad = (): never => {
    throw new PkError(
      'PK_ERR_INVALID_ADDRESS',
      `invalid address "${input}": expected local-part@domain, e.g. alice@example.org`,
    );
  };
  if (at <= 0 || text.length > LIMITS.addressLength) return bad();
  if (local.length > LIMITS.localPartLength || !LOCAL.test(local)) return bad();
  let domain: string;
  try {
    domain = normalizeDomain(text.slice(at + 1));
  } catch {
    return bad();
  }
  return { address: `${local}@${domain}`, local, domain };
}
