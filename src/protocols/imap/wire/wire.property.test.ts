import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ImapReceiver } from './receiver.ts';
import type { ReceiverEvent } from './receiver.ts';
import { parseCommand } from './parse-command.ts';
import { astring, encodeMailbox, sequenceSet, stringOrLiteral } from './encode.ts';
import { IMAP_LIMITS } from './limits.ts';
import { WireError } from './types.ts';
import type { SearchKey, SequenceSet } from './types.ts';
import { chunks, drive, parse, plain } from './test-helpers.ts';

const RUNS = { numRuns: 300 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const unicode = (maxLength: number) => fc.string({ unit: 'binary', maxLength });

// ---- sequence sets --------------------------------------------------------------------------

const seqNumber = fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.constant(Infinity));
const seqRange = fc.tuple(seqNumber, seqNumber).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));
const seqSetArb: fc.Arbitrary<SequenceSet> = fc.oneof(
  { weight: 9, arbitrary: fc.array(seqRange, { minLength: 1, maxLength: 6 }).map((ranges) => ({ kind: 'set' as const, ranges })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'saved' as const }) },
);

function writeSet(s: SequenceSet, reverse = false): string {
  if (s.kind === 'saved') return '$';
  const n = (x: number): string => (x === Infinity ? '*' : String(x));
  return s.ranges.map((r) => (r.from === r.to ? n(r.from) : reverse ? `${n(r.to)}:${n(r.from)}` : `${n(r.from)}:${n(r.to)}`)).join(',');
}

test('property: sequence sets survive write → parse, ranges in either order', () => {
  fc.assert(
    fc.property(seqSetArb, fc.boolean(), (set, reverse) => {
      const c = parse(`A1 UID FETCH ${writeSet(set, reverse)} UID`);
      assert.ok(c.name === 'FETCH');
      assert.deepEqual(c.set, set);
    }),
    RUNS,
  );
});

test('property: sequenceSet() compresses numbers that parse back to the same numbers in order', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 40 }), (numbers) => {
      const c = parse(`A1 COPY ${sequenceSet(numbers)} x`);
      assert.ok(c.name === 'COPY' && c.set.kind === 'set');
      const back = c.set.ranges.flatMap((r) => Array.from({ length: r.to - r.from + 1 }, (_, i) => r.from + i));
      // Runs only ever go upwards, so expanding each range restores the original order.
      assert.deepEqual(back, numbers);
    }),
    RUNS,
  );
});

// ---- strings and mailbox names --------------------------------------------------------------

test('property: any text survives astring() → LOGIN (atom, quoted or literal)', () => {
  fc.assert(
    fc.property(unicode(40), unicode(40), fc.boolean(), (user, password, utf8) => {
      const c = parse(`A1 LOGIN ${astring(user, utf8)} ${astring(password, utf8)}`);
      assert.deepEqual(c, { tag: 'A1', name: 'LOGIN', user, password });
    }),
    RUNS,
  );
});

test('property: any bytes survive stringOrLiteral() and APPEND literals', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const data = Buffer.from(bytes);
      const frame = Buffer.concat([Buffer.from('A1 APPEND INBOX '), Buffer.from(`{${data.length}}\r\n`), data]);
      const c = parse(frame);
      assert.ok(c.name === 'APPEND');
      assert.deepEqual(c.messages[0]!.data, data);
      // The ID command takes the same bytes as a string when they are valid UTF-8.
      const text = data.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(data)) return;
      const id = parse(Buffer.concat([Buffer.from('A2 ID ("k" '), stringOrLiteral(data), Buffer.from(')')]));
      assert.deepEqual(id, { tag: 'A2', name: 'ID', params: { k: text } });
    }),
    RUNS,
  );
});

test('property: mailbox names survive encodeMailbox() → parse, in modified UTF-7 and in UTF-8', () => {
  fc.assert(
    fc.property(unicode(30).filter((s) => !s.includes('\0') && s.toUpperCase() !== 'INBOX'), fc.boolean(), (name, utf8) => {
      const c = parse(`A1 SELECT ${encodeMailbox(name, utf8)}`, utf8);
      assert.ok(c.name === 'SELECT');
      assert.equal(c.mailbox, name);
    }),
    RUNS,
  );
});

// ---- search keys ----------------------------------------------------------------------------

