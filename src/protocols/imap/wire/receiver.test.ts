import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapReceiver } from './receiver.ts';
import { IMAP_LIMITS } from './limits.ts';
import { chunks, drive, plain } from './test-helpers.ts';

// Transcript-like client input: RFC 9051 / 3501 example commands, literals of every kind, IDLE
// with DONE pipelined with the next command (iOS), AUTHENTICATE with continuation lines.
const SESSIONS: Record<string, string> = {
  basic: 'a001 CAPABILITY\r\na002 LOGIN SMITH SESAME\r\nA142 SELECT INBOX\r\nA654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\nA003 STORE 2:4 +FLAGS (\\Deleted)\r\nA023 LOGOUT\r\n',
  literals:
    'A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n' +
    'A003 APPEND saved-messages (\\Seen) {25}\r\nDate: x\r\nSubject: y\r\n\r\nhi\r\n' +
    'A004 APPEND Drafts {5+}\r\nhello (\\Seen) ~{3+}\r\n\0\r\n\r\n' +
    'A005 LOGIN {0}\r\n {0+}\r\n\r\n',
  idle: 'A1 SELECT INBOX\r\nA2 IDLE\r\nDONE\r\nA3 NOOP\r\nA4 IDLE\r\ndone\r\nA5 NAMESPACE\r\nA6 LIST "" "*" RETURN (SPECIAL-USE)\r\n',
  authenticate: 'A1 AUTHENTICATE PLAIN\r\nAHVzZXIAcGFzcw==\r\nA2 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\nA3 NOOP\r\nA4 AUTHENTICATE LOGIN\r\ndXNlcg==\r\n*\r\nA5 LOGOUT\r\n',
  bareLf: 'A1 NOOP\nA2 LOGIN {1}\nx y\n\r\nA3 NOOP\r\n',
};

for (const [name, text] of Object.entries(SESSIONS)) {
  test(`receiver: ${name} gives the same events in one push, byte by byte, and in 3- and 17-byte chunks`, () => {
    const data = Buffer.from(text, 'latin1');
    const whole = plain(drive(new ImapReceiver(), [data]));
    assert.ok(whole.length > 0);
    for (const size of [1, 3, 17]) {
      assert.deepEqual(plain(drive(new ImapReceiver(), chunks(data, size))), whole, `chunk size ${size}`);
    }
  });
}

test('receiver: pipelined commands in one push come out in order with their literals', () => {
  const ev = plain(new ImapReceiver().push(Buffer.from(SESSIONS.literals!, 'latin1')));
  assert.deepEqual(ev, [
    { type: 'continue' },
    { type: 'continue' },
    { type: 'command', tag: 'A001', parts: [['line', 'A001 LOGIN '], ['literal', 'FRED FOOBAR', true, false], ['line', ' '], ['literal', 'fat man', true, false], ['line', '']] },
    { type: 'continue' },
    { type: 'command', tag: 'A003', parts: [['line', 'A003 APPEND saved-messages (\\Seen) '], ['literal', 'Date: x\r\nSubject: y\r\n\r\nhi', true, false], ['line', '']] },
    { type: 'command', tag: 'A004', parts: [['line', 'A004 APPEND Drafts '], ['literal', 'hello', false, false], ['line', ' (\\Seen) '], ['literal', '\0\r\n', false, true], ['line', '']] },
    { type: 'continue' },
    { type: 'command', tag: 'A005', parts: [['line', 'A005 LOGIN '], ['literal', '', true, false], ['line', ' '], ['literal', '', false, false], ['line', '']] },
  ]);
});

test('receiver: a continuation names the command; refuseLiteral() drops it and framing goes on', () => {
  const r = new ImapReceiver();
  const ev = r.push(Buffer.from('A1 NOOP\r\nA2 APPEND Nowhere (\\Seen) {310}\r\n'));
  assert.deepEqual(ev[1], { type: 'continue', tag: 'A2', command: 'APPEND', size: 310 });
  r.refuseLiteral();
  assert.deepEqual(plain(r.push(Buffer.from('A3 NOOP\r\n'))), [{ type: 'command', tag: 'A3', parts: [['line', 'A3 NOOP']] }]);
});

test('receiver: a non-synchronising literal never asks for a continuation (RFC 7888)', () => {
  const ev = new ImapReceiver().push(Buffer.from('A1 LOGIN {3+}\r\nabc {3+}\r\ndef\r\n'));
  assert.deepEqual(ev.map((e) => e.type), ['command']);
});

test('receiver: the continuation is reported as soon as the header arrives, before the literal', () => {
  const r = new ImapReceiver();
  assert.deepEqual(r.push(Buffer.from('A1 LOGIN {3')), []);
  assert.deepEqual(r.push(Buffer.from('}\r')), []);
  assert.deepEqual(plain(r.push(Buffer.from('\n'))), [{ type: 'continue' }]);
  assert.deepEqual(r.push(Buffer.from('ab')), []);
  assert.deepEqual(r.push(Buffer.from('c {1}\r\n')).map((e) => e.type), ['continue']);
  assert.deepEqual(r.push(Buffer.from('x\r\n')).map((e) => e.type), ['command']);
});

