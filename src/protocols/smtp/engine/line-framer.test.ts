import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LineFramer, TOO_LONG } from './line-framer.ts';

function drain(f: LineFramer): (string | typeof TOO_LONG)[] {
  const out: (string | typeof TOO_LONG)[] = [];
  for (let l = f.next(); l !== null; l = f.next()) out.push(l === TOO_LONG ? l : l.toString('latin1'));
  return out;
}

test('an over-long line is reported once and the next line is read normally', () => {
  const f = new LineFramer(16);
  f.push(Buffer.from(`NOOP ${'x'.repeat(40)}`));
  assert.deepEqual(drain(f), [TOO_LONG]);
  f.push(Buffer.from(`${'y'.repeat(100)}\r\nNOOP\r\nRSET`));
  assert.deepEqual(drain(f), ['NOOP']);
  f.push(Buffer.from('\r\n'));
  assert.deepEqual(drain(f), ['RSET']);
  // Exactly at the limit (CRLF included) is fine; one more octet is not.
  f.push(Buffer.from(`${'a'.repeat(14)}\r\n${'b'.repeat(15)}\r\n`));
  assert.deepEqual(drain(f), ['a'.repeat(14), TOO_LONG]);
});

test('any chunking of the input gives the same lines', () => {
  const line = fc.stringMatching(/^[ -~]{0,30}$/);
  fc.assert(
    fc.property(fc.array(line, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (lines, cuts) => {
      const wire = Buffer.from(lines.map((l) => `${l}\r\n`).join(''));
      const f = new LineFramer(24);
      const got: (string | typeof TOO_LONG)[] = [];
      const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
      let from = 0;
      for (const p of [...points, wire.length]) {
        f.push(wire.subarray(from, p));
        from = p;
        got.push(...drain(f));
      }
      assert.deepEqual(got, lines.map((l) => (l.length + 2 > 24 ? TOO_LONG : l)));
    }),
    { numRuns: 500 },
  );
});
