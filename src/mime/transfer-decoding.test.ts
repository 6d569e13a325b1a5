import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeTransfer } from './transfer-decoding.ts';

test('base64, quoted-printable, identity and unknown encodings', () => {
  assert.deepEqual(decodeTransfer(Buffer.from('SGVs\r\nbG8=\r\n'), 'BASE64'), Buffer.from('Hello'));
  assert.deepEqual(decodeTransfer(Buffer.from('Gr=C3=BC=\r\n=C3=9Fe =3D x=\n!'), 'quoted-printable'), Buffer.from('Grüße = x!'));
  assert.deepEqual(decodeTransfer(Buffer.from('=ZZ'), 'quoted-printable'), Buffer.from('=ZZ'));
  assert.deepEqual(decodeTransfer(Buffer.from('raw\x00'), '8bit'), Buffer.from('raw\x00'));
  assert.equal(decodeTransfer(Buffer.from('x'), 'x-uuencode'), null);
});

test('base64 of any bytes decodes back (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const encoded = Buffer.from(bytes).toString('base64').replace(/(.{76})/g, '$1\r\n');
      assert.deepEqual(decodeTransfer(Buffer.from(encoded), 'base64'), Buffer.from(bytes));
    }),
    { numRuns: 200 },
  );
});