test('receiver: line mode hands DONE over and keeps the pipelined command for command mode (iOS)', () => {
  const r = new ImapReceiver();
  const ev = r.push(Buffer.from('A2 IDLE\r\n'));
  assert.equal(ev.length, 1);
  assert.ok(r.paused);
  r.setLineMode(true);
  assert.deepEqual(r.push(Buffer.alloc(0)), []);
  const done = plain(r.push(Buffer.from('DONE\r\nA3 UID FETCH 1:* FLAGS\r\n')));
  assert.deepEqual(done, [{ type: 'line', line: 'DONE' }]);
  assert.ok(r.paused);
  r.setLineMode(false);
  const next = plain(r.push(Buffer.alloc(0)));
  assert.deepEqual(next, [{ type: 'command', tag: 'A3', parts: [['line', 'A3 UID FETCH 1:* FLAGS']] }]);
});

test('receiver: STARTTLS pauses, and takeRemaining hands over the injected plaintext (CVE-2011-0411)', () => {
  const r = new ImapReceiver();
  const ev = r.push(Buffer.from('A1 STARTTLS\r\nA2 LOGIN evil evil\r\npartial'));
  assert.equal(ev.length, 1);
  assert.equal(r.takeRemaining().toString(), 'A2 LOGIN evil evil\r\npartial');
  assert.equal(r.paused, false);
  assert.deepEqual(plain(r.push(Buffer.from('A3 NOOP\r\n'))), [{ type: 'command', tag: 'A3', parts: [['line', 'A3 NOOP']] }]);
});

test('receiver: AUTHENTICATE with SASL-IR does not pause, so pipelined commands keep flowing', () => {
  const r = new ImapReceiver();
  assert.equal(r.push(Buffer.from('A1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\nA2 NOOP\r\n')).length, 2);
  assert.equal(r.paused, false);
});

test('receiver: an over-long line is refused once, skipped without buffering, and the next command parses', () => {
  const r = new ImapReceiver();
  const long = Buffer.alloc(IMAP_LIMITS.lineBytes * 3, 0x41);
  const ev = plain([...r.push(Buffer.from('T1 SEARCH SUBJECT ')), ...r.push(long), ...r.push(long)]);
  assert.deepEqual(ev, [{ type: 'error', message: 'command line too long (limit 65536 octets)', tag: 'T1', code: 'TOOBIG', no: false, fatal: false }]);
  assert.ok(r.bufferedBytes < 100);
  assert.deepEqual(plain(r.push(Buffer.from('\r\nT2 NOOP\r\n'))), [{ type: 'command', tag: 'T2', parts: [['line', 'T2 NOOP']] }]);
});

test('receiver: a line of exactly the limit is accepted, one more octet is not', () => {
  const max = `A1 NOOP ${'x'.repeat(IMAP_LIMITS.lineBytes - 8)}`;
  assert.equal(max.length, IMAP_LIMITS.lineBytes);
  assert.deepEqual(new ImapReceiver().push(Buffer.from(`${max}\r\n`)).map((e) => e.type), ['command']);
  // The CR arrives in one chunk and the LF in the next: the CR still does not count.
  const r = new ImapReceiver();
  assert.deepEqual(r.push(Buffer.from(`${max}\r`)), []);
  assert.deepEqual(r.push(Buffer.from('\n')).map((e) => e.type), ['command']);
  assert.deepEqual(new ImapReceiver().push(Buffer.from(`${max}x\r\n`)).map((e) => e.type), ['error']);
});

test('receiver: an over-long line ending in {n+} skips the n octets the client sends anyway', () => {
  const r = new ImapReceiver();
  const line = Buffer.from(`T1 APPEND x ${'y'.repeat(IMAP_LIMITS.lineBytes)} {5+}\r\nhello\r\nT2 NOOP\r\n`);
  assert.deepEqual(r.push(line).map((e) => e.type), ['error', 'command']);
});

test('receiver: a synchronising literal over the limit is NO [TOOBIG] for APPEND, BAD otherwise, and not read', () => {
  const r = new ImapReceiver();
  const ev = plain(r.push(Buffer.from(`A1 APPEND INBOX {${IMAP_LIMITS.appendLiteralBytes + 1}}\r\nA2 LOGIN {70000}\r\nA3 NOOP\r\n`)));
  assert.deepEqual(ev, [
    { type: 'error', message: `literal of ${IMAP_LIMITS.appendLiteralBytes + 1} octets is over the limit of ${IMAP_LIMITS.appendLiteralBytes}`, tag: 'A1', code: 'TOOBIG', no: true, fatal: false },
    { type: 'error', message: `literal of 70000 octets is over the limit of ${IMAP_LIMITS.literalBytes}`, tag: 'A2', code: 'TOOBIG', no: false, fatal: false },
    { type: 'command', tag: 'A3', parts: [['line', 'A3 NOOP']] },
  ]);
});

