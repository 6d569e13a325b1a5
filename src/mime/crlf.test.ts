import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crlfLength } from './crlf.ts';

/** The CRLF form, written the slow and obvious way: the reference crlfLength must match. */
function crlfForm(raw: Buffer): Buffer {
  const out: number[] = [];
  raw.forEach((b, i) => {
    if (b === 0x0a && (i === 0 || raw[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(b);
  });
  if (raw.length > 0 && raw[raw.length - 1] !== 0x0a) out.push(0x0d, 0x0a);
  return Buffer.from(out);
}

test('crlfLength: examples', () => {
  const cases: [string, number][] = [
    ['', 0],
    ['a', 3],
    ['a\r\n', 3],
    ['a\n', 3],
    ['\n', 2],
    ['a\r', 4],
    ['a\nb\nc', 9],
    ['\r\r\n', 3],
    ['a\rb\r\n', 5],
  ];
  for (const [text, n] of cases) assert.equal(crlfLength(Buffer.from(text, 'latin1')), n, JSON.stringify(text));
});

test('crlfLength accepts a plain Uint8Array view', () => {
  const backing = Buffer.from('xxa\nbyy');
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3);
  assert.equal(crlfLength(view), 6);
});

test('property: crlfLength is the length of the CRLF form', () => {
  const bytes = fc.array(fc.constantFrom(0x0a, 0x0d, 0x2e, 0x41, 0x20), { maxLength: 200 }).map((a) => Buffer.from(a));
  fc.assert(
    fc.property(bytes, (raw) => assert.equal(crlfLength(raw), crlfForm(raw).length)),
    { numRuns: 500 },
  );
});
