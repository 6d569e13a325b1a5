import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback, plaintextAllowed } from './plaintext-policy.ts';

test('loopback: 127.0.0.0/8, ::1 and IPv4-mapped 127.x', () => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3', '0:0:0:0:0:0:0:1']) {
    assert.equal(isLoopback(a), true, a);
  }
  for (const a of [undefined, '', '128.0.0.1', '10.0.0.1', '::ffff:10.0.0.1', '::2', 'fe80::1', '127.0.0.1.example', '1127.0.0.1']) {
    assert.equal(isLoopback(a), false, String(a));
  }
});

test('each policy over TLS, loopback and remote plaintext', () => {
  const tlsRemote = { secure: true, remoteAddress: '192.0.2.1' };
  const plainLoop = { secure: false, remoteAddress: '::ffff:127.0.0.1' };
  const plainRemote = { secure: false, remoteAddress: '192.0.2.1' };
  assert.deepEqual(
    [tlsRemote, plainLoop, plainRemote].map((c) => plaintextAllowed('tls-or-loopback', c)),
    [true, true, false],
  );
  assert.deepEqual(
    [tlsRemote, plainLoop, plainRemote].map((c) => plaintextAllowed('tls-only', c)),
    [true, false, false],
  );
  assert.deepEqual(
    [tlsRemote, plainLoop, plainRemote].map((c) => plaintextAllowed('always', c)),
    [true, true, true],
  );
});
