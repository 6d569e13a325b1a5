import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatCursor, parseCursor } from './cursor.ts';

test('parseCursor(formatCursor(c)) is c for every cursor', () => {
  fc.assert(
    fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 0xffffffff }), (internalDate, uid) => {
      assert.deepEqual(parseCursor(formatCursor({ internalDate, uid })), { internalDate, uid });
    }),
  );
});

test('parseCursor never throws and accepts only DATE.UID', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const c = parseCursor(text);
      if (c !== null) assert.equal(formatCursor(c), text);
    }),
  );
  for (const bad of ['', '1', '1.', '.1', '1.0', '01.2', '-0.2', '1.2.3', '1e3.2', ' 1.2', '1.4294967296', '99999999999999999.1']) {
    assert.equal(parseCursor(bad), null, bad);
  }
});
