import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeLineEnds } from './line-ends.ts';

test('CRLF-only input is returned as is (no copy)', () => {
  const raw = Buffer.from('a\r\nb\r\n\r\n.x\r\n');
  assert.equal(normalizeLineEnds(raw), raw);
});

test('bare LF and bare CR become CRLF; CRLF stays', () => {
  const cases: [string, string][] = [
    ['a\nb', 'a\r\nb'],
    ['a\rb', 'a\r\nb'],
    ['a\r\n.\nb', 'a\r\n.\r\nb'],
    ['\n.\n', '\r\n.\r\n'],
    ['\r.\r', '\r\n.\r\n'],
    ['a\r\r\nb', 'a\r\n\r\nb'],
    ['a\n\r', 'a\r\n\r\n'],
    ['end\r', 'end\r\n'],
  ];
  for (const [input, want] of cases) {
    assert.equal(normalizeLineEnds(Buffer.from(input, 'latin1')).toString('latin1'), want, JSON.stringify(input));
  }
});

test('no bare CR or LF survives, whatever the input', () => {
  for (let n = 0; n < 2000; n++) {
    const bytes = Buffer.from(Array.from({ length: 1 + (n % 40) }, (_, i) => [0x0d, 0x0a, 0x2e, 0x61][(n * 7 + i * 13 + (i * i * n) % 5) % 4]!));
    const out = normalizeLineEnds(bytes);
    for (let i = 0; i < out.length; i++) {
      if (out[i] === 0x0d) assert.equal(out[i + 1], 0x0a);
      if (out[i] === 0x0a) assert.equal(out[i - 1], 0x0d);
    }
  }
});
