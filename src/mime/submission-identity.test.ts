import assert from 'node:assert/strict';
import { test } from 'node:test';
import { submissionIdentity } from './submission-identity.ts';

const msg = (headers: string): Buffer => Buffer.from(`${headers.replace(/\n/g, '\r\n')}\r\n\r\nbody\r\n`);

test('the same Message-ID, Date and sender give the same key, whatever else differs', () => {
  const submitted = msg('From: Alice <alice@example.org>\nTo: bob@example.org\nDate: Sat, 28 Nov 2026 10:00:00 +0000\nMessage-ID: <a1@example.org>');
  const appended = msg(
    'Bcc: carol@example.org\nFrom: "Alice A." <ALICE@example.org>\nTo: bob@example.org\nDate:  Sat, 28 Nov 2026\n 10:00:00 +0000\nMessage-ID: <a1@example.org>\nX-Client: 1',
  );
  assert.ok(submissionIdentity(submitted));
  assert.equal(submissionIdentity(appended), submissionIdentity(submitted));
});

test('a different Message-ID, Date or sender is another message; without one of them there is no key', () => {
  const base = 'From: alice@example.org\nDate: Sat, 28 Nov 2026 10:00:00 +0000\nMessage-ID: <a1@example.org>';
  const key = submissionIdentity(msg(base));
  assert.notEqual(submissionIdentity(msg(base.replace('<a1@', '<a2@'))), key);
  assert.notEqual(submissionIdentity(msg(base.replace('10:00:00', '10:00:01'))), key);
  assert.notEqual(submissionIdentity(msg(base.replace('From: alice@', 'From: bob@'))), key);
  assert.equal(submissionIdentity(msg(base.replace(/Message-ID: .*/, 'X: y'))), null);
  assert.equal(submissionIdentity(msg(base.replace(/Date: .*/, 'X: y'))), null);
  assert.equal(submissionIdentity(msg('Date: x\nMessage-ID: <z@y>')), null);
  assert.equal(submissionIdentity(Buffer.from('no header at all')), null);
});