const text = unicode(12);
const keyword = fc.stringMatching(/^\$?[A-Za-z][A-Za-z0-9_-]{0,10}$/);
const dateArb = fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const leaf: fc.Arbitrary<SearchKey> = fc.oneof(
  fc.constant({ op: 'all' as const }),
  seqSetArb.map((set) => ({ op: 'seq' as const, set })),
  seqSetArb.map((set) => ({ op: 'uid' as const, set })),
  fc.record({ op: fc.constant('flag' as const), flag: fc.oneof(fc.constantFrom('\\Answered', '\\Deleted', '\\Draft', '\\Flagged', '\\Seen'), keyword), not: fc.boolean() }, { noNullPrototype: true }),
  fc.constantFrom({ op: 'recent' as const }, { op: 'new' as const }, { op: 'old' as const }, { op: 'savedatesupported' as const }),
  fc.record({ op: fc.constant('header' as const), field: fc.oneof(fc.constantFrom('FROM', 'TO', 'CC', 'BCC', 'SUBJECT'), text), value: text }, { noNullPrototype: true }),
  fc.record({ op: fc.constantFrom('body' as const, 'text' as const), value: text }, { noNullPrototype: true }),
  fc.record({ op: fc.constant('date' as const), field: fc.constantFrom('internal' as const, 'sent' as const, 'saved' as const), cmp: fc.constantFrom('before' as const, 'on' as const, 'since' as const), date: dateArb }, { noNullPrototype: true }),
  fc.record({ op: fc.constantFrom('larger' as const, 'smaller' as const), size: fc.maxSafeNat() }, { noNullPrototype: true }),
  fc.record({ op: fc.constantFrom('older' as const, 'younger' as const), seconds: fc.integer({ min: 1, max: 0xffffffff }) }, { noNullPrototype: true }),
  fc.record({ op: fc.constant('modseq' as const), modseq: fc.maxSafeNat() }, { noNullPrototype: true }),
  fc.record({ op: fc.constantFrom('emailid' as const, 'threadid' as const), id: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/) }, { noNullPrototype: true }),
);
const { key: keyArb } = fc.letrec<{ key: SearchKey }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('key').map((key) => ({ op: 'not' as const, key })),
    fc.tuple(tie('key'), tie('key')).map(([a, b]) => ({ op: 'or' as const, a, b })),
    fc.array(tie('key'), { minLength: 2, maxLength: 3 }).map((keys) => ({ op: 'and' as const, keys })),
  ),
}));

/** Serialises a key the way a client would; nested AND lists get parentheses. */
function writeKey(k: SearchKey, top = false): string {
  const s = (v: string): string => astring(v, true);
  switch (k.op) {
    case 'all':
    case 'recent':
    case 'new':
    case 'old':
    case 'savedatesupported':
      return k.op.toUpperCase();
    case 'seq':
      return writeSet(k.set);
    case 'uid':
      return `UID ${writeSet(k.set)}`;
    case 'flag': {
      const system = k.flag.startsWith('\\') ? k.flag.slice(1).toUpperCase() : null;
      if (system) return `${k.not ? 'UN' : ''}${system}`;
      return `${k.not ? 'UNKEYWORD' : 'KEYWORD'} ${k.flag}`;
    }
    case 'header':
      return ['FROM', 'TO', 'CC', 'BCC', 'SUBJECT'].includes(k.field) ? `${k.field} ${s(k.value)}` : `HEADER ${s(k.field)} ${s(k.value)}`;
    case 'body':
    case 'text':
      return `${k.op.toUpperCase()} ${s(k.value)}`;
    case 'date': {
      const [y, m, d] = k.date.split('-').map(Number) as [number, number, number];
      const prefix = { internal: '', sent: 'SENT', saved: 'SAVED' }[k.field];
      return `${prefix}${k.cmp.toUpperCase()} ${d}-${MONTHS[m - 1]}-${y}`;
    }
    case 'larger':
    case 'smaller':
      return `${k.op.toUpperCase()} ${k.size}`;
    case 'older':
    case 'younger':
      return `${k.op.toUpperCase()} ${k.seconds}`;
    case 'modseq':
      return `MODSEQ ${k.modseq}`;
    case 'emailid':
    case 'threadid':
      return `${k.op.toUpperCase()} ${k.id}`;
    case 'not':
      return `NOT ${writeKey(k.key)}`;
    case 'or':
      return `OR ${writeKey(k.a)} ${writeKey(k.b)}`;
    case 'and': {
      const inner = k.keys.map((x) => writeKey(x)).join(' ');
      return top ? inner : `(${inner})`;
    }
  }
}

test('property: any SearchKey tree survives serialise → parse', () => {
  fc.assert(
    fc.property(keyArb, fc.boolean(), (key, uid) => {
      const c = parse(`A1 ${uid ? 'UID ' : ''}SEARCH CHARSET UTF-8 ${writeKey(key, true)}`);
      assert.deepEqual(c, { tag: 'A1', name: 'SEARCH', uid, charset: 'UTF-8', key });
    }),
    RUNS,
  );
});

// ---- hostile input --------------------------------------------------------------------------

const piece = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constantFrom('\r\n', '\n', '\r', ' ', '{5}\r\n', '{0+}\r\n', '~{3}\r\n', '{99999999}\r\n', '{99999999999+}\r\n', '{70000+}\r\n',
    'A1 IDLE\r\n', 'DONE\r\n', 'A2 APPEND x {100000+}\r\n', 'A3 AUTHENTICATE PLAIN\r\n', 'A4 STARTTLS\r\n', 'A5 LOGIN {4}\r\n', '"', '(').map((s) => Buffer.from(s)),
  fc.integer({ min: 1, max: 3 * IMAP_LIMITS.lineBytes }).map((n) => Buffer.alloc(n, 0x61)),
);

