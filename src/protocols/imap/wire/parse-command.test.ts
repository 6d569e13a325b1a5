import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from './test-helpers.ts';
import { WireError } from './types.ts';

const set = (...ranges: [number, number][]) => ({ kind: 'set', ranges: ranges.map(([from, to]) => ({ from, to })) });
const STAR = Infinity;

// RFC 3501 / RFC 9051 §6 examples, verbatim.
test('parse: RFC 9051 any-state and not-authenticated examples', () => {
  assert.deepEqual(parse('abcd CAPABILITY'), { tag: 'abcd', name: 'CAPABILITY' });
  assert.deepEqual(parse('a002 NOOP'), { tag: 'a002', name: 'NOOP' });
  assert.deepEqual(parse('A023 LOGOUT'), { tag: 'A023', name: 'LOGOUT' });
  assert.deepEqual(parse('a001 STARTTLS'), { tag: 'a001', name: 'STARTTLS' });
  assert.deepEqual(parse('A001 AUTHENTICATE GSSAPI'), { tag: 'A001', name: 'AUTHENTICATE', mechanism: 'GSSAPI' });
  assert.deepEqual(parse('a001 LOGIN SMITH SESAME'), { tag: 'a001', name: 'LOGIN', user: 'SMITH', password: 'SESAME' });
  // RFC 4959 SASL-IR.
  assert.deepEqual(parse('a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q='), {
    tag: 'a01', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'dGVzdAB0ZXN0AHRlc3Q=',
  });
  assert.deepEqual(parse('A01 AUTHENTICATE EXTERNAL ='), { tag: 'A01', name: 'AUTHENTICATE', mechanism: 'EXTERNAL', initialResponse: '=' });
  // RFC 9051 §6.2.3: a literal password.
  assert.deepEqual(parse('A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man'), { tag: 'A001', name: 'LOGIN', user: 'FRED FOOBAR', password: 'fat man' });
  // RFC 5161, RFC 2971.
  assert.deepEqual(parse('t2 ENABLE CONDSTORE X-GOOD-IDEA'), { tag: 't2', name: 'ENABLE', capabilities: ['CONDSTORE', 'X-GOOD-IDEA'] });
  assert.deepEqual(parse('a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")'), {
    tag: 'a023', name: 'ID', params: { name: 'sodr', version: '19.34', vendor: 'Pink Floyd Music Limited' },
  });
  assert.deepEqual(parse('a042 ID NIL'), { tag: 'a042', name: 'ID', params: null });
  assert.deepEqual(parse('a1 ID ("name" NIL)'), { tag: 'a1', name: 'ID', params: { name: null } });
  const proto = parse('a1 ID ("__proto__" "x")');
  assert.ok(proto.name === 'ID' && Object.getPrototypeOf(proto.params) === Object.prototype);
  assert.deepEqual(Object.entries(proto.params ?? {}), [['__proto__', 'x']]);
});