test('receiver: a non-synchronising literal over the limit is skipped exactly, with the rest of its command', () => {
  const r = new ImapReceiver();
  const n = IMAP_LIMITS.literalBytes + 10;
  const body = Buffer.alloc(n, 0x0a); // all LFs: none of them may be taken for a line end
  const ev = [
    ...r.push(Buffer.from(`A1 LOGIN {${n}+}\r\n`)),
    ...chunks(body, 4096).flatMap((c) => r.push(c)),
    ...r.push(Buffer.from(' {3+}\r\nabc more\r\nA2 NOOP\r\n')),
  ];
  assert.deepEqual(plain(ev).map((e) => (e as { type: string }).type), ['error', 'command']);
  assert.ok(r.bufferedBytes < 100);
});

test('receiver: a non-synchronising literal above the skip cap is fatal, and the receiver stays silent after', () => {
  const r = new ImapReceiver();
  const ev = plain(r.push(Buffer.from(`A1 APPEND INBOX {${IMAP_LIMITS.skipLiteralBytes + 1}+}\r\n`)));
  assert.equal(ev.length, 2);
  assert.deepEqual((ev[1] as { fatal: boolean }).fatal, true);
  assert.deepEqual(r.push(Buffer.from('A2 NOOP\r\n')), []);
});

test('receiver: LITERAL- refuses {n+} over 4096 octets (RFC 7888 §5) and skips it', () => {
  const r = new ImapReceiver({ literalMinus: true });
  const ev = plain(r.push(Buffer.concat([Buffer.from('A1 LOGIN {4097+}\r\n'), Buffer.alloc(4097, 0x61), Buffer.from(' x\r\nA2 LOGIN {4+}\r\nuser x\r\n')])));
  assert.deepEqual(ev.map((e) => (e as { type: string }).type), ['error', 'command']);
});

test('receiver: the whole command is limited too, not only each literal', () => {
  const r = new ImapReceiver();
  const lit = Buffer.alloc(IMAP_LIMITS.literalBytes, 0x61);
  const events = [];
  events.push(...r.push(Buffer.from('A1 SEARCH')));
  for (let i = 0; i < 40; i++) events.push(...r.push(Buffer.concat([Buffer.from(` TEXT {${lit.length}+}\r\n`), lit])));
  events.push(...r.push(Buffer.from('\r\nA2 NOOP\r\n')));
  assert.deepEqual(events.map((e) => e.type), ['error', 'command']);
  assert.ok(r.bufferedBytes < 100);
});

test('receiver: a line too long in line mode is an untagged error and the receiver pauses', () => {
  const r = new ImapReceiver();
  r.setLineMode(true);
  const ev = plain(r.push(Buffer.concat([Buffer.alloc(IMAP_LIMITS.lineBytes + 5, 0x41), Buffer.from('\r\nDONE\r\n')])));
  assert.equal(ev.length, 1);
  assert.equal((ev[0] as { tag: unknown }).tag, null);
  assert.ok(r.paused);
  r.setLineMode(true);
  assert.deepEqual(plain(r.push(Buffer.alloc(0))), [{ type: 'line', line: 'DONE' }]);
});

test('receiver: input held during a pause is capped', () => {
  const r = new ImapReceiver();
  r.push(Buffer.from('A1 IDLE\r\n'));
  const ev = r.push(Buffer.alloc(IMAP_LIMITS.heldBytes + 1, 0x41));
  assert.deepEqual(ev.map((e) => e.type === 'error' && e.fatal), [true]);
  assert.equal(r.bufferedBytes, 0);
});

test('receiver: bare CRLFs between commands are ignored; an unreadable tag gives a null tag', () => {
  const r = new ImapReceiver();
  assert.deepEqual(r.push(Buffer.from('\r\n\r\n')), []);
  const ev = plain(r.push(Buffer.from('+bad {99999999}\r\n')));
  assert.equal((ev[0] as { tag: unknown }).tag, null);
});

test('receiver: a large APPEND literal arrives intact across odd chunk sizes', () => {
  const body = Buffer.alloc(300_000);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
  const data = Buffer.concat([Buffer.from(`A1 APPEND INBOX {${body.length}+}\r\n`), body, Buffer.from('\r\nA2 NOOP\r\n')]);
  const r = new ImapReceiver();
  const ev = chunks(data, 997).flatMap((c) => r.push(c));
  assert.deepEqual(ev.map((e) => e.type), ['command', 'command']);
  const first = ev[0]!;
  assert.ok(first.type === 'command');
  const literal = first.frame.parts[1]!;
  assert.ok(literal.type === 'literal' && literal.data.equals(body));
});
