/**
 * FETCH attributes (RFC 9051 §6.4.5, RFC 3501 §6.4.5 for the rev1 items), the macros ALL, FAST
 * and FULL, BINARY (RFC 3516), the CONDSTORE/QRESYNC modifiers (RFC 7162 §3.1.4, §3.2.6) and the
 * items of OBJECTID (RFC 8474), SAVEDATE (RFC 8514) and PREVIEW (RFC 8970).
 */
import type { Reader } from './reader.ts';
import type { FetchAtt, Partial, Section } from './types.ts';

const SIMPLE = new Set<string>([
  'ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'UID', 'BODYSTRUCTURE', 'RFC822', 'RFC822.HEADER',
  'RFC822.TEXT', 'MODSEQ', 'EMAILID', 'THREADID', 'SAVEDATE',
]);

const FAST: FetchAtt[] = [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }];
const ALL: FetchAtt[] = [...FAST, { kind: 'ENVELOPE' }];
const FULL: FetchAtt[] = [...ALL, { kind: 'BODY' }];

/** Reads FETCH's attribute argument: a macro, one attribute, or a parenthesised list. */
export function readFetchAtts(r: Reader): FetchAtt[] {
  if (r.takeWord('ALL')) return [...ALL];
  if (r.takeWord('FAST')) return [...FAST];
  if (r.takeWord('FULL')) return [...FULL];
  const atts: FetchAtt[] = [];
  if (r.peek() === 0x28) r.list('fetch attribute list', () => atts.push(readFetchAtt(r)));
  else atts.push(readFetchAtt(r));
  return atts;
}

function readFetchAtt(r: Reader): FetchAtt {
  const name = r.word('a fetch attribute');
  if (SIMPLE.has(name)) return { kind: name } as FetchAtt;
  switch (name) {
    case 'BODY':
    case 'BODY.PEEK': {
      if (r.peek() !== 0x5b) {
        if (name === 'BODY.PEEK') r.fail('expected "[" after BODY.PEEK');
        return { kind: 'BODY' };
      }
      const section = readSection(r);
      const partial = readPartial(r);
      return { kind: 'BODY[]', peek: name === 'BODY.PEEK', section, ...(partial ? { partial } : {}) };
    }
    case 'RFC822.PEEK':
      // Obsolete but sent by new Outlook (go-imap#657): the same as BODY.PEEK[].
      return { kind: 'BODY[]', peek: true, section: { part: [] } };
    case 'BINARY':
    case 'BINARY.PEEK': {
      const part = readBinarySection(r);
      const partial = readPartial(r);
      return { kind: 'BINARY', peek: name === 'BINARY.PEEK', part, ...(partial ? { partial } : {}) };
    }
    case 'BINARY.SIZE':
      return { kind: 'BINARY.SIZE', part: readBinarySection(r) };
    case 'PREVIEW': {
      // RFC 8970 §3.1: PREVIEW [(LAZY)].
      let lazy = false;
      if (r.peekText(7).toUpperCase() === ' (LAZY)') {
        r.sp('PREVIEW');
        r.list('PREVIEW modifiers', () => {
          const m = r.word('a PREVIEW modifier');
          if (m !== 'LAZY') r.fail(`unknown PREVIEW modifier ${m}`);
          lazy = true;
        });
      }
      return { kind: 'PREVIEW', lazy };
    }
    default:
      return r.fail(`unknown fetch attribute ${name}`);
  }
}

/** Reads `[section]` (RFC 9051 §9 section-spec). */
function readSection(r: Reader): Section {
  r.expect(0x5b, '"["');
  const part: number[] = [];
  let text: Section['text'];
  let fields: string[] | undefined;
  if (!r.take(0x5d)) {
    let dot = false;
    while (r.peek() >= 0x30 && r.peek() <= 0x39) {
      part.push(r.nzNumber('section part number'));
      dot = r.take(0x2e);
      if (!dot) break;
    }
    const needText = part.length === 0 || dot;
    if (needText) {
      const word = r.word('a section name (HEADER, HEADER.FIELDS, TEXT, MIME)');
      if (word === 'HEADER' || word === 'TEXT') text = word;
      else if (word === 'MIME' && part.length > 0) text = 'MIME';
      else if (word === 'HEADER.FIELDS' || word === 'HEADER.FIELDS.NOT') {
        text = word;
        r.sp(word);
        fields = [];
        const list = fields;
        r.list('header field list', () => list.push(r.astring('a header field name')));
      } else r.fail(`unknown section ${word}`);
    }
    r.expect(0x5d, '"]" to close the section');
  }
  return { part, ...(text ? { text } : {}), ...(fields ? { fields } : {}) };
}

/** Reads BINARY's `[part]` (RFC 3516 §4.2: section-binary = "[" [section-part] "]"). */
function readBinarySection(r: Reader): number[] {
  r.expect(0x5b, '"[" after BINARY');
  const part: number[] = [];
  if (!r.take(0x5d)) {
    for (;;) {
      part.push(r.nzNumber('section part number'));
      if (!r.take(0x2e)) break;
    }
    r.expect(0x5d, '"]" to close the BINARY section');
  }
  return part;
}

/** Reads `<start.length>` if present (RFC 9051 §9 partial: number "." nz-number). */
function readPartial(r: Reader): Partial | undefined {
  if (!r.take(0x3c)) return undefined;
  const start = r.number('partial start');
  r.expect(0x2e, '"." in partial range');
  const length = r.nzNumber('partial length');
  r.expect(0x3e, '">" to close the partial range');
  return { start, length };
}

/** Fetch modifiers (RFC 7162): `(CHANGEDSINCE n)` and, for UID FETCH, `VANISHED`. */
export interface FetchModifiers {
  changedSince?: number;
  vanished: boolean;
}

/** Reads `(CHANGEDSINCE n [VANISHED])` after the attributes. */
export function readFetchModifiers(r: Reader, uid: boolean): FetchModifiers {
  const mods: FetchModifiers = { vanished: false };
  r.list('fetch modifiers', () => {
    const m = r.word('a fetch modifier');
    if (m === 'CHANGEDSINCE') {
      r.sp('CHANGEDSINCE');
      mods.changedSince = r.modseq('CHANGEDSINCE mod-sequence');
    } else if (m === 'VANISHED') {
      mods.vanished = true;
    } else {
      r.fail(`unknown fetch modifier ${m}`);
    }
  });
  // RFC 7162 §3.2.6: VANISHED only with UID FETCH and together with CHANGEDSINCE.
  if (mods.vanished && !uid) r.fail('VANISHED is only allowed in UID FETCH');
  if (mods.vanished && mods.changedSince === undefined) r.fail('VANISHED requires CHANGEDSINCE');
  return mods;
}