test('parse: RFC 9051 authenticated-state examples', () => {
  assert.deepEqual(parse('A142 SELECT INBOX'), { tag: 'A142', name: 'SELECT', mailbox: 'INBOX', condstore: false });
  assert.deepEqual(parse('A932 EXAMINE blurdybloop'), { tag: 'A932', name: 'EXAMINE', mailbox: 'blurdybloop', condstore: false });
  assert.deepEqual(parse('A003 CREATE owatagusiam/'), { tag: 'A003', name: 'CREATE', mailbox: 'owatagusiam/' });
  assert.deepEqual(parse('A682 DELETE blurdybloop'), { tag: 'A682', name: 'DELETE', mailbox: 'blurdybloop' });
  assert.deepEqual(parse('A683 RENAME blurdybloop sarasoop'), { tag: 'A683', name: 'RENAME', from: 'blurdybloop', to: 'sarasoop' });
  assert.deepEqual(parse('A002 SUBSCRIBE #news.comp.mail.mime'), { tag: 'A002', name: 'SUBSCRIBE', mailbox: '#news.comp.mail.mime' });
  assert.deepEqual(parse('A002 UNSUBSCRIBE #news.comp.mail.mime'), { tag: 'A002', name: 'UNSUBSCRIBE', mailbox: '#news.comp.mail.mime' });
  const basic = { select: [], return: { subscribed: false, children: false, specialUse: false }, basic: true };
  assert.deepEqual(parse('A101 LIST "" ""'), { tag: 'A101', name: 'LIST', reference: '', patterns: [''], ...basic });
  assert.deepEqual(parse('A102 LIST #news.comp.mail.misc ""'), { tag: 'A102', name: 'LIST', reference: '#news.comp.mail.misc', patterns: [''], ...basic });
  assert.deepEqual(parse('A202 LIST ~/Mail/ %'), { tag: 'A202', name: 'LIST', reference: '~/Mail/', patterns: ['%'], ...basic });
  assert.deepEqual(parse('A002 LSUB "#news." "comp.mail.*"'), { tag: 'A002', name: 'LSUB', reference: '#news.', pattern: 'comp.mail.*' });
  assert.deepEqual(parse('A042 STATUS blurdybloop (UIDNEXT MESSAGES)'), { tag: 'A042', name: 'STATUS', mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES'] });
  assert.deepEqual(parse('A01 NAMESPACE'), { tag: 'A01', name: 'NAMESPACE' });
  assert.deepEqual(parse('a002 IDLE'), { tag: 'a002', name: 'IDLE' });
  assert.deepEqual(parse('t1 COMPRESS DEFLATE'), { tag: 't1', name: 'COMPRESS', mechanism: 'DEFLATE' });
});

test('parse: APPEND forms (RFC 9051 §6.3.12, MULTIAPPEND RFC 3502, UTF8 RFC 6855, literal8 RFC 3516)', () => {
  const msg = 'Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nHello Joe\r\n';
  const c = parse(`A003 APPEND saved-messages (\\Seen) {${msg.length}}\r\n${msg}`);
  assert.deepEqual(c, { tag: 'A003', name: 'APPEND', mailbox: 'saved-messages', messages: [{ flags: ['\\Seen'], data: Buffer.from(msg) }] });
  const multi = parse(`A003 APPEND saved-messages (\\Seen) {3}\r\none (\\Seen) " 1-Jul-2002 22:35:14 +0000" {3+}\r\ntwo {5}\r\nthree`);
  assert.ok(multi.name === 'APPEND');
  assert.equal(multi.messages.length, 3);
  assert.equal(multi.messages[1]!.date, Date.UTC(2002, 6, 1, 22, 35, 14));
  assert.deepEqual(multi.messages[2], { flags: [], data: Buffer.from('three') });
  const zoned = parse('A1 APPEND INBOX "17-Jul-1996 02:44:25 -0700" {1}\r\nx');
  assert.ok(zoned.name === 'APPEND');
  assert.equal(zoned.messages[0]!.date, Date.UTC(1996, 6, 17, 9, 44, 25));
  const utf8 = parse('A1 APPEND Drafts UTF8 (~{3}\r\nH\u00e9)', true);
  assert.deepEqual(utf8, { tag: 'A1', name: 'APPEND', mailbox: 'Drafts', messages: [{ flags: [], data: Buffer.from('H\u00e9'), utf8: true }] });
  const binary = parse('A1 APPEND Drafts (\\Draft) ~{3}\r\n\0\r\n');
  assert.ok(binary.name === 'APPEND');
  assert.deepEqual(binary.messages[0], { flags: ['\\Draft'], data: Buffer.from('\0\r\n'), utf8: true, binary: true });
  assert.throws(() => parse('A1 APPEND Drafts UTF8 ({3}\r\nabc)'), /literal8/);
  assert.throws(() => parse('A1 APPEND Drafts (\\Seen)'), /expected SP after APPEND flag list/);
  assert.throws(() => parse('A1 APPEND Drafts (\\Seen) x'), /expected the message literal/);
  assert.throws(() => parse('A1 APPEND Drafts'), /APPEND needs a message literal/);
});

test('parse: selected-state examples', () => {
  assert.deepEqual(parse('FXXZ CHECK'), { tag: 'FXXZ', name: 'CHECK' });
  assert.deepEqual(parse('A341 CLOSE'), { tag: 'A341', name: 'CLOSE' });
  assert.deepEqual(parse('A341 UNSELECT'), { tag: 'A341', name: 'UNSELECT' });
  assert.deepEqual(parse('A202 EXPUNGE'), { tag: 'A202', name: 'EXPUNGE' });
  assert.deepEqual(parse('A003 UID EXPUNGE 3000:3002'), { tag: 'A003', name: 'UID EXPUNGE', set: set([3000, 3002]) });
  assert.deepEqual(parse('A003 COPY 2:4 MEETING'), { tag: 'A003', name: 'COPY', uid: false, set: set([2, 4]), mailbox: 'MEETING' });
  assert.deepEqual(parse('a UID MOVE 42:69 foo'), { tag: 'a', name: 'MOVE', uid: true, set: set([42, 69]), mailbox: 'foo' });
  assert.deepEqual(parse('A003 STORE 2:4 +FLAGS (\\Deleted)'), {
    tag: 'A003', name: 'STORE', uid: false, set: set([2, 4]), mode: 'add', silent: false, flags: ['\\Deleted'],
  });
  // RFC 7162 §3.1.3.
  assert.deepEqual(parse('a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)'), {
    tag: 'a103', name: 'STORE', uid: true, set: set([6, 6], [4, 4], [8, 8]), mode: 'add', silent: true, flags: ['\\Deleted'], unchangedSince: 12121230045,
  });
  assert.deepEqual(parse('A5 STORE 1 -FLAGS \\seen $Label1'), {
    tag: 'A5', name: 'STORE', uid: false, set: set([1, 1]), mode: 'remove', silent: false, flags: ['\\Seen', '$Label1'],
  });
  // Classic Outlook's delete (client-quirks.md), lowercase as Outlook sends it.
  assert.deepEqual(parse('a7 uid store 12 +flags.silent (\\Deleted)'), {
    tag: 'a7', name: 'STORE', uid: true, set: set([12, 12]), mode: 'add', silent: true, flags: ['\\Deleted'],
  });
  assert.throws(() => parse('A1 STORE 1 FLAGS (\\Recent)'), /\\Recent cannot be set/);
});

test('parse: FETCH attributes, macros and modifiers', () => {
  const f = (line: string) => {
    const c = parse(line);
    assert.ok(c.name === 'FETCH');
    return c;
  };
  assert.deepEqual(f('A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])').atts, [
    { kind: 'FLAGS' },
    { kind: 'BODY[]', peek: false, section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] } },
  ]);
  assert.deepEqual(f('A999 UID FETCH 4827313:4828442 FLAGS'), {
    tag: 'A999', name: 'FETCH', uid: true, set: set([4827313, 4828442]), atts: [{ kind: 'FLAGS' }], vanished: false,
  });
  assert.deepEqual(f('a FETCH 1 ALL').atts.map((a) => a.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']);
  assert.deepEqual(f('a FETCH 1 fast').atts.map((a) => a.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
  assert.deepEqual(f('a FETCH 1 FULL').atts.map((a) => a.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY']);
  assert.deepEqual(f('a FETCH 1:* (UID RFC822.SIZE RFC822 RFC822.HEADER RFC822.TEXT BODY BODYSTRUCTURE ENVELOPE INTERNALDATE MODSEQ EMAILID THREADID SAVEDATE)').atts.length, 13);
  assert.deepEqual(f('a FETCH 1 (BODY.PEEK[1.2.MIME]<0.1024> BODY[] BODY[3] BODY[TEXT] BODY[2.HEADER.FIELDS.NOT (Subject x-y)])').atts, [
    { kind: 'BODY[]', peek: true, section: { part: [1, 2], text: 'MIME' }, partial: { start: 0, length: 1024 } },
    { kind: 'BODY[]', peek: false, section: { part: [] } },
    { kind: 'BODY[]', peek: false, section: { part: [3] } },
    { kind: 'BODY[]', peek: false, section: { part: [], text: 'TEXT' } },
    { kind: 'BODY[]', peek: false, section: { part: [2], text: 'HEADER.FIELDS.NOT', fields: ['Subject', 'x-y'] } },
  ]);
  // New Outlook's obsolete RFC822.PEEK (client-quirks.md).
  assert.deepEqual(f('A5 UID FETCH 7 (UID RFC822.PEEK)').atts[1], { kind: 'BODY[]', peek: true, section: { part: [] } });
  // RFC 3516.
  assert.deepEqual(f('a FETCH 1 (BINARY.PEEK[1.2]<0.1024> BINARY.SIZE[1] BINARY[])').atts, [
    { kind: 'BINARY', peek: true, part: [1, 2], partial: { start: 0, length: 1024 } },
    { kind: 'BINARY.SIZE', part: [1] },
    { kind: 'BINARY', peek: false, part: [] },
  ]);
  // RFC 8970.
  assert.deepEqual(f('a FETCH 1 (PREVIEW (LAZY) FLAGS)').atts, [{ kind: 'PREVIEW', lazy: true }, { kind: 'FLAGS' }]);
  assert.deepEqual(f('a FETCH 1 PREVIEW (CHANGEDSINCE 4)').atts, [{ kind: 'PREVIEW', lazy: false }]);
  // RFC 7162 §3.1.4.1 and §3.2.6.
  const changed = f('s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)');
  assert.equal(changed.changedSince, 12345);
  assert.equal(changed.vanished, false);
  assert.deepEqual(changed.set, set([1, STAR]));
  assert.equal(f('s101 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)').vanished, true);
  assert.throws(() => parse('s1 FETCH 1 (FLAGS) (CHANGEDSINCE 12345 VANISHED)'), /only allowed in UID FETCH/);
  assert.throws(() => parse('s1 UID FETCH 1 (FLAGS) (VANISHED)'), /requires CHANGEDSINCE/);
  assert.throws(() => parse('a FETCH 1 (FLAGS FOO)'), /unknown fetch attribute FOO/);
  assert.throws(() => parse('a FETCH 1 BODY[1.]'), /section name/);
  assert.throws(() => parse('a FETCH 1 BODY[MIME]'), /unknown section MIME/);
  assert.throws(() => parse('a FETCH 1 BODY[]<0.0>'), /partial length must not be 0/);
});

test('parse: SELECT with CONDSTORE and QRESYNC (RFC 7162 §3.2.5 examples)', () => {
  assert.deepEqual(parse('a SELECT INBOX (CONDSTORE)'), { tag: 'a', name: 'SELECT', mailbox: 'INBOX', condstore: true });
  assert.deepEqual(parse('A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))'), {
    tag: 'A02', name: 'SELECT', mailbox: 'INBOX', condstore: false,
    // Above 2^53-1, so clamped (reader.ts: no MODSEQ of ours is that large; comparisons agree).
    qresync: { uidValidity: 67890007, modseq: Number.MAX_SAFE_INTEGER, knownUids: set([41, 41], [43, 211], [214, 541]) },
  });
  const withMatch = parse('B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))');
  assert.ok(withMatch.name === 'SELECT');
  assert.deepEqual(withMatch.qresync?.knownUids, set([1, 29997]));
  assert.equal(withMatch.qresync?.seqMatch?.seqs.kind, 'set');
  const bare = parse('A1 EXAMINE x (QRESYNC (1 2))');
  assert.ok(bare.name === 'EXAMINE');
  assert.deepEqual(bare.qresync, { uidValidity: 1, modseq: 2 });
});

test('parse: LIST extended (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154)', () => {
  const l = (line: string) => {
    const c = parse(line);
    assert.ok(c.name === 'LIST');
    return c;
  };
  const noRet = { subscribed: false, children: false, specialUse: false };
  assert.deepEqual(l('A02 LIST (SUBSCRIBED) "" "*"'), { tag: 'A02', name: 'LIST', reference: '', patterns: ['*'], select: ['SUBSCRIBED'], return: noRet, basic: false });
  assert.deepEqual(l('A03 LIST () "" "%" RETURN (CHILDREN)').return, { ...noRet, children: true });
  assert.deepEqual(l('A05 LIST (REMOTE SUBSCRIBED) "/" "*"').select, ['REMOTE', 'SUBSCRIBED']);
  assert.deepEqual(l('A06 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)').select, ['SUBSCRIBED', 'RECURSIVEMATCH']);
  assert.deepEqual(l('A01 LIST "" ("INBOX" "Drafts" "Sent/%")').patterns, ['INBOX', 'Drafts', 'Sent/%']);
  assert.deepEqual(l('A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))').return, { ...noRet, status: ['MESSAGES', 'UNSEEN'] });
  assert.deepEqual(l('t1 LIST "" "%" RETURN (SPECIAL-USE)').return, { ...noRet, specialUse: true });
  assert.deepEqual(l('t3 LIST (SPECIAL-USE) "" "*"').select, ['SPECIAL-USE']);
  // Apple Mail (client-quirks.md).
  assert.deepEqual(l('4 list "" "*" return (special-use status (unseen))').return, { ...noRet, specialUse: true, status: ['UNSEEN'] });
  assert.throws(() => parse('A1 LIST (RECURSIVEMATCH) "" "*"'), /RECURSIVEMATCH requires SUBSCRIBED/);
  assert.deepEqual(parse('t1 CREATE "Everything" (USE (\\All))'), { tag: 't1', name: 'CREATE', mailbox: 'Everything', specialUse: ['\\All'] });
  assert.deepEqual(parse('t1 CREATE MySpecial (USE (\\drafts \\Sent))'), { tag: 't1', name: 'CREATE', mailbox: 'MySpecial', specialUse: ['\\Drafts', '\\Sent'] });
});

test('parse: SEARCH (RFC 9051 §6.4.4, RFC 4731, RFC 5182, RFC 7162, RFC 5032, RFC 8474, RFC 8514)', () => {
  const s = (line: string) => {
    const c = parse(line);
    assert.ok(c.name === 'SEARCH');
    return c;
  };
  assert.deepEqual(s('A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), {
    tag: 'A282', name: 'SEARCH', uid: false,
    key: { op: 'and', keys: [
      { op: 'flag', flag: '\\Flagged', not: false },
      { op: 'date', field: 'internal', cmp: 'since', date: '1994-02-01' },
      { op: 'not', key: { op: 'header', field: 'FROM', value: 'Smith' } },
    ] },
  });
  assert.deepEqual(s('A283 SEARCH TEXT "string not in mailbox"').key, { op: 'text', value: 'string not in mailbox' });
  assert.deepEqual(s('A284 SEARCH CHARSET UTF-8 TEXT {12}\r\n\u00e4\u00f6\u00fc\u00df\u00e9\u00e8').charset, 'UTF-8');
  assert.deepEqual(s('A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"').return, ['MIN', 'COUNT']);
  assert.deepEqual(s('A283 SEARCH RETURN () FLAGGED').return, ['ALL']);
  assert.deepEqual(s('A282 SEARCH RETURN (SAVE) FLAGGED').return, ['SAVE']);
  assert.deepEqual(s('A283 UID SEARCH UID $ SMALLER 4096').key, { op: 'and', keys: [{ op: 'uid', set: { kind: 'saved' } }, { op: 'smaller', size: 4096 }] });
  assert.deepEqual(s('a SEARCH MODSEQ "/flags/\\\\draft" all 620162338').key, { op: 'modseq', modseq: 620162338 });
  assert.deepEqual(s('a SEARCH OR NOT MODSEQ 720162338 LARGER 50000').key, {
    op: 'or', a: { op: 'not', key: { op: 'modseq', modseq: 720162338 } }, b: { op: 'larger', size: 50000 },
  });
  assert.deepEqual(s('a SEARCH YOUNGER 3600 OLDER 60').key, { op: 'and', keys: [{ op: 'younger', seconds: 3600 }, { op: 'older', seconds: 60 }] });
  assert.deepEqual(s('27 SEARCH EMAILID M6d99ac3275bb4e').key, { op: 'emailid', id: 'M6d99ac3275bb4e' });
  assert.deepEqual(s('a SEARCH SAVEDBEFORE 1-Jan-2019 SAVEDATESUPPORTED').key, {
    op: 'and', keys: [{ op: 'date', field: 'saved', cmp: 'before', date: '2019-01-01' }, { op: 'savedatesupported' }],
  });
  // K-9's sync: a sequence range in UID SEARCH (client-quirks.md).
  assert.deepEqual(s('a UID SEARCH 1:50 NOT DELETED').key, { op: 'and', keys: [{ op: 'seq', set: set([1, 50]) }, { op: 'not', key: { op: 'flag', flag: '\\Deleted', not: false } }] });
  assert.deepEqual(s('a SEARCH (OR (SEEN) (UNSEEN KEYWORD $Junk)) HEADER X-Spam "yes" 5,*:3 RECENT').key, {
    op: 'and', keys: [
      { op: 'or', a: { op: 'flag', flag: '\\Seen', not: false }, b: { op: 'and', keys: [{ op: 'flag', flag: '\\Seen', not: true }, { op: 'flag', flag: '$Junk', not: false }] } },
      { op: 'header', field: 'X-Spam', value: 'yes' },
      { op: 'seq', set: set([5, 5], [3, STAR]) },
      { op: 'recent' },
    ],
  });
  assert.throws(() => parse('a SEARCH CHARSET KOI8-R ALL'), (e: WireError) => e.code === 'BADCHARSET (US-ASCII UTF-8)' && e.no);
  assert.throws(() => parse('a SEARCH FOO'), /unknown search key FOO/);
  assert.throws(() => parse('a SEARCH SINCE 31-Feb-2020'), /invalid date/);
  assert.throws(() => parse('A2 FETCH 1,$ FLAGS'), /invalid sequence set/);
  assert.throws(() => parse(`a SEARCH ${'NOT '.repeat(100)}ALL`), (e: WireError) => e.code === 'LIMIT');
});

test('parse: SORT and THREAD (RFC 5256, RFC 5957, RFC 5267)', () => {
  assert.deepEqual(parse('A283 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994'), {
    tag: 'A283', name: 'SORT', uid: false, criteria: [{ key: 'SUBJECT', reverse: false }], charset: 'UTF-8',
    key: { op: 'date', field: 'internal', cmp: 'since', date: '1994-02-01' },
  });
  const rev = parse('A285 UID SORT (SUBJECT REVERSE DATE DISPLAYFROM) UTF-8 ALL');
  assert.ok(rev.name === 'SORT');
  assert.deepEqual(rev.criteria, [{ key: 'SUBJECT', reverse: false }, { key: 'DATE', reverse: true }, { key: 'DISPLAYFROM', reverse: false }]);
  const esort = parse('A1 SORT RETURN (MIN MAX) (DATE) UTF-8 UNDELETED');
  assert.ok(esort.name === 'SORT');
  assert.deepEqual(esort.return, ['MIN', 'MAX']);
  assert.deepEqual(parse('A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000'), {
    tag: 'A283', name: 'THREAD', uid: false, algorithm: 'ORDEREDSUBJECT', charset: 'UTF-8',
    key: { op: 'date', field: 'internal', cmp: 'since', date: '2000-03-05' },
  });
  const t = parse('A285 UID THREAD REFERENCES US-ASCII ALL');
  assert.ok(t.name === 'THREAD' && t.uid && t.algorithm === 'REFERENCES');
});

test('parse: QUOTA (RFC 9208)', () => {
  assert.deepEqual(parse('G0001 GETQUOTA "!partition.sda4"'), { tag: 'G0001', name: 'GETQUOTA', root: '!partition.sda4' });
  assert.deepEqual(parse('G0002 GETQUOTAROOT INBOX'), { tag: 'G0002', name: 'GETQUOTAROOT', mailbox: 'INBOX' });
  assert.deepEqual(parse('a getquotaroot "inbox"'), { tag: 'a', name: 'GETQUOTAROOT', mailbox: 'INBOX' });
  assert.deepEqual(parse('S0001 SETQUOTA "#user/alice" (STORAGE 510)'), { tag: 'S0001', name: 'SETQUOTA', root: '#user/alice', limits: { STORAGE: 510 } });
});

test('parse: mailbox names are modified UTF-7 unless UTF8=ACCEPT', () => {
  assert.deepEqual(parse('A1 SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-'), {
    tag: 'A1', name: 'SELECT', mailbox: '~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e', condstore: false,
  });
  assert.deepEqual(parse('A1 CREATE "Entw&APw-rfe"'), { tag: 'A1', name: 'CREATE', mailbox: 'Entw\u00fcrfe' });
  assert.deepEqual(parse('A1 CREATE "Entw\u00fcrfe"', true), { tag: 'A1', name: 'CREATE', mailbox: 'Entw\u00fcrfe' });
  assert.deepEqual(parse('A1 CREATE "Entw&APw-rfe"', true), { tag: 'A1', name: 'CREATE', mailbox: 'Entw&APw-rfe' });
  assert.throws(() => parse('A1 CREATE "Entw\u00fcrfe"'), (e: WireError) => /not valid modified UTF-7/.test(e.message) && e.no && e.code === 'CANNOT');
  assert.throws(() => parse(Buffer.from('A1 CREATE "\xff"', 'latin1'), true), (e: WireError) => /not valid UTF-8/.test(e.message) && e.no && e.code === 'CANNOT');
  assert.throws(() => parse('A1 CREATE "a&Jjo"'), /not valid modified UTF-7/);
  assert.deepEqual(parse('A1 DELETE iNbOx'), { tag: 'A1', name: 'DELETE', mailbox: 'INBOX' });
  assert.deepEqual(parse('A1 DELETE inbox/sub'), { tag: 'A1', name: 'DELETE', mailbox: 'inbox/sub' });
  assert.throws(() => parse('A1 CREATE {3}\r\na\0b', true), /contains NUL/);
  assert.throws(() => parse('A1 CREATE {3}\r\na\0b'), /not valid modified UTF-7/);
});

test('parse: errors are WireErrors that name what was expected and where, tagged when the tag is readable', () => {
  const bad = (line: string, message: RegExp, tag: string | null = 'A1') =>
    assert.throws(() => parse(line), (e: unknown) => e instanceof WireError && message.test(e.message) && e.tag === tag && !e.no);
  bad('A1', /expected SP after tag/);
  bad('A1 ', /expected a command name/);
  bad('A1 FROB', /unknown command FROB/);
  bad('A1 NOOP x', /NOOP takes no arguments/);
  bad('A1 UID NOOP', /UID NOOP is not a command/);
  bad('+x NOOP', /invalid tag/, null);
  bad('A1 FETCH 0:3 FLAGS', /invalid sequence set 0:3/);
  bad('A1 FETCH 1:2:3 FLAGS', /invalid sequence set/);
  bad('A1 FETCH 1 ', /expected a fetch attribute/);
  bad('A1 LOGIN a', /expected SP after user name/);
  bad('A1 LOGIN "a', /unterminated quoted string/);
  bad('A1 LOGIN "a\\b" c', /invalid escape/);
  bad('A1 SELECT INBOX (FOO)', /unknown select parameter FOO/);
  bad('A1 STATUS x ()', /status items must not be empty/);
  bad('A1 STATUS x (FOO)', /unknown status item FOO/);
  bad('A1 STORE 1 FLAG (\\Seen)', /expected FLAGS, \+FLAGS or -FLAGS/);
  bad('A1 APPEND x "31-Jun-2020 00:00:00 +0000" {1}\r\nx', /invalid date-time/);
  bad('A1 NOOP  ', /NOOP takes no arguments/);
  bad('A1 SELECT INBOX extra', /expected "\(" to open select parameters/);
  bad('A1 COPY 1 x y', /unexpected " y" after COPY arguments/);
  bad('A1 FETCH 1 (MODSEQ) (CHANGEDSINCE 9223372036854775808)', /out of range/);
  assert.throws(() => parse(`A1 STORE 1 +FLAGS (${'k'.repeat(200)})`), (e: unknown) => e instanceof WireError && e.code === 'LIMIT');
});