test('property: random input never makes the receiver throw or hold more than its limits', () => {
  const cap = IMAP_LIMITS.appendCommandBytes + IMAP_LIMITS.lineBytes + IMAP_LIMITS.heldBytes;
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.boolean(), (pieces, literalMinus) => {
      const r = new ImapReceiver({ literalMinus });
      for (const p of pieces) {
        const events: ReceiverEvent[] = drive(r, [p]);
        assert.ok(r.bufferedBytes <= cap, `buffered ${r.bufferedBytes}`);
        // Whatever a frame holds, the parser answers with a Command or a WireError.
        for (const e of events) if (e.type === 'command') parseOrWireError(e.frame);
      }
    }),
    { numRuns: 150 },
  );
});

test('property: splitting input anywhere never changes the events', () => {
  fc.assert(
    fc.property(fc.array(piece.filter((b) => b.length < 2000), { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (pieces, size) => {
      const data = Buffer.concat(pieces);
      assert.deepEqual(plain(drive(new ImapReceiver(), chunks(data, size))), plain(drive(new ImapReceiver(), [data])));
    }),
    { numRuns: 150 },
  );
});

function parseOrWireError(frame: Parameters<typeof parseCommand>[0]): void {
  try {
    parseCommand(frame, { utf8: false });
  } catch (err) {
    assert.ok(err instanceof WireError, String(err));
    // parseCommand wraps unexpected exceptions; seeing the wrapper means a reader bug.
    assert.ok(!err.message.startsWith('could not parse command'), err.message);
  }
}

const SEEDS = [
  'A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)]<0.100>) (CHANGEDSINCE 5)',
  'A282 SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR (FLAGGED SINCE 1-Feb-1994) NOT FROM "Smith" UID 1:*',
  'a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted $Junk)',
  'A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211 (1:3 5:7)))',
  'A06 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("%" "a/*") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))',
  'A003 APPEND saved-messages (\\Seen) "17-Jul-1996 02:44:25 -0700" {3+}\r\nabc',
  'A285 UID SORT RETURN (MAX) (SUBJECT REVERSE DATE) UTF-8 ALL',
  'a023 ID ("name" "sodr" "version" NIL)',
  'S0001 SETQUOTA "#user/alice" (STORAGE 510)',
  't1 CREATE "Everything" (USE (\\All))',
  'A1 SEARCH MODSEQ "/flags/\\\\draft" all 620162338 EMAILID M1 YOUNGER 5 SAVEDON 1-Jan-2020',
];

test('property: mutated RFC command lines are parsed or refused with a WireError, never a crash', () => {
  const mutation = fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('replace', 'insert', 'delete', 'truncate'));
  fc.assert(
    fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 5 }), (seed, muts) => {
      let bytes = Buffer.from(seed, 'latin1');
      for (const [at, byte, kind] of muts) {
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (kind === 'replace' && bytes.length > 0) bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i + 1)]);
        else if (kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
        else if (kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
        else bytes = bytes.subarray(0, i);
      }
      const events = new ImapReceiver().push(Buffer.concat([bytes, Buffer.from('\r\n')]));
      for (const e of events) if (e.type === 'command') parseOrWireError(e.frame);
    }),
    { numRuns: 4000 },
  );
});

test('property: random token soup after a command name is parsed or refused with a WireError', () => {
  const names = ['FETCH', 'UID FETCH', 'STORE', 'SEARCH', 'UID SEARCH', 'SORT', 'THREAD', 'LIST', 'STATUS', 'SELECT', 'APPEND', 'CREATE', 'ID', 'SETQUOTA', 'COPY', 'LOGIN', 'ENABLE', 'AUTHENTICATE', 'UID EXPUNGE'];
  const token = fc.oneof(
    fc.constantFrom('(', ')', '[', ']', '<', '>', '"', '\\', '*', '$', '%', ':', ',', '.', '1', '0', '4294967296', 'NIL', 'RETURN', 'CHARSET', 'UTF-8', 'OR', 'NOT',
      'BODY[', 'BODY.PEEK[', 'HEADER.FIELDS', 'BINARY[', 'CHANGEDSINCE', 'VANISHED', 'UNCHANGEDSINCE', 'QRESYNC', 'FLAGS', '+FLAGS.SILENT', 'UTF8', 'STATUS', 'USE', 'MODSEQ'),
    fc.stringMatching(/^[ -~]{0,6}$/),
  );
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.array(token, { maxLength: 12 }), fc.array(fc.constantFrom(' ', ''), { maxLength: 12 }), (name, tokens, seps) => {
      const line = `T ${name} ${tokens.map((t, i) => t + (seps[i] ?? ' ')).join('')}`;
      parseOrWireError({ tag: 'T', parts: [{ type: 'line', data: Buffer.from(line, 'latin1') }] });
    }),
    { numRuns: 5000 },
  );
});
