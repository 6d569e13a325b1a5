/**
 * Mailbox-level commands with structured arguments: SELECT/EXAMINE (RFC 7162 CONDSTORE/QRESYNC
 * parameters), CREATE (RFC 6154 USE), LIST (RFC 3501 §6.3.8, RFC 5258 extended, RFC 5819 STATUS
 * return, RFC 6154 SPECIAL-USE), LSUB, STATUS, APPEND (RFC 3502 MULTIAPPEND, RFC 6855 UTF8).
 */
import { decodeName, readDateTime, readFlagList, readMailbox, readSequenceSet } from './parse-args.ts';
import type { Reader } from './reader.ts';
import type { AppendMessage, Command, StatusItem } from './types.ts';

/** The fields of the command variant named `N`, without its tag (the dispatcher adds it). */
export type Args<N extends Command['name']> = Command extends infer C
  ? C extends { readonly name: infer M }
    ? N extends M
      ? Omit<C, 'tag'>
      : never
    : never
  : never;

/** SELECT / EXAMINE mailbox [SP "(" select-param *(SP select-param) ")"]. */
export function readSelect(r: Reader, name: 'SELECT' | 'EXAMINE', utf8: boolean): Args<'SELECT'> {
  const mailbox = readMailbox(r, utf8);
  let condstore = false;
  let qresync: Args<'SELECT'>['qresync'] = undefined;
  if (r.take(0x20)) {
    r.list('select parameters', () => {
      const p = r.word('a select parameter');
      if (p === 'CONDSTORE') condstore = true;
      else if (p === 'QRESYNC') qresync = readQresync(r);
      else r.fail(`unknown select parameter ${p}`);
    });
  }
  return { name, mailbox, condstore, ...(qresync ? { qresync } : {}) };
}

/** RFC 7162 §3.2.5: QRESYNC (uidvalidity SP modseq [SP known-uids] [SP (seqs SP uids)]). */
function readQresync(r: Reader): NonNullable<Args<'SELECT'>['qresync']> {
  r.sp('QRESYNC');
  r.expect(0x28, '"(" after QRESYNC');
  const uidValidity = r.nzNumber('UIDVALIDITY');
  r.sp('UIDVALIDITY');
  const modseq = r.modseq('mod-sequence');
  let knownUids;
  let seqMatch;
  if (r.take(0x20)) {
    if (r.peek() !== 0x28) knownUids = readSequenceSet(r, 'known UIDs');
    if (knownUids === undefined || r.take(0x20)) {
      r.expect(0x28, '"(" to open the sequence match data');
      const seqs = readSequenceSet(r, 'known sequence set');
      r.sp('known sequence set');
      const uids = readSequenceSet(r, 'known UID set');
      r.expect(0x29, '")" to close the sequence match data');
      seqMatch = { seqs, uids };
    }
  }
  r.expect(0x29, '")" to close QRESYNC');
  return { uidValidity, modseq, ...(knownUids ? { knownUids } : {}), ...(seqMatch ? { seqMatch } : {}) };
}

const USE_ATTRS = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash', '\\Important'];
const USE_BY_UPPER = new Map(USE_ATTRS.map((a) => [a.toUpperCase(), a]));

/** CREATE mailbox [SP "(" "USE" SP "(" use-attr... ")" ")"] (RFC 6154 §3; RFC 4466 create-param). */
export function readCreate(r: Reader, utf8: boolean): Args<'CREATE'> {
  const mailbox = readMailbox(r, utf8);
  if (!r.take(0x20)) return { name: 'CREATE', mailbox };
  const specialUse: string[] = [];
  r.list('CREATE parameters', () => {
    const p = r.word('a CREATE parameter');
    if (p !== 'USE') r.fail(`unknown CREATE parameter ${p}`);
    r.sp('USE');
    r.list('USE attributes', () => {
      r.expect(0x5c, 'a special-use attribute (\\Sent, \\Trash, ...)');
      const a = `\\${r.atom('a special-use attribute')}`;
      specialUse.push(USE_BY_UPPER.get(a.toUpperCase()) ?? a);
    }, true);
  });
  return { name: 'CREATE', mailbox, specialUse };
}

const SELECT_OPTS = new Set(['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE']);
const STATUS_ITEMS = new Set<StatusItem>([
  'MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ', 'APPENDLIMIT', 'MAILBOXID',
]);

/** list-char (RFC 9051 §9): ATOM-CHAR, list-wildcards "%" "*", and "]". */
function isListChar(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== 0x28 && b !== 0x29 && b !== 0x7b && b !== 0x22 && b !== 0x5c;
}

function readPattern(r: Reader, utf8: boolean): string {
  const q = r.quoted() ?? r.literal();
  const bytes = q ?? Buffer.from(r.run(isListChar), 'latin1');
  if (q === null && bytes.length === 0) r.fail(`expected a mailbox pattern ${r.where()}`);
  const name = decodeName(r, bytes, utf8, 'mailbox pattern');
  // Only the exact name INBOX is case-insensitive; a pattern like "inbox*" stays as sent.
  return name;
}

