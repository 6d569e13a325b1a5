/**
 * Message flags: system flags as a bit set, keywords as a space-separated list. IMAP flag names
 * are case-insensitive (RFC 3501 §2.3.2, RFC 9051 §2.3.2); a keyword keeps the spelling it was
 * first stored with. \Recent is a session property and is never stored.
 */
import { PkError } from '../core/errors.ts';
import { LIMITS } from '../core/limits.ts';

export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;
export const FLAG_SEEN = 1;
export const FLAG_ANSWERED = 2;
export const FLAG_FLAGGED = 4;
export const FLAG_DELETED = 8;
export const FLAG_DRAFT = 16;

const BIT_BY_NAME = new Map<string, number>(SYSTEM_FLAGS.map((f, i) => [f.toLowerCase(), 1 << i]));
// RFC 3501 atom-char minus list-wildcards, quoted-specials and resp-specials.
const KEYWORD = /^[^\s(){%*"\\\]\x00-\x1f\x7f]+$/;

export interface ParsedFlags {
  readonly bits: number;
  readonly keywords: readonly string[];
}

/** Splits flag names into system bits and keywords; refuses unknown \-flags and bad atoms. */
export function parseFlags(flags: readonly string[]): ParsedFlags {
  let bits = 0;
  const keywords: string[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    if (lower === '\\recent') continue;
    if (flag.startsWith('\\')) {
      const bit = BIT_BY_NAME.get(lower);
      if (bit === undefined) {
        throw new PkError('PK_ERR_INVALID_FLAG', `unknown system flag ${flag}`);
      }
      bits |= bit;
      continue;
    }
    if (!KEYWORD.test(flag) || flag.length > LIMITS.keywordLength) {
      throw new PkError('PK_ERR_INVALID_FLAG', `invalid keyword "${flag}"`);
    }
    if (seen.has(lower)) continue;
    seen.add(lower);
    keywords.push(flag);
  }
  if (keywords.length > LIMITS.keywordsPerMessage) {
    throw new PkError('PK_ERR_INVALID_FLAG', `too many keywords (limit ${LIMITS.keywordsPerMessage})`);
  }
  return { bits, keywords };
}

export function keywordsFromColumn(column: string | null): string[] {
  return column ? column.split(' ') : [];
}

export function keywordsToColumn(keywords: readonly string[]): string | null {
  return keywords.length ? keywords.join(' ') : null;
}

const memo = new Map<string, readonly string[]>();

/**
 * The flag list of a stored row. Rows share frozen arrays per distinct (bits, keywords) pair,
 * which keeps listing 100,000 messages cheap in time and memory.
 */
export function flagList(bits: number, keywords: string | null): readonly string[] {
  const key = keywords === null ? String(bits) : `${bits} ${keywords}`;
  let list = memo.get(key);
  if (!list) {
    const out: string[] = [];
    SYSTEM_FLAGS.forEach((f, i) => {
      if (bits & (1 << i)) out.push(f);
    });
    if (keywords) out.push(...keywords.split(' '));
    list = Object.freeze(out);
    if (memo.size < 10_000) memo.set(key, list);
  }
  return list;
}

/** Applies STORE semantics (replace, add, remove) to one message's flags. */
export function applyFlags(
  mode: 'set' | 'add' | 'remove',
  current: ParsedFlags,
  change: ParsedFlags,
): ParsedFlags {
  if (mode === 'set') return change;
  if (mode === 'add') {
    const have = new Set(current.keywords.map((k) => k.toLowerCase()));
    const added = change.keywords.filter((k) => !have.has(k.toLowerCase()));
    return { bits: current.bits | change.bits, keywords: [...current.keywords, ...added] };
  }
  const drop = new Set(change.keywords.map((k) => k.toLowerCase()));
  return {
    bits: current.bits & ~change.bits,
    keywords: current.keywords.filter((k) => !drop.has(k.toLowerCase())),
  };
}

export function sameFlags(a: ParsedFlags, b: ParsedFlags): boolean {
  if (a.bits !== b.bits || a.keywords.length !== b.keywords.length) return false;
  const lower = new Set(a.keywords.map((k) => k.toLowerCase()));
  return b.keywords.every((k) => lower.has(k.toLowerCase()));
}
