import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { test } from 'node:test';
import { isPkError } from '../core/errors.ts';
import { LIMITS } from '../core/limits.ts';
import { hashPassword, verifyPassword } from './password.ts';

function scryptPhc(password: string, ln: number): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 2 ** ln, r: 8, p: 1 });
  const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${ln},r=8,p=1$${b64(salt)}$${b64(key)}`;
}

test('argon2id hashes verify, with a fresh salt each time', async () => {
  const a = await hashPassword('pässword ✓');
  const b = await hashPassword('pässword ✓');
  assert.match(a, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword(a, 'pässword ✓'), true);
  assert.equal(await verifyPassword(a, 'password ✓'), false);
  assert.equal(await verifyPassword(a, ''), false);
});

test('empty and over-long passwords are refused before hashing', async () => {
  await assert.rejects(hashPassword(''), (e) => isPkError(e) && e.code === 'PK_ERR_INVALID_PASSWORD');
  const max = 'x'.repeat(LIMITS.passwordBytes);
  assert.equal(await verifyPassword(await hashPassword(max), max), true);
  // The cap counts UTF-8 bytes, not characters.
  const over = 'é'.repeat(LIMITS.passwordBytes / 2 + 1);
  await assert.rejects(hashPassword(over), /too long/);
  assert.equal(await verifyPassword(await hashPassword('short'), over), false);
});

test('scrypt PHC strings from elsewhere verify', async () => {
  const phc = scryptPhc('imported secret', 10);
  assert.equal(await verifyPassword(phc, 'imported secret'), true);
  assert.equal(await verifyPassword(phc, 'imported secreT'), false);
  assert.equal(await verifyPassword(phc.replace('ln=10', 'n=1024'), 'imported secret'), true);
});

test('unknown, malformed or hostile hashes are a plain "no"', async () => {
  const good = scryptPhc('pw', 10);
  for (const phc of [
    '',
    'plain-text-password',
    '$1$md5crypt$abcdef',
    '$scrypt$ln=10,r=8,p=1$onlysalt',
    good.replace('ln=10', 'ln=40'), // would ask for terabytes
    good.replace('ln=10', 'n=1000'), // not a power of two
    good.replace('r=8', 'r=999'),
    '$scrypt$ln=10,r=8,p=1$!!!$!!!',
    '$argon2id$v=19$m=19456,t=2,p=1$garbage',
  ]) {
    assert.equal(await verifyPassword(phc, 'pw'), false, phc);
  }
});

test('a missing account costs a verification and fails', async () => {
  assert.equal(await verifyPassword(null, 'anything'), false);
  assert.equal(await verifyPassword(null, ''), false);
});