/** LIST [SP "(" select-opts ")"] SP reference SP (pattern / "(" patterns ")") [SP RETURN (...)]. */
export function readList(r: Reader, utf8: boolean): Args<'LIST'> {
  const select: string[] = [];
  let extended = false;
  if (r.peek() === 0x28) {
    extended = true;
    r.list('LIST selection options', () => {
      const o = r.word('a LIST selection option');
      if (!SELECT_OPTS.has(o)) r.fail(`unknown LIST selection option ${o}`);
      if (!select.includes(o)) select.push(o);
    }, true);
    r.sp('LIST selection options');
    // RFC 5258 §3.1: RECURSIVEMATCH needs another option that it modifies.
    if (select.includes('RECURSIVEMATCH') && !select.some((o) => o === 'SUBSCRIBED')) {
      r.fail('RECURSIVEMATCH requires SUBSCRIBED');
    }
  }
  const reference = decodeName(r, r.astringBytes('reference name'), utf8, 'reference name');
  r.sp('reference name');
  const patterns: string[] = [];
  if (r.peek() === 0x28) {
    extended = true;
    r.list('LIST patterns', () => patterns.push(readPattern(r, utf8)));
  } else {
    patterns.push(readPattern(r, utf8));
  }
  const ret = { subscribed: false, children: false, specialUse: false } as {
    subscribed: boolean;
    children: boolean;
    specialUse: boolean;
    status?: StatusItem[];
  };
  if (r.take(0x20)) {
    if (!r.takeWord('RETURN')) r.fail(`expected RETURN ${r.where()}`);
    extended = true;
    r.sp('RETURN');
    r.list('LIST return options', () => {
      const o = r.word('a LIST return option');
      if (o === 'SUBSCRIBED') ret.subscribed = true;
      else if (o === 'CHILDREN') ret.children = true;
      else if (o === 'SPECIAL-USE') ret.specialUse = true;
      else if (o === 'STATUS') {
        r.sp('STATUS');
        ret.status = readStatusItems(r);
      } else r.fail(`unknown LIST return option ${o}`);
    }, true);
  }
  return { name: 'LIST', reference, patterns, select, return: ret, basic: !extended };
}

/** LSUB reference SP pattern (RFC 3501 §6.3.9). */
export function readLsub(r: Reader, utf8: boolean): Args<'LSUB'> {
  const reference = decodeName(r, r.astringBytes('reference name'), utf8, 'reference name');
  r.sp('reference name');
  return { name: 'LSUB', reference, pattern: readPattern(r, utf8) };
}

function readStatusItems(r: Reader): StatusItem[] {
  const items: StatusItem[] = [];
  r.list('status items', () => {
    const item = r.word('a status item') as StatusItem;
    if (!STATUS_ITEMS.has(item)) r.fail(`unknown status item ${item}`);
    if (!items.includes(item)) items.push(item);
  });
  return items;
}

/** STATUS mailbox SP "(" status-att *(SP status-att) ")" (RFC 9051 §6.3.11). */
export function readStatus(r: Reader, utf8: boolean): Args<'STATUS'> {
  const mailbox = readMailbox(r, utf8);
  r.sp('mailbox name');
  return { name: 'STATUS', mailbox, items: readStatusItems(r) };
}

/**
 * APPEND mailbox 1*(SP [flag-list SP] [date-time SP] (literal / literal8 / "UTF8" SP "(" literal8 ")")).
 * Several messages are RFC 3502 MULTIAPPEND; `~{n}` is RFC 3516 literal8; UTF8 (...) is RFC 6855 §4.
 */
export function readAppend(r: Reader, utf8: boolean): Args<'APPEND'> {
  const mailbox = readMailbox(r, utf8);
  const messages: AppendMessage[] = [];
  while (r.take(0x20)) {
    let flags: string[] = [];
    let date: number | undefined;
    if (r.peek() === 0x28) {
      flags = readFlagList(r);
      r.sp('APPEND flag list');
    }
    if (r.peek() === 0x22) {
      date = readDateTime(r);
      r.sp('APPEND date-time');
    }
    let wrapped = false;
    if (r.takeWord('UTF8')) {
      r.sp('UTF8');
      r.expect(0x28, '"(" after UTF8');
      wrapped = true;
    }
    const part = r.peekLiteralPart();
    if (part === null || part.type !== 'literal') return r.fail(`expected the message literal ${r.where()}`);
    if (wrapped && !part.binary) r.fail('UTF8 (...) requires a literal8 ~{n} (RFC 6855 §4)');
    const data = r.literal()!;
    if (wrapped) r.expect(0x29, '")" to close UTF8 (...)');
    messages.push({ flags, data, ...(date !== undefined ? { date } : {}), ...(part.binary ? { utf8: true } : {}), ...(part.binary && !wrapped ? { binary: true } : {}) });
  }
  if (messages.length === 0) r.fail('APPEND needs a message literal');
  return { name: 'APPEND', mailbox, messages };
}
