import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedClock } from '../core/clock.ts';
import { LoginLimiter } from './login-limiter.ts';

test('per-address and per-account limits, sliding windows, success clears the address', () => {
  const clock = fixedClock(1_000_000);
  const limiter = new LoginLimiter(clock, {
    perAddress: { failures: 3, windowMs: 60_000 },
    perAccount: { failures: 5, windowMs: 120_000 },
  });
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('192.0.2.1', 'a@x'), 0);
    limiter.recordFailure('192.0.2.1', 'a@x');
    clock.advance(1000);
  }
  // Three failures in the window: the address waits until the first one leaves it.
  assert.equal(limiter.retryAfter('192.0.2.1', 'a@x'), 57_000);
  assert.equal(limiter.retryAfter('192.0.2.1', 'other@x'), 57_000, 'the address is limited for any account');
  assert.equal(limiter.retryAfter('192.0.2.2', 'a@x'), 0, 'another address may still try');
  limiter.recordFailure('192.0.2.2', 'A@X');
  limiter.recordFailure('192.0.2.3', 'a@x');
  assert.ok(limiter.retryAfter('192.0.2.4', 'a@x') > 0, 'the account is limited from every address');
  clock.advance(120_000);
  assert.equal(limiter.retryAfter('192.0.2.1', 'a@x'), 0, 'windows slide');
  limiter.recordFailure('192.0.2.9', 'b@x');
  limiter.recordFailure('192.0.2.9', 'b@x');
  limiter.recordSuccess('192.0.2.9');
  limiter.recordFailure('192.0.2.9', 'b@x');
  assert.equal(limiter.retryAfter('192.0.2.9', 'c@x'), 0);
});

