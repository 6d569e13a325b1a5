/**
 * SEARCH programs (RFC 9051 §6.4.4, RFC 3501 §6.4.4 keys incl. RECENT/NEW/OLD), ESEARCH RETURN
 * options (RFC 4731 §3.1, SAVE from RFC 5182), CONDSTORE's MODSEQ key (RFC 7162 §3.1.5), WITHIN
 * (RFC 5032), OBJECTID (RFC 8474), SAVEDATE (RFC 8514), and SORT / THREAD (RFC 5256, RFC 5957).
 */
import { readDate, readFlag, readSequenceSet } from './parse-args.ts';
import type { Reader } from './reader.ts';
import type { SearchKey, SearchReturn, SortCriterion, SortKey } from './types.ts';
import { IMAP_LIMITS } from './limits.ts';

/** What SEARCH's arguments parse to (the command adds tag, name and uid). */
export interface SearchProgram {
  charset?: string;
  key: SearchKey;
  return?: SearchReturn;
}

// RFC 9051 §6.4.4: US-ASCII and UTF-8 MUST be supported; we decode strings as UTF-8 only.
const CHARSETS = new Set(['UTF-8', 'US-ASCII']);
const RETURN_OPTS = new Set(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);
const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', false],
  DELETED: ['\\Deleted', false],
  DRAFT: ['\\Draft', false],
  FLAGGED: ['\\Flagged', false],
  SEEN: ['\\Seen', false],
  UNANSWERED: ['\\Answered', true],
  UNDELETED: ['\\Deleted', true],
  UNDRAFT: ['\\Draft', true],
  UNFLAGGED: ['\\Flagged', true],
  UNSEEN: ['\\Seen', true],
};
const HEADER_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);
const DATE_KEYS: Record<string, [Extract<SearchKey, { op: 'date' }>['field'], Extract<SearchKey, { op: 'date' }>['cmp']]> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
  SAVEDBEFORE: ['saved', 'before'],
  SAVEDON: ['saved', 'on'],
  SAVEDSINCE: ['saved', 'since'],
};
const SORT_KEYS = new Set<SortKey>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/** Reads `[RETURN (...)] [CHARSET x] key *(SP key)` (RFC 4731 puts RETURN first). */
export function readSearchProgram(r: Reader): SearchProgram {
  const ret = r.peekWord('RETURN') ? readReturn(r) : undefined;
  let charset: string | undefined;
  if (r.takeWord('CHARSET')) {
    r.sp('CHARSET');
    charset = readCharset(r);
    r.sp('charset');
  }
  const key = readKeys(r);
  return { key, ...(charset !== undefined ? { charset } : {}), ...(ret ? { return: ret } : {}) };
}

/** RFC 4731 §3.1: RETURN "(" [opt *(SP opt)] ")" SP; an empty list means ALL. */
function readReturn(r: Reader): SearchReturn {
  r.takeWord('RETURN');
  r.sp('RETURN');
  const opts: ('MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE')[] = [];
  r.list('RETURN options', () => {
    const o = r.word('a RETURN option');
    if (!RETURN_OPTS.has(o)) r.fail(`unknown RETURN option ${o}`);
    if (!opts.includes(o as 'ALL')) opts.push(o as 'ALL');
  }, true);
  r.sp('RETURN options');
  return opts.length > 0 ? opts : ['ALL'];
}

function readCharset(r: Reader): string {
  const charset = r.astring('a charset').toUpperCase();
  // RFC 9051 §6.4.4: an unsupported charset is NO [BADCHARSET (supported...)].
  if (!CHARSETS.has(charset)) r.fail(`charset ${charset.slice(0, 40)} is not supported`, 'BADCHARSET (US-ASCII UTF-8)', true);
  return charset;
}

/** Reads 1*(SP search-key) up to the end of the command; several keys are ANDed. */
function readKeys(r: Reader): SearchKey {
  const keys = [readKey(r, 0)];
  while (r.take(0x20)) keys.push(readKey(r, 0));
  return keys.length === 1 ? keys[0]! : { op: 'and', keys };
}

