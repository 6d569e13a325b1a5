/**
 * Turns a framed command into a typed `Command` (RFC 9051 §6 and §9, RFC 3501 for rev1, and the
 * extension RFCs cited per command), or throws a `WireError` naming what was expected where.
 * Command names are case-insensitive (Outlook sends lowercase). Throws nothing but WireError.
 */
import { Reader } from './reader.ts';
import { WireError } from './types.ts';
import type { Command, ParseOptions } from './types.ts';
import type { CommandFrame } from './receiver.ts';
import { readFlag, readFlagList, readMailbox, readSequenceSet } from './parse-args.ts';
import { readFetchAtts, readFetchModifiers } from './parse-fetch.ts';
import { readSearchProgram, readSortCommand, readThreadCommand } from './parse-search.ts';
import { readAppend, readCreate, readList, readLsub, readSelect, readStatus } from './parse-mailbox.ts';
import type { Args } from './parse-mailbox.ts';
import { IMAP_LIMITS } from './limits.ts';

/** RFC 9051 §9 tag: 1*<any ASTRING-CHAR except "+">. */
const TAG = /^[\x21-\x7e]+$/;
const TAG_BAD = /[(){%*"\\+]/;

const NO_ARGS = new Set(['CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE', 'EXPUNGE']);
const WITH_ARGS = new Set([
  'LOGIN', 'AUTHENTICATE', 'ENABLE', 'ID', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'RENAME',
  'LIST', 'LSUB', 'STATUS', 'APPEND', 'SEARCH', 'SORT', 'THREAD', 'FETCH', 'STORE', 'COPY', 'MOVE', 'GETQUOTA',
  'GETQUOTAROOT', 'SETQUOTA', 'COMPRESS',
]);
const UID_COMMANDS = new Set(['COPY', 'MOVE', 'FETCH', 'STORE', 'SEARCH', 'SORT', 'THREAD', 'EXPUNGE']);

/** Parses one framed command; see the module comment. */
export function parseCommand(frame: CommandFrame, opts: ParseOptions): Command {
  const r = Reader.of(frame);
  try {
    return parse(r, opts);
  } catch (err) {
    if (err instanceof WireError) throw err;
    // A bug in a reader must still answer BAD, not take the session down.
    throw new WireError(`could not parse command: ${(err as Error).message}`, r.tag);
  }
}

function parse(r: Reader, opts: ParseOptions): Command {
  const tag = r.run((b) => b > 0x20 && b < 0x7f);
  if (tag === '' || !TAG.test(tag) || TAG_BAD.test(tag)) {
    throw new WireError(tag === '' ? 'expected a tag' : `invalid tag ${tag.slice(0, 40)}`, null);
  }
  r.tag = tag;
  r.sp('tag');
  let name = r.word('a command name');
  let uid = false;
  if (name === 'UID') {
    r.sp('UID');
    name = r.word('a command name after UID');
    if (!UID_COMMANDS.has(name)) r.fail(`UID ${name} is not a command`);
    uid = true;
  }
  const cmd = parseArgs(r, tag, name, uid, opts);
  r.end(`${uid ? 'UID ' : ''}${name} arguments`);
  return cmd;
}

function parseArgs(r: Reader, tag: string, name: string, uid: boolean, opts: ParseOptions): Command {
  if (NO_ARGS.has(name) && !(uid && name === 'EXPUNGE')) {
    if (!r.atEnd()) r.fail(`${name} takes no arguments`);
    return { tag, name: name as Args<'NOOP'>['name'] };
  }
  if (!WITH_ARGS.has(name) && !uid) r.fail(`unknown command ${name.slice(0, 40)}`);
  r.sp(name);
  switch (name) {
    case 'LOGIN': {
      const user = r.astring('user name');
      r.sp('user name');
      return { tag, name, user, password: r.astring('password') };
    }
    case 'AUTHENTICATE': {
      const mechanism = r.atom('a SASL mechanism name').toUpperCase();
      if (!r.take(0x20)) return { tag, name, mechanism };
      // RFC 4959 SASL-IR: base64 or "=" for an empty response.
      const initialResponse = r.run((b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2b || b === 0x2f || b === 0x3d);
      if (initialResponse === '') r.fail(`expected a base64 initial response ${r.where()}`);
      return { tag, name, mechanism, initialResponse };
    }
    case 'ENABLE': {
      // RFC 5161 §3.1: ENABLE 1*(SP capability).
      const capabilities = [r.atom('a capability name').toUpperCase()];
      while (r.take(0x20)) capabilities.push(r.atom('a capability name').toUpperCase());
      return { tag, name, capabilities };
    }
    case 'ID':
      return { tag, name, params: readId(r) };
    case 'SELECT':
    case 'EXAMINE':
      return { tag, ...readSelect(r, name, opts.utf8) };
    case 'CREATE':
      return { tag, ...readCreate(r, opts.utf8) };
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      return { tag, name, mailbox: readMailbox(r, opts.utf8) };
    case 'RENAME': {
      const from = readMailbox(r, opts.utf8, 'existing mailbox name');
      r.sp('existing mailbox name');
      return { tag, name, from, to: readMailbox(r, opts.utf8, 'new mailbox name') };
    }
    case 'LIST':
      return { tag, ...readList(r, opts.utf8) };
    case 'LSUB':
      return { tag, ...readLsub(r, opts.utf8) };
    case 'STATUS':
      return { tag, ...readStatus(r, opts.utf8) };
    case 'APPEND':
      return { tag, ...readAppend(r, opts.utf8) };
    case 'EXPUNGE':
      return { tag, name: 'UID EXPUNGE', set: readSequenceSet(r, 'UID set') };
    case 'SEARCH':
      return { tag, name, uid, ...readSearchProgram(r) };
    case 'SORT':
      return { tag, name, uid, ...readSortCommand(r) };
    case 'THREAD':
      return { tag, name, uid, ...readThreadCommand(r) };
    case 'FETCH':
      return { tag, ...readFetch(r, uid) };
    case 'STORE':
      return { tag, ...readStore(r, uid) };
    case 'COPY':
    case 'MOVE': {
      const set = readSequenceSet(r);
      r.sp('sequence set');
      return { tag, name, uid, set, mailbox: readMailbox(r, opts.utf8) };
    }
    case 'GETQUOTA':
      return { tag, name, root: r.astring('quota root') };
    case 'GETQUOTAROOT':
      return { tag, name, mailbox: readMailbox(r, opts.utf8) };
    case 'SETQUOTA':
      return { tag, ...readSetQuota(r) };
    case 'COMPRESS':
      return { tag, name, mechanism: r.atom('a compression mechanism').toUpperCase() };
    default:
      return r.fail(`unknown command ${name.slice(0, 40)}`);
  }
}

/** RFC 2971 §4: ID ("(" string SP nstring *(SP string SP nstring) ")") / NIL. */
function readId(r: Reader): Record<string, string | null> | null {
  if (r.takeWord('NIL')) return null;
  const params: Record<string, string | null> = {};
  let pairs = 0;
  r.list('ID parameter list', () => {
    if (++pairs > IMAP_LIMITS.idPairs) r.fail(`more than ${IMAP_LIMITS.idPairs} ID fields (RFC 2971 §3.3)`);
    const key = r.string('ID field name');
    r.sp('ID field name');
    // defineProperty: a field named "__proto__" must stay an ordinary field, not a prototype.
    Object.defineProperty(params, key, { value: r.nstring('ID field value'), enumerable: true, writable: true, configurable: true });
  }, true);
  return params;
}

function readFetch(r: Reader, uid: boolean): Args<'FETCH'> {
  const set = readSequenceSet(r);
  r.sp('sequence set');
  const atts = readFetchAtts(r);
  if (!r.take(0x20)) return { name: 'FETCH', uid, set, atts, vanished: false };
  const mods = readFetchModifiers(r, uid);
  return {
    name: 'FETCH',
    uid,
    set,
    atts,
    vanished: mods.vanished,
    ...(mods.changedSince !== undefined ? { changedSince: mods.changedSince } : {}),
  };
}

/** RFC 9051 §6.4.6 and RFC 7162 §3.1.3: STORE set [(UNCHANGEDSINCE n)] [+-]FLAGS[.SILENT] flags. */
function readStore(r: Reader, uid: boolean): Args<'STORE'> {
  const set = readSequenceSet(r);
  r.sp('sequence set');
  let unchangedSince: number | undefined;
  if (r.peek() === 0x28) {
    r.list('store modifiers', () => {
      const m = r.word('a store modifier');
      if (m !== 'UNCHANGEDSINCE') r.fail(`unknown store modifier ${m}`);
      r.sp('UNCHANGEDSINCE');
      unchangedSince = r.modseq('UNCHANGEDSINCE mod-sequence');
    });
    r.sp('store modifiers');
  }
  const mode = r.take(0x2b) ? 'add' : r.take(0x2d) ? 'remove' : 'set';
  const item = r.word('FLAGS, +FLAGS or -FLAGS');
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') r.fail(`expected FLAGS, +FLAGS or -FLAGS, not ${item}`);
  r.sp(item);
  let flags: string[];
  if (r.peek() === 0x28) {
    flags = readFlagList(r);
  } else {
    flags = [readFlag(r)];
    while (r.take(0x20)) flags.push(readFlag(r));
  }
  return {
    name: 'STORE',
    uid,
    set,
    mode,
    silent: item === 'FLAGS.SILENT',
    flags,
    ...(unchangedSince !== undefined ? { unchangedSince } : {}),
  };
}

/** RFC 9208 §4.4.4: SETQUOTA root "(" [resource SP number64 *(SP ...)] ")". */
function readSetQuota(r: Reader): Args<'SETQUOTA'> {
  const root = r.astring('quota root');
  r.sp('quota root');
  const limits: Record<string, number> = {};
  r.list('quota resource list', () => {
    const resource = r.atom('a quota resource name').toUpperCase();
    r.sp('quota resource name');
    limits[resource] = r.modseq('quota limit');
  }, true);
  return { name: 'SETQUOTA', root, limits };
}
