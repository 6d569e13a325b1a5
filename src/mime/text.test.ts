import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { collapsedPrefix, collapseWhitespace, countLines } from './text.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** What the preview was before collapsedPrefix: collapse everything, then take code points. */
function slowPrefix(text: string, maxUnits: number, maxPoints: number): string {
  return Array.from(collapseWhitespace(text.slice(0, maxUnits))).slice(0, maxPoints).join('');
}

void test('collapsedPrefix treats every UTF-16 unit as collapseWhitespace does', () => {
  for (let c = 0; c <= 0xffff; c++) {
    const s = `a${String.fromCharCode(c)}${String.fromCharCode(c)}b`;
    assert.equal(collapsedPrefix(s, 100, 100), slowPrefix(s, 100, 100), `U+${c.toString(16)}`);
  }
});

void test(`collapsedPrefix equals the collapse-then-cut preview (seed ${SEED})`, () => {
  const piece = fc.oneof(
    fc.constantFrom(' ', '\t', '\r\n', '\u00a0', '\u200b', '\u3000', '\ufeff', '\ud83d\ude00', '\ud83d', '\ude00', 'ä', 'x', 'word'),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 80 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 60 }), (xs, units, points) => {
      const s = xs.join('');
      assert.equal(collapsedPrefix(s, units, points), slowPrefix(s, units, points));
      assert.equal(collapsedPrefix(s, 1600, 200), slowPrefix(s, 1600, 200));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

void test(`countLines counts LFs in the range plus an unterminated last line (seed ${SEED})`, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }).map((b) => b.map((x) => (x < 40 ? 0x0a : x))), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = bytes.length === 0 ? 0 : a % bytes.length;
      const end = start + (b % (bytes.length - start + 1));
      let naive = 0;
      for (let i = start; i < end; i++) if (bytes[i] === 0x0a) naive++;
      if (end > start && bytes[end - 1] !== 0x0a) naive++;
      assert.equal(countLines(bytes, start, end), naive);
      assert.equal(countLines(Buffer.from(bytes), start, end), naive);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});
