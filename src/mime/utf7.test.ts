import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMailboxName, encodeMailboxName } from './utf7.ts';

void test('RFC 3501 §5.1.3 example and common names', () => {
  assert.equal(encodeMailboxName('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
  assert.equal(decodeMailboxName('~peter/mail/&U,BTFw-/&ZeVnLIqe-'), '~peter/mail/台北/日本語');
  assert.equal(encodeMailboxName('Entwürfe'), 'Entw&APw-rfe');
  assert.equal(encodeMailboxName('A&B'), 'A&-B');
  assert.equal(decodeMailboxName('A&-B'), 'A&B');
  assert.equal(encodeMailboxName('😀'), '&2D3eAA-');
});

void test('invalid modified UTF-7 is refused with null', () => {
  for (const bad of [
    '&Jjo', // unterminated
    '&Jjo!-', // not base64
    '&AGE-', // encodes printable "a"
    '&U,BTFw-&ZeVnLIqe-', // two runs back to back
    '&2D0-', // lone high surrogate
    '&AP-', // leftover non-zero bits
    'Entwürfe', // 8-bit
    'a\tb', // control character
  ]) {
    assert.equal(decodeMailboxName(bad), null, bad);
  }
});
