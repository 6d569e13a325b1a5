/**
 * Argument readers shared by several commands: sequence sets, flags, dates, mailbox names.
 */
import { decodeMailboxName } from '../../../mime/utf7.ts';
import { LIMITS } from '../../../core/limits.ts';
import { isAtomChar } from './reader.ts';
import type { Reader } from './reader.ts';
import type { SeqRange, SequenceSet } from './types.ts';

const DIGIT = (b: number): boolean => b >= 0x30 && b <= 0x39;

/**
 * Reads an RFC 9051 §9 sequence-set: `*`, numbers, ranges in either order (`4:2` is `2:4`),
 * comma lists, or `$` (RFC 5182 SEARCHRES). 0 is not a message number: BAD.
 */
export function readSequenceSet(r: Reader, what = 'sequence set'): SequenceSet {
  if (r.take(0x24)) return { kind: 'saved' };
  const text = r.run((b) => DIGIT(b) || b === 0x2a || b === 0x3a || b === 0x2c);
  if (text === '') r.fail(`expected ${what} ${r.where()}`);
  const ranges: SeqRange[] = [];
  for (const item of text.split(',')) {
    const ends = item.split(':');
    if (ends.length > 2) r.fail(`invalid ${what} ${text}`);
    const a = seqNumber(ends[0]!);
    const b = ends.length === 2 ? seqNumber(ends[1]!) : a;
    if (a === null || b === null) r.fail(`invalid ${what} ${text}`);
    ranges.push(a <= b ? { from: a, to: b } : { from: b, to: a });
  }
  return { kind: 'set', ranges };
}

function seqNumber(s: string): number | null {
  if (s === '*') return Infinity;
  if (!/^[0-9]{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 0xffffffff ? n : null;
}

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '\\Recent'];
const SYSTEM_BY_UPPER = new Map(SYSTEM_FLAGS.map((f) => [f.toUpperCase(), f]));

/**
 * Reads one flag: a system flag (returned in its canonical case), a keyword atom, or a flag-extension `\Word` kept as sent. \Recent cannot be stored (RFC 3501 §9).
 */
export function readFlag(r: Reader, opts: { allowRecent?: boolean } = {}): string {
  const backslash = r.take(0x5c);
  const word = r.run(isAtomChar);
  if (word === '') r.fail(`expected a flag ${r.where()}`);
  if (word.length > LIMITS.keywordLength) r.fail(`flag ${word.slice(0, 20)}... is longer than ${LIMITS.keywordLength} characters`, 'LIMIT', true);
  if (!backslash) return word;
  const system = SYSTEM_BY_UPPER.get(`\\${word.toUpperCase()}`);
  if (system === '\\Recent' && opts.allowRecent !== true) r.fail('\\Recent cannot be set by a client');
  return system ?? `\\${word}`;
}

/** Reads a parenthesised flag list `(\Seen $Label)`, possibly empty. */
export function readFlagList(r: Reader): string[] {
  const flags: string[] = [];
  r.list('flag list', () => flags.push(readFlag(r)), true);
  return flags;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Reads an RFC 9051 §9 `date` (`1-Feb-1994`, optionally quoted) and returns `YYYY-MM-DD`. */
export function readDate(r: Reader): string {
  const quoted = r.take(0x22);
  const text = r.run((b) => DIGIT(b) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d);
  if (quoted) r.expect(0x22, 'closing quote of date');
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!.toUpperCase()) : -1;
  const day = m ? Number(m[1]) : 0;
  const year = m ? Number(m[3]) : 0;
  if (!m || month < 0 || day < 1 || day > daysIn(year, month)) r.fail(`invalid date "${text}" (expected d-Mon-yyyy)`);
  return `${m[3]}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Reads an RFC 9051 §9 `date-time` ("17-Jul-1996 02:44:25 -0700") and returns epoch ms. */
export function readDateTime(r: Reader): number {
  const raw = r.quoted();
  if (raw === null) r.fail(`expected a quoted date-time ${r.where()}`);
  const text = raw.toString('latin1');
  // date-day-fixed is (SP DIGIT) / 2DIGIT; a bare single digit is accepted too.
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!.toUpperCase()) : -1;
  if (!m || month < 0) return r.fail(`invalid date-time "${text}" (expected "dd-Mon-yyyy hh:mm:ss +zzzz")`);
  const [day, year, hh, mm, ss, zh, zm] = [1, 3, 4, 5, 6, 8, 9].map((i) => Number(m[i])) as [number, number, number, number, number, number, number];
  if (day < 1 || day > daysIn(year, month) || hh > 23 || mm > 59 || ss > 60 || zm > 59) {
    r.fail(`invalid date-time "${text}"`);
  }
  const offset = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm) * 60_000;
  return Date.UTC(year, month, day, hh, mm, ss) - offset;
}

/**
 * Reads a mailbox name (RFC 9051 §9 `mailbox`: astring) and decodes it: UTF-8 under
 * UTF8=ACCEPT / IMAP4rev2, else modified UTF-7 (RFC 3501 §5.1.3). `INBOX` in any case is INBOX.
 */
export function readMailbox(r: Reader, utf8: boolean, what = 'mailbox name'): string {
  return decodeName(r, r.astringBytes(what), utf8, what);
}

/**
 * Decodes mailbox-name bytes as `readMailbox` does (also used for LIST patterns). A name that is
 * a well-formed string but not a valid name (bad modified UTF-7 or UTF-8, NUL) is answered
 * NO [CANNOT], as Dovecot does: the syntax was fine, the name can never exist.
 */
export function decodeName(r: Reader, bytes: Buffer, utf8: boolean, what: string): string {
  let name: string | null;
  if (utf8) {
    try {
      name = UTF8.decode(bytes);
    } catch {
      return r.fail(`${what} is not valid UTF-8`, 'CANNOT', true);
    }
  } else {
    name = decodeMailboxName(bytes.toString('latin1'));
    if (name === null) r.fail(`${what} is not valid modified UTF-7 (RFC 3501 §5.1.3)`, 'CANNOT', true);
  }
  if (name.includes('\0')) r.fail(`${what} contains NUL`, 'CANNOT', true);
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
