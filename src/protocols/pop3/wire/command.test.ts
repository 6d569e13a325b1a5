import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { expectArgs, lineCount, messageNumber, messageRef, parseCommandLine, WireError } from './command.ts';
import { LineReader, type LineEvent } from './line-reader.ts';
import { continuation, errLine, multiLine, okLine } from './responses.ts';

const LIMIT = 255;

function drain(r: LineReader, limit = LIMIT): LineEvent[] {
  const out: LineEvent[] = [];
  for (let ev = r.next(limit); ev; ev = r.next(limit)) out.push(ev);
  return out;
}

const text = (evs: LineEvent[]): string[] => evs.map((e) => (e.kind === 'line' ? e.line.toString() : '<too-long>'));

test('lines end in CRLF or LF; pipelined lines come out one at a time', () => {
  const r = new LineReader();
  r.push(Buffer.from('STAT\r\nLIST 1\nNOOP\r\nQU'));
  assert.deepEqual(text(drain(r)), ['STAT', 'LIST 1', 'NOOP']);
  r.push(Buffer.from('IT\r\n'));
  assert.deepEqual(text(drain(r)), ['QUIT']);
  assert.equal(r.buffered, 0);
});

test('a line of exactly 255 octets with CRLF passes; 256 is too long and the session goes on', () => {
  const r = new LineReader();
  r.push(Buffer.from(`${'a'.repeat(253)}\r\n${'b'.repeat(254)}\r\nNOOP\r\n`));
  const evs = drain(r);
  assert.deepEqual(text(evs), ['a'.repeat(253), '<too-long>', 'NOOP']);
});

test('an endless line is reported once, not buffered, and its rest is dropped', () => {
  const r = new LineReader();
  r.push(Buffer.from('x'.repeat(300)));
  assert.deepEqual(text(drain(r)), ['<too-long>']);
  for (let i = 0; i < 100; i++) r.push(Buffer.from('y'.repeat(1000)));
  assert.equal(r.buffered, 0);
  assert.deepEqual(text(drain(r)), []);
  r.push(Buffer.from('yyy\r\nNOOP\r\n'));
  assert.deepEqual(text(drain(r)), ['NOOP']);
});

test('a larger limit for AUTH responses', () => {
  const r = new LineReader();
  r.push(Buffer.from(`${'A'.repeat(1000)}\r\n`));
  assert.deepEqual(text(drain(r, 8192)), ['A'.repeat(1000)]);
});

test('clear() drops what was pipelined (STLS)', () => {
  const r = new LineReader();
  r.push(Buffer.from('USER evil\r\nPASS x\r\n'));
  r.clear();
  assert.deepEqual(drain(r), []);
});

test('property: any split of the input frames the same lines', () => {
  const line = fc.stringMatching(/^[A-Za-z0-9 .]{0,300}$/);
  fc.assert(
    fc.property(fc.array(line, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (lines, at) => {
      const input = Buffer.from(lines.map((l) => `${l}\r\n`).join(''));
      const whole = new LineReader();
      whole.push(input);
      const expected = text(drain(whole));
      const r = new LineReader();
      const got: LineEvent[] = [];
      const points = [...new Set(at.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
      let from = 0;
      for (const p of [...points, input.length]) {
        r.push(input.subarray(from, p));
        from = p;
        got.push(...drain(r));
      }
      assert.deepEqual(text(got), expected);
      assert.deepEqual(expected, lines.map((l) => (l.length + 2 > LIMIT ? '<too-long>' : l)));
    }),
    { numRuns: 300 },
  );
});

test('command lines: keyword case-insensitive, PASS keeps its spaces', () => {
  assert.deepEqual(parseCommandLine(Buffer.from('list 2')), { verb: 'LIST', args: ['2'], rest: '2' });
  assert.deepEqual(parseCommandLine(Buffer.from('PASS my secret  pw')).rest, 'my secret  pw');
  assert.deepEqual(parseCommandLine(Buffer.from('TOP  1   0')).args, ['1', '0']);
  assert.deepEqual(parseCommandLine(Buffer.from('')), { verb: '', args: [], rest: '' });
  assert.equal(parseCommandLine(Buffer.from('PASS pässword')).rest, 'pässword');
});

test('argument checks give the exact -ERR texts', () => {
  const err = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof WireError);
      return e.message;
    }
    return 'no error';
  };
  assert.equal(err(() => expectArgs(parseCommandLine(Buffer.from('RETR')), 1, 1, 'a message number')), 'RETR needs a message number');
  assert.equal(err(() => expectArgs(parseCommandLine(Buffer.from('RETR 1 2')), 1, 1, 'a message number')), 'too many arguments for RETR');
  assert.equal(err(() => messageNumber('abc')), 'invalid message number "abc"');
  assert.equal(err(() => messageNumber('-1')), 'invalid message number "-1"');
  assert.equal(err(() => messageNumber('1\u0001')), 'invalid message number');
  assert.equal(err(() => lineCount('x')), 'invalid line count "x"');
  assert.equal(messageNumber('007'), 7);
  assert.equal(lineCount('0'), 0);
  assert.deepEqual(messageRef('0099999999999999999999'), { n: Number('99999999999999999999'), text: '99999999999999999999' });
  assert.deepEqual(messageRef('000'), { n: 0, text: '0' });
});

test('responses', () => {
  assert.equal(okLine(), '+OK\r\n');
  assert.equal(okLine('2 320'), '+OK 2 320\r\n');
  assert.equal(errLine('invalid user name or password', 'AUTH'), '-ERR [AUTH] invalid user name or password\r\n');
  assert.equal(errLine('no\r\ninjection'), '-ERR no  injection\r\n');
  assert.equal(multiLine('follows', ['TOP', '.x']), '+OK follows\r\nTOP\r\n..x\r\n.\r\n');
  assert.equal(continuation(''), '+ \r\n');
});
