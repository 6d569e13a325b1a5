import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddressList } from './address.ts';

const a = (name: string | null, mailbox: string | null, host: string | null, adl: string | null = null) => ({ name, adl, mailbox, host });

void test('RFC 5322 Appendix A.1 examples', () => {
  assert.deepEqual(parseAddressList('John Doe <jdoe@machine.example>'), [a('John Doe', 'jdoe', 'machine.example')]);
  assert.deepEqual(parseAddressList('"Joe Q. Public" <john.q.public@example.com>'), [
    a('Joe Q. Public', 'john.q.public', 'example.com'),
  ]);
  assert.deepEqual(parseAddressList('Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>'), [
    a('Mary Smith', 'mary', 'x.test'),
    a(null, 'jdoe', 'example.org'),
    a('Who?', 'one', 'y.test'),
  ]);
  assert.deepEqual(parseAddressList('<boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>'), [
    a(null, 'boss', 'nil.test'),
    a('Giant; "Big" Box', 'sysservices', 'example.net'),
  ]);
  assert.deepEqual(parseAddressList('A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;'), [
    a(null, 'A Group', null),
    a('Ed Jones', 'c', 'a.test'),
    a(null, 'joe', 'where.test'),
    a('John', 'jdoe', 'one.test'),
    a(null, null, null),
  ]);
  assert.deepEqual(parseAddressList('Undisclosed recipients:;'), [a(null, 'Undisclosed recipients', null), a(null, null, null)]);
});

void test('odd but seen in the wild', () => {
  assert.equal(parseAddressList(''), null);
  assert.equal(parseAddressList(null), null);
  assert.deepEqual(parseAddressList('"quoted local"@example.com'), [a(null, '"quoted local"', 'example.com')]);
  assert.deepEqual(parseAddressList('=?utf-8?q?J=C3=B6rg?= <j@x.test>'), [a('=?utf-8?q?J=C3=B6rg?=', 'j', 'x.test')]);
  assert.deepEqual(parseAddressList('user@[192.0.2.1]'), [a(null, 'user', '[192.0.2.1]')]);
  assert.deepEqual(parseAddressList('foo@'), [a(null, 'foo', 'MISSING_DOMAIN')]);
  assert.deepEqual(parseAddressList('Group: a@b.test'), [a(null, 'Group', null), a(null, 'a', 'b.test'), a(null, null, null)]);
});

void test('stray specials and unterminated quotes or comments end (a stray ")" once looped forever)', () => {
  assert.equal(parseAddressList('a) b@c.test')?.[0]?.host, 'c.test');
  assert.ok(parseAddressList(')'));
  // An unterminated comment runs to the end: nothing is left.
  assert.equal(parseAddressList('(unterminated <x@y.test>'), null);
  assert.ok(parseAddressList('"unterminated <x@y.test>'));
});
