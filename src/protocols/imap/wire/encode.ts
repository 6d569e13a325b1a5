/**
 * Response building blocks (RFC 9051 §4 data formats, §7 responses): strings as quoted or
 * literal, flag lists, mailbox names, compressed sequence sets, INTERNALDATE. Pure and small:
 * command modules assemble whole responses from these.
 */
import { encodeMailboxName } from '../../../mime/utf7.ts';

/** Longest string we send quoted; anything longer goes as a literal (easier on clients). */
const QUOTED_MAX = 1024;

/** True when `s` can be sent as a quoted string: no CR, LF, NUL, no 8-bit (unless `utf8`), short. */
export function canQuote(s: string, utf8 = false): boolean {
  if (s.length > QUOTED_MAX) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
    if (c > 0x7e && !utf8) return false;
    if (c < 0x20 && c !== 0x09) return false;
  }
  return true;
}

/** A quoted string with `"` and `\` escaped (RFC 9051 §4.3); the caller ensures `canQuote`. */
export function quoted(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A literal header `{n}` followed by CRLF; the n octets follow it. */
export function literalHeader(n: number): string {
  return `{${n}}\r\n`;
}

/** True when `s` is a non-empty atom that is not NIL (atom-specials per RFC 9051 §9). */
function isAtom(s: string, allowBracket: boolean): boolean {
  if (s === '' || s.toUpperCase() === 'NIL') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x28 || c === 0x29 || c === 0x7b || c === 0x25 || c === 0x2a || c === 0x22 || c === 0x5c) {
      return false;
    }
    if (c === 0x5d && !allowBracket) return false;
  }
  return true;
}

/**
 * A string as a quoted string or, when it cannot be quoted (CR, LF, NUL, 8-bit without `utf8`,
 * long), as a literal: the one choice every string in a response makes.
 */
export function stringOrLiteral(value: string | Buffer, utf8 = false): Buffer {
  if (typeof value === 'string' && canQuote(value, utf8)) return Buffer.from(quoted(value), 'utf8');
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (typeof value !== 'string' && bytes.length <= QUOTED_MAX && bytes.every((b) => b >= 0x20 && b <= 0x7e)) {
    return Buffer.from(quoted(bytes.toString('latin1')), 'latin1');
  }
  return Buffer.concat([Buffer.from(literalHeader(bytes.length), 'latin1'), bytes]);
}

/** An astring: the bare atom when possible, else quoted, else a literal (as text, CRLF inside). */
export function astring(s: string, utf8 = false): string {
  if (isAtom(s, true)) return s;
  if (canQuote(s, utf8)) return quoted(s);
  return `${literalHeader(Buffer.byteLength(s, 'utf8'))}${s}`;
}

/** An nstring: NIL for null, else quoted or literal (as text). */
export function nstring(s: string | null, utf8 = false): string {
  if (s === null) return 'NIL';
  if (canQuote(s, utf8)) return quoted(s);
  return `${literalHeader(Buffer.byteLength(s, 'utf8'))}${s}`;
}

/** A parenthesised flag list `(\Seen $Label)` (RFC 9051 §9 flag-list). */
export function flagList(flags: readonly string[]): string {
  return `(${flags.join(' ')})`;
}

/**
 * A mailbox name for a response: modified UTF-7 (RFC 3501 §5.1.3) unless the client enabled
 * UTF8=ACCEPT / IMAP4rev2, then as an atom, quoted string or literal as its characters need.
 */
export function encodeMailbox(name: string, utf8: boolean): string {
  const wire = utf8 ? name : encodeMailboxName(name);
  return astring(wire, utf8);
}

/**
 * Compresses numbers into an RFC 9051 sequence-set (`1:3,7,9:10`), in the given order with
 * consecutive runs merged (COPYUID and ESEARCH keep the source order, RFC 4315 §3).
 */
export function sequenceSet(numbers: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    const start = numbers[i]!;
    let end = start;
    while (i + 1 < numbers.length && numbers[i + 1] === end + 1) end = numbers[++i]!;
    out.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return out.join(',');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An INTERNALDATE / SAVEDATE as the text of an RFC 9051 date-time, in UTC, without the quotes
 * (wrap it in `quoted()`): `17-Jul-1996 09:44:25 +0000`, and ` 2-Nov-2026 ...` for one-digit days.
 */
export function formatInternalDate(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  // date-day-fixed: a single-digit day is space-padded, not zero-padded.
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${day}-${MONTHS[d.getUTCMonth()]}-${String(d.getUTCFullYear()).padStart(4, '0')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** A response code in brackets, e.g. `statusCode('TOOBIG')` → `[TOOBIG]` (RFC 9051 §7.1). */
export function statusCode(code: string, ...args: (string | number)[]): string {
  return args.length === 0 ? `[${code}]` : `[${code} ${args.join(' ')}]`;
}
