import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VerifyCache } from './verify-cache.ts';

test('a remembered password matches only with the same stored hash, within the TTL', () => {
  let t = 0;
  const cache = new VerifyCache({ ttlMs: 1000, now: () => t });
  assert.equal(cache.has('a@x.example', 'hash1', 'pw'), false);
  cache.remember('a@x.example', 'hash1', 'pw');
  assert.equal(cache.has('a@x.example', 'hash1', 'pw'), true);
  assert.equal(cache.has('a@x.example', 'hash1', 'pw2'), false, 'another password');
  assert.equal(cache.has('a@x.example', 'hash2', 'pw'), false, 'the password was changed');
  assert.equal(cache.has('b@x.example', 'hash1', 'pw'), false, 'another login');
  t = 1000;
  assert.equal(cache.has('a@x.example', 'hash1', 'pw'), false, 'expired');
});

test('at most `max` logins are remembered; the oldest go first', () => {
  const cache = new VerifyCache({ max: 2 });
  for (const l of ['a', 'b', 'c']) cache.remember(l, 'h', 'pw');
  assert.equal(cache.has('a', 'h', 'pw'), false);
  assert.equal(cache.has('c', 'h', 'pw'), true);
});
