import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizeLineEnds } from '../line-ends.ts';
import { DataReader } from './data-reader.ts';

const RUNS = { numRuns: 1000 };
/** Bytes weighted towards what matters: CR, LF, dots. */
const bytes = fc.array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x2e, 0x0d, 0x2e), fc.integer({ min: 0, max: 255 })), { maxLength: 200 }).map((a) => Buffer.from(a));
/** A message body as a client hands it over: empty, or ending in CRLF (the client adds one otherwise). */
const body = bytes.map((b) => (b.length === 0 || b.subarray(-2).equals(Buffer.from('\r\n')) ? b : Buffer.concat([b, Buffer.from('\r\n')])));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** RFC 5321 §4.5.2 transparency: a line (after CRLF, or at the start) that begins with "." gets one more. */
function stuff(b: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const lineStart = i === 0 || (b[i - 1] === 0x0a && b[i - 2] === 0x0d);
    if (lineStart && b[i] === 0x2e) out.push(0x2e);
    out.push(b[i]!);
  }
  return Buffer.from(out);
}

function split(buf: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((p) => (buf.length ? p % (buf.length + 1) : 0)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

/** Feeds the wire in chunks; returns the message, where DATA ended in the wire, and how often an end was reported. */
function read(wire: Buffer, at: number[], limit = 1 << 20): { message: Buffer | null; end: number; ends: number; size: number } {
  const reader = new DataReader(limit);
  let offset = 0;
  let end = -1;
  let ends = 0;
  let message: Buffer | null = null;
  let size = 0;
  for (const chunk of split(wire, at)) {
    if (end !== -1) break;
    const used = reader.feed(chunk);
    if (used !== -1) {
      ends++;
      end = offset + used;
      size = reader.size;
      message = reader.take();
    }
    offset += chunk.length;
  }
  return { message, end, ends, size };
}

const TERMINATOR = Buffer.from('.\r\n');
const NEXT = Buffer.from('QUIT\r\n');

test('any body in any chunking: the unstuffed message is the body, and DATA ends right after <CRLF>.<CRLF>', () => {
  fc.assert(
    fc.property(body, cuts, (b, at) => {
      const stuffed = stuff(b);
      const wire = Buffer.concat([stuffed, TERMINATOR, NEXT]);
      const r = read(wire, at);
      assert.equal(r.ends, 1);
      assert.equal(r.end, stuffed.length + TERMINATOR.length, 'the terminator ends DATA, exactly once');
      assert.deepEqual(r.message, b);
      assert.equal(r.size, b.length);
    }),
    RUNS,
  );
});

test('only <CRLF>.<CRLF> ends DATA: bare LF / bare CR markers stay inside the message', () => {
  const markers = ['\n.\n', '\r\n.\n', '\n.\r\n', '\r.\r', '\r\n.\r', '\r.\n'];
  for (const m of markers) {
    const wire = Buffer.from(`Subject: outer\r\n\r\nhello${m}MAIL FROM:<x@y>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n`);
    const r = read(wire, []);
    assert.equal(r.ends, 1, JSON.stringify(m));
    assert.equal(wire.subarray(r.end).toString(), 'QUIT\r\n', JSON.stringify(m));
    const text = r.message!.toString('latin1');
    assert.ok(text.includes('smuggled'), JSON.stringify(m));
    // A line start after CRLF with "." is unstuffed ("\r\n.\r" loses its dot); elsewhere the dot stays.
    const normalized = normalizeLineEnds(r.message!).toString('latin1');
    assert.doesNotMatch(normalized, /[^\r]\n|\r[^\n]|\r$/);
  }
});

test('bare-line-end bodies in any chunking: exactly one end, and nothing bare survives line-ends.ts', () => {
  const bare = fc.array(fc.constantFrom('\n', '\r', '.', 'a', '\r\n', '\n.\n', '\r.\r'), { maxLength: 40 }).map((p) => Buffer.from(`${p.join('')}\r\n`));
  fc.assert(
    fc.property(bare, cuts, (b, at) => {
      const stuffed = stuff(b);
      const wire = Buffer.concat([stuffed, TERMINATOR, NEXT]);
      const r = read(wire, at);
      assert.equal(r.ends, 1);
      assert.equal(r.end, stuffed.length + 3);
      assert.deepEqual(r.message, b);
      assert.doesNotMatch(normalizeLineEnds(r.message).toString('latin1'), /[^\r]\n|\r[^\n]|\r$|^\n/);
    }),
    RUNS,
  );
});

test('past the size limit the message is dropped, but DATA still ends at its terminator', () => {
  fc.assert(
    fc.property(body, cuts, fc.nat({ max: 250 }), (b, at, limit) => {
      const stuffed = stuff(b);
      const r = read(Buffer.concat([stuffed, TERMINATOR, NEXT]), at, limit);
      assert.equal(r.end, stuffed.length + 3);
      assert.equal(r.size, b.length);
      if (b.length > limit) assert.equal(r.message, null);
      else assert.deepEqual(r.message, b);
    }),
    RUNS,
  );
});

test('the smallest cases', () => {
  assert.deepEqual(read(Buffer.from('.\r\n'), []).message, Buffer.alloc(0));
  assert.deepEqual(read(Buffer.from('..\r\n.\r\n'), []).message, Buffer.from('.\r\n'));
  assert.deepEqual(read(Buffer.from('a\r\n..b\r\n.\r\n'), [1, 2, 3, 4, 5, 6]).message, Buffer.from('a\r\n.b\r\n'));
  // A lone "." then CR then something else: an ordinary line.
  assert.deepEqual(read(Buffer.from('.\rx\r\n.\r\n'), [1, 2]).message, Buffer.from('\rx\r\n'));
  const r = read(Buffer.from('no end\r\n'), []);
  assert.equal(r.ends, 0);
});
