import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crlfLength } from '../../../mime/crlf.ts';
import { DotStuffer, dotStuff } from './dot-stuffer.ts';
import { TopCutter } from './top-cutter.ts';

const RUNS = { numRuns: 500 };
/** Bytes weighted towards what matters: CR, LF, dots. */
const messageBytes = fc
  .array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x2e), fc.integer({ min: 0, max: 255 })), { maxLength: 300 })
  .map((a) => Buffer.from(a));
/** Cut points to split a buffer into chunks. */
const cuts = fc.array(fc.nat(), { maxLength: 12 });

function split(buf: Buffer, at: number[]): Buffer<ArrayBufferLike>[] {
  const points = [...new Set(at.map((p) => (buf.length ? p % (buf.length + 1) : 0)))].sort((a, b) => a - b);
  const out: Buffer<ArrayBufferLike>[] = [];
  let from = 0;
  for (const p of points) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

function stuffChunks(chunks: Buffer<ArrayBufferLike>[]): { out: Buffer; crlfOctets: number } {
  const s = new DotStuffer();
  const parts = chunks.map((c) => Buffer.from(s.push(c)));
  parts.push(Buffer.from(s.end()));
  return { out: Buffer.concat(parts), crlfOctets: s.crlfOctets };
}

/** What a client does (RFC 1939 §3): strip the terminator, then one leading dot per line. */
function unstuff(wire: Buffer): Buffer {
  const text = wire.toString('latin1');
  assert.ok(text.endsWith('.\r\n'), 'ends with the terminator');
  const body = text.slice(0, -3);
  assert.ok(body === '' || body.endsWith('\r\n'), 'body ends with CRLF');
  const lines = body === '' ? [] : body.slice(0, -2).split('\r\n');
  return Buffer.from(lines.map((l) => (l.startsWith('.') ? l.slice(1) : l)).map((l) => `${l}\r\n`).join(''), 'latin1');
}

function crlfForm(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/(?<!\r)\n/g, '\r\n');
  return Buffer.from(raw.length && !text.endsWith('\n') ? `${text}\r\n` : text, 'latin1');
}

test('dot-stuffing examples (RFC 1939 §3)', () => {
  const cases: [string, string][] = [
    ['', '.\r\n'],
    ['a\r\n', 'a\r\n.\r\n'],
    ['.\r\n', '..\r\n.\r\n'],
    ['a\r\n.b\r\n..\r\n', 'a\r\n..b\r\n...\r\n.\r\n'],
    ['a\n.\nb', 'a\r\n..\r\nb\r\n.\r\n'],
    ['no newline', 'no newline\r\n.\r\n'],
    ['bare\rcr', 'bare\rcr\r\n.\r\n'],
    ['ends in cr\r', 'ends in cr\r\r\n.\r\n'],
    ['x\r.y\r\n', 'x\r.y\r\n.\r\n'],
  ];
  for (const [raw, wire] of cases) {
    const { body, tail, crlfOctets } = dotStuff(Buffer.from(raw, 'latin1'));
    assert.equal(Buffer.concat([body, tail]).toString('latin1'), wire, JSON.stringify(raw));
    assert.equal(crlfOctets, crlfLength(Buffer.from(raw, 'latin1')));
  }
});

test('a chunk that needs no change is passed through without a copy', () => {
  const chunk = Buffer.from('Subject: x\r\n\r\nbody line\r\n');
  assert.equal(new DotStuffer().push(chunk), chunk);
});

test('CR and LF split across chunks; a dot after a chunk boundary', () => {
  assert.equal(stuffChunks([Buffer.from('a\r'), Buffer.from('\nb')]).out.toString(), 'a\r\nb\r\n.\r\n');
  assert.equal(stuffChunks([Buffer.from('a\n'), Buffer.from('.b\n')]).out.toString(), 'a\r\n..b\r\n.\r\n');
  assert.equal(stuffChunks([Buffer.from('.'), Buffer.from('.')]).out.toString(), '...\r\n.\r\n');
});

test('property: unstuffed output is the CRLF form, and crlfOctets == crlfLength', () => {
  fc.assert(
    fc.property(messageBytes, (raw) => {
      const { out, crlfOctets } = stuffChunks([raw]);
      assert.deepEqual(unstuff(out), crlfForm(raw));
      assert.equal(crlfOctets, crlfLength(raw));
      assert.equal(crlfOctets, crlfForm(raw).length);
    }),
    RUNS,
  );
});

test('property: any chunking gives the same bytes', () => {
  fc.assert(
    fc.property(messageBytes, cuts, (raw, at) => {
      const whole = stuffChunks([raw]);
      const parts = stuffChunks(split(raw, at));
      assert.deepEqual(parts.out, whole.out);
      assert.equal(parts.crlfOctets, whole.crlfOctets);
    }),
    RUNS,
  );
});

test('property: every line starting with a dot is stuffed, no other line is', () => {
  const lines = fc.array(fc.stringMatching(/^[.a]{0,4}$/), { maxLength: 20 });
  fc.assert(
    fc.property(lines, (ls) => {
      const raw = Buffer.from(ls.map((l) => `${l}\r\n`).join(''));
      const wire = stuffChunks([raw]).out.toString();
      const expected = ls.map((l) => `${l.startsWith('.') ? '.' : ''}${l}\r\n`).join('') + '.\r\n';
      assert.equal(wire, expected);
    }),
    RUNS,
  );
});

// ---- TOP ------------------------------------------------------------------------------------

function top(raw: string, lines: number, at: number[] = []): string {
  const cutter = new TopCutter(lines);
  const parts: Buffer[] = [];
  for (const chunk of split(Buffer.from(raw, 'latin1'), at)) {
    if (cutter.done) break;
    parts.push(Buffer.from(cutter.push(chunk)));
  }
  return Buffer.concat(parts).toString('latin1');
}

test('TOP: header, blank line, first m body lines', () => {
  const msg = 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n';
  assert.equal(top(msg, 0), 'A: 1\r\nB: 2\r\n\r\n');
  assert.equal(top(msg, 2), 'A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n');
  assert.equal(top(msg, 99), msg);
  assert.equal(top('A: 1\nB: 2\n\nl1\nl2\n', 1), 'A: 1\nB: 2\n\nl1\n', 'bare LF lines');
  assert.equal(top('A: 1\r\nno separator', 0), 'A: 1\r\nno separator', 'all of it is header');
  assert.equal(top('\r\nbody\r\n', 0), '\r\n', 'empty header');
  assert.equal(top('A: 1\r\n\r\r\nstill header\r\n\r\nb\r\n', 0), 'A: 1\r\n\r\r\nstill header\r\n\r\n', 'a line with a lone CR is not empty');
});

test('property: TOP cuts at the same place however the message is chunked', () => {
  const text = fc.array(fc.constantFrom('A: 1', '', '\r', 'x', '.y'), { maxLength: 15 }).chain((ls) =>
    fc.constantFrom(ls.join('\r\n'), ls.join('\n'), ls.join('\r\n') + '\r\n'),
  );
  fc.assert(
    fc.property(text, fc.nat({ max: 5 }), cuts, (raw, m, at) => assert.equal(top(raw, m, at), top(raw, m))),
    RUNS,
  );
});