function readKey(r: Reader, depth: number): SearchKey {
  if (depth > IMAP_LIMITS.searchDepth) r.fail(`search keys nested deeper than ${IMAP_LIMITS.searchDepth}`, 'LIMIT');
  const b = r.peek();
  if (b === 0x28) {
    const keys: SearchKey[] = [];
    r.list('parenthesised search keys', () => keys.push(readKey(r, depth + 1)));
    return keys.length === 1 ? keys[0]! : { op: 'and', keys };
  }
  if ((b >= 0x30 && b <= 0x39) || b === 0x2a || b === 0x24) return { op: 'seq', set: readSequenceSet(r) };
  const name = r.word('a search key');
  const flag = FLAG_KEYS[name];
  if (flag) return { op: 'flag', flag: flag[0], not: flag[1] };
  const date = DATE_KEYS[name];
  if (date) {
    r.sp(name);
    return { op: 'date', field: date[0], cmp: date[1], date: readDate(r) };
  }
  if (HEADER_KEYS.has(name)) {
    r.sp(name);
    return { op: 'header', field: name, value: r.astring(`${name} string`) };
  }
  switch (name) {
    case 'ALL':
      return { op: 'all' };
    case 'RECENT':
    case 'NEW':
    case 'OLD':
      return { op: name.toLowerCase() as 'recent' };
    case 'SAVEDATESUPPORTED':
      return { op: 'savedatesupported' };
    case 'KEYWORD':
    case 'UNKEYWORD':
      r.sp(name);
      return { op: 'flag', flag: readFlag(r, { allowRecent: true }), not: name === 'UNKEYWORD' };
    case 'HEADER': {
      r.sp(name);
      const field = r.astring('header field name');
      r.sp('header field name');
      return { op: 'header', field, value: r.astring('HEADER string') };
    }
    case 'BODY':
    case 'TEXT':
      r.sp(name);
      return { op: name === 'BODY' ? 'body' : 'text', value: r.astring(`${name} string`) };
    case 'LARGER':
    case 'SMALLER':
      r.sp(name);
      return { op: name === 'LARGER' ? 'larger' : 'smaller', size: r.modseq(`${name} size`) };
    case 'OLDER':
    case 'YOUNGER':
      r.sp(name);
      return { op: name === 'OLDER' ? 'older' : 'younger', seconds: r.nzNumber(`${name} interval`) };
    case 'UID':
      r.sp(name);
      return { op: 'uid', set: readSequenceSet(r, 'UID set') };
    case 'NOT':
      r.sp(name);
      return { op: 'not', key: readKey(r, depth + 1) };
    case 'OR': {
      r.sp(name);
      const a = readKey(r, depth + 1);
      r.sp('first OR key');
      return { op: 'or', a, b: readKey(r, depth + 1) };
    }
    case 'MODSEQ':
      return readModseq(r);
    case 'EMAILID':
    case 'THREADID': {
      r.sp(name);
      // RFC 8474 §7: objectid = 1*255(ALPHA / DIGIT / "_" / "-").
      const id = r.run((c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d);
      if (id === '' || id.length > 255) r.fail(`expected an object id after ${name} ${r.where()}`);
      return { op: name === 'EMAILID' ? 'emailid' : 'threadid', id };
    }
    default:
      return r.fail(`unknown search key ${name.slice(0, 40)}`);
  }
}

/** RFC 7162 §3.1.5: MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer. */
function readModseq(r: Reader): SearchKey {
  r.sp('MODSEQ');
  if (r.peek() === 0x22) {
    r.string('MODSEQ entry name');
    r.sp('MODSEQ entry name');
    const type = r.word('MODSEQ entry type');
    if (type !== 'PRIV' && type !== 'SHARED' && type !== 'ALL') r.fail(`invalid MODSEQ entry type ${type}`);
    r.sp('MODSEQ entry type');
  }
  return { op: 'modseq', modseq: r.modseq('MODSEQ value') };
}

/** Reads SORT's arguments (RFC 5256 §3, RFC 5267 ESORT's RETURN): [RETURN (..)] (criteria) charset keys. */
export function readSortCommand(r: Reader): { criteria: SortCriterion[]; charset: string; key: SearchKey; return?: SearchReturn } {
  const ret = r.peekWord('RETURN') ? readReturn(r) : undefined;
  const criteria: SortCriterion[] = [];
  r.list('sort criteria', () => {
    const reverse = r.takeWord('REVERSE');
    if (reverse) r.sp('REVERSE');
    const key = r.word('a sort key') as SortKey;
    if (!SORT_KEYS.has(key)) r.fail(`unknown sort key ${key}`);
    criteria.push({ key, reverse });
  });
  r.sp('sort criteria');
  const charset = readCharset(r);
  r.sp('charset');
  return { criteria, charset, key: readKeys(r), ...(ret ? { return: ret } : {}) };
}

/** Reads THREAD's arguments (RFC 5256 §3): algorithm SP charset 1*(SP key). */
export function readThreadCommand(r: Reader): { algorithm: 'REFERENCES' | 'ORDEREDSUBJECT'; charset: string; key: SearchKey } {
  const algorithm = r.word('a thread algorithm');
  if (algorithm !== 'REFERENCES' && algorithm !== 'ORDEREDSUBJECT') r.fail(`unknown thread algorithm ${algorithm}`);
  r.sp('thread algorithm');
  const charset = readCharset(r);
  r.sp('charset');
  return { algorithm, charset, key: readKeys(r) };
}
