import assert from 'node:assert/strict';
import { test } from 'node:test';
import { srsReverse, srsRewrite } from './srs.ts';

const NOW = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;

test('SRS0 rewrite and reverse round trip; bad hash and old timestamps are refused', () => {
  const srs = srsRewrite('alice@orig.example', 'fwd.example', 'sekrit', NOW);
  assert.match(srs, /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=orig\.example=alice@fwd\.example$/);
  assert.equal(srsReverse(srs, 'sekrit', NOW + 3 * DAY), 'alice@orig.example');
  assert.equal(srsReverse(srs.toLowerCase(), 'sekrit', NOW), 'alice@orig.example', 'case-insensitive hash');
  assert.equal(srsReverse(srs, 'other', NOW), null);
  assert.equal(srsReverse(srs, 'sekrit', NOW + 30 * DAY), null, 'too old');
  assert.equal(srsReverse('bob@fwd.example', 'sekrit', NOW), null);
});

test('null sender and local senders are not rewritten', () => {
  assert.equal(srsRewrite('', 'fwd.example', 's', NOW), '');
  assert.equal(srsRewrite('me@fwd.example', 'fwd.example', 's', NOW), 'me@fwd.example');
});

test('a second forwarder makes SRS1 that reverses to the first forwarder', () => {
  const first = srsRewrite('alice@orig.example', 'one.example', 'k1', NOW);
  const second = srsRewrite(first, 'two.example', 'k2', NOW);
  assert.match(second, /^SRS1=[^=]{4}=one\.example==.+@two\.example$/);
  assert.equal(srsReverse(second, 'k2', NOW), first);
  assert.equal(srsReverse(first, 'k1', NOW), 'alice@orig.example');
  const third = srsRewrite(second, 'three.example', 'k3', NOW);
  assert.match(third, /^SRS1=[^=]{4}=one\.example==.+@three\.example$/);
  assert.equal(srsReverse(third, 'k3', NOW), first);
});
