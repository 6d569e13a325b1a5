import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stripForgedResults } from './forged-results.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('fields claiming our authserv-id go, folded or not; others and the body stay byte-exact', () => {
  const raw = b(
    'Authentication-Results: MX.Example.org;\r\n\tdkim=pass header.d=bank.example\r\n' +
      'Received: from x\r\n' +
      'Authentication-Results: other.example; spf=pass\r\n' +
      'authentication-results :mx.example.org; dmarc=pass\r\n' +
      'Subject: hi\r\n\r\n' +
      'Authentication-Results: mx.example.org; in the body\r\n',
  );
  assert.equal(
    stripForgedResults(raw, 'mx.example.org').toString('latin1'),
    'Received: from x\r\nAuthentication-Results: other.example; spf=pass\r\nSubject: hi\r\n\r\nAuthentication-Results: mx.example.org; in the body\r\n',
  );
});

test('a message without such fields is returned as it is', () => {
  const raw = b('Subject: x\r\nAuthentication-Results: mx.example.org.evil; dkim=pass\r\n\r\nbody\r\n');
  assert.equal(stripForgedResults(raw, 'mx.example.org'), raw);
});

test('property: only our fields are removed; every other byte stays, in order', () => {
  const field = fc.oneof(
    fc.constant('Authentication-Results: mx.example.org; dkim=pass\r\n'),
    fc.constant('Authentication-Results: mx.example.org;\r\n spf=pass\r\n'),
    fc.constant('Authentication-Results: elsewhere.example; dkim=fail\r\n'),
    fc.stringMatching(/^X-[A-Za-z]{1,8}: [ -~]{0,20}\r\n$/),
  );
  fc.assert(
    fc.property(fc.array(field, { maxLength: 8 }), fc.stringMatching(/^[ -~\r\n]{0,40}$/), (fields, body) => {
      const raw = b(`${fields.join('')}\r\n${body}`);
      const expected = `${fields.filter((f) => !f.startsWith('Authentication-Results: mx.example.org;')).join('')}\r\n${body}`;
      assert.equal(stripForgedResults(raw, 'mx.example.org').toString('latin1'), expected);
    }),
  );
});
