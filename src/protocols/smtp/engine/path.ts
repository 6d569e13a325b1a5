/**
 * The argument of MAIL FROM and RCPT TO (RFC 5321 §4.1.2): `FROM:<path> params`. Pure and total:
 * any input gives a result, never an exception. The address checks are deliberately permissive
 * about the local part (real senders write `user.@example.com` and worse) and strict about what
 * could hurt later: control characters, a second `@`, a malformed domain or address literal.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type ParamValue = string | true;

/** A parsed path: the address (source route dropped) and its ESMTP parameters (keys upper-case). */
export interface SmtpPath {
  readonly address: string;
  readonly params: Readonly<Record<string, ParamValue>>;
}

export type PathResult =
  | { readonly ok: true; readonly path: SmtpPath; /** A parameter given twice (RFC 3461 §4: never). */ readonly duplicate?: string }
  | { readonly ok: false };

const FAIL: PathResult = { ok: false };
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const UNSAFE_IN_ADDRESS = /[\x00-\x1f\x7f-\x9f\u200b\u2060\ufeff]/;
const SOURCE_ROUTE = /^@[^\s,:@]+(?:,@[^\s,:@]+)*:/;
const DOMAIN = /^[a-zA-Z0-9\u0080-\uffff.-]+$/;
const XTEXT = /\+([0-9A-Fa-f]{2})/g;

/** RFC 3461 §4 xtext: `+XX` is the octet XX. */
export function decodeXtext(value: string): string {
  return value.includes('+') ? value.replace(XTEXT, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) : value;
}

/** RFC 3461 §4 xtext encoding of a value (for tests and DSN): `+`, `=`, controls and non-ASCII as `+XX`. */
export function encodeXtext(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    out += c < 33 || c > 126 || ch === '+' || ch === '=' ? `+${c.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

function validDomain(domain: string): boolean {
  if (domain.startsWith('[') && domain.endsWith(']')) {
    const inner = domain.slice(1, -1);
    if (/^ipv6:/i.test(inner)) return isIPv6(inner.slice(5));
    return isIPv4(inner);
  }
  return !(domain.startsWith('.') || domain.endsWith('.') || domain.startsWith('-') || domain.endsWith('-') || domain.includes('..') || domain.includes('.-') || domain.includes('-.') || !DOMAIN.test(domain));
}

/** An address inside `<>` (already without source route); '' is the null path. */
export function validAddress(address: string, allowPostmaster: boolean): boolean {
  if (address === '') return true;
  if (UNSAFE_IN_ADDRESS.test(address)) return false;
  if (allowPostmaster && address.toLowerCase() === 'postmaster') return true;
  const at = address.indexOf('@');
  if (at <= 0 || at === address.length - 1 || address.indexOf('@', at + 1) !== -1) return false;
  // RFC 5321 §4.5.3.1.3: the path is at most 256 octets with its angle brackets.
  if (address.length > 253) return false;
  const local = address.slice(0, at);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return validDomain(address.slice(at + 1));
}

/**
 * Parses `FROM:<a@b> K=V …` (keyword `FROM`) or `TO:<…> …` (keyword `TO`): the text after the
 * verb. Returns `{ ok: false }` for anything malformed.
 */
export function parsePath(text: string, keyword: 'FROM' | 'TO'): PathResult {
  const colon = text.indexOf(':');
  if (colon === -1 || text.slice(0, colon).trim().toUpperCase() !== keyword) return FAIL;
  const parts = text.slice(colon + 1).trim().split(/\s+/);
  let address = parts[0] ?? '';
  if (address.length < 2 || address.charCodeAt(0) !== 0x3c || address.charCodeAt(address.length - 1) !== 0x3e) return FAIL;
  address = address.slice(1, -1);
  if (address.includes('<') || address.includes('>')) return FAIL;
  // RFC 5321 §4.1.2 and appendix C: a source route is accepted and ignored.
  if (address.charCodeAt(0) === 0x40) address = address.replace(SOURCE_ROUTE, '');
  if (!validAddress(address, keyword === 'TO')) return FAIL;
  const params: Record<string, ParamValue> = Object.create(null) as Record<string, ParamValue>;
  let duplicate: string | undefined;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).toUpperCase();
    if (key === '') continue;
    let value: ParamValue = true;
    if (eq !== -1 && eq < part.length - 1) {
      value = decodeXtext(part.slice(eq + 1));
      // A CR/LF smuggled in as xtext (ENVID=a+0D+0Ab) would inject header or log lines.
      if (CONTROL.test(value)) return FAIL;
    }
    if (key in params) duplicate ??= key;
    params[key] = value;
  }
  return duplicate === undefined ? { ok: true, path: { address, params } } : { ok: true, path: { address, params }, duplicate };
}

/** Parameters that only make sense with a value (a bare `SIZE` is a syntax error). */
export function valuelessParam(params: Readonly<Record<string, ParamValue>>, keys: readonly string[]): string | undefined {
  return keys.find((k) => params[k] === true);
}

/** True when `text` holds a control character (AUTH user names, HELO names). */
export function hasControl(text: string): boolean {
  return CONTROL.test(text);
}
