import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedClock } from '../core/clock.ts';
import { LoginLimiter, MemoryLoginFailures } from './login-limiter.ts';

test('per-address and per-account limits, sliding windows, success clears the address', async () => {
  const clock = fixedClock(1_000_000);
  const limiter = new LoginLimiter(clock, {
    perAddress: { failures: 3, windowMs: 60_000 },
    perAccount: { failures: 5, windowMs: 120_000 },
  });
  for (let i = 0; i < 3; i++) {
    assert.equal(await limiter.retryAfter('192.0.2.1', 'a@x'), 0);
    await limiter.recordFailure('192.0.2.1', 'a@x');
    clock.advance(1000);
  }
  // Three failures in the window: the address waits until the first one leaves it.
  assert.equal(await limiter.retryAfter('192.0.2.1', 'a@x'), 57_000);
  assert.equal(await limiter.retryAfter('192.0.2.1', 'other@x'), 57_000, 'the address is limited for any account');
  assert.equal(await limiter.retryAfter('192.0.2.2', 'a@x'), 0, 'another address may still try');
  await limiter.recordFailure('192.0.2.2', 'A@X');
  await limiter.recordFailure('192.0.2.3', 'a@x');
  assert.ok((await limiter.retryAfter('192.0.2.4', 'a@x')) > 0, 'the account is limited from every address');
  clock.advance(120_000);
  assert.equal(await limiter.retryAfter('192.0.2.1', 'a@x'), 0, 'windows slide');
  await limiter.recordFailure('192.0.2.9', 'b@x');
  await limiter.recordFailure('192.0.2.9', 'b@x');
  await limiter.recordSuccess('192.0.2.9');
  await limiter.recordFailure('192.0.2.9', 'b@x');
  assert.equal(await limiter.retryAfter('192.0.2.9', 'c@x'), 0);
});


test('limiters on one failure store (two nodes) count each other\'s failures and clear them', async () => {
  const clock = fixedClock(1_000_000);
  const shared = new MemoryLoginFailures();
  const rules = { perAddress: { failures: 2, windowMs: 60_000 }, perAccount: { failures: 10, windowMs: 60_000 } };
  const one = new LoginLimiter(clock, rules, shared);
  const two = new LoginLimiter(clock, rules, shared);
  await one.recordFailure('192.0.2.1', 'a@x');
  await two.recordFailure('192.0.2.1', 'a@x');
  assert.equal(await one.retryAfter('192.0.2.1', 'a@x'), 60_000);
  assert.equal(await two.retryAfter('192.0.2.1', 'a@x'), 60_000);
  // A success on a node that saw the failures clears them for all.
  await two.recordSuccess('192.0.2.1');
  assert.equal(await one.retryAfter('192.0.2.1', 'a@x'), 0);
});
