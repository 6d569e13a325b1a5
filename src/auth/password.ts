/**
 * Password hashing and verification. New hashes are argon2id PHC strings (@node-rs/argon2, its
 * defaults: m=19 MiB, t=2, p=1, ~85 ms); verification also accepts scrypt PHC strings
 * (`$scrypt$ln=15,r=8,p=1$salt$hash`) so that accounts imported from elsewhere keep working.
 * Every comparison is constant-time, and a missing account costs as much as a wrong password.
 */
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { scrypt, timingSafeEqual } from 'node:crypto';
import { PkError } from '../core/errors.ts';
import { LIMITS } from '../core/limits.ts';

/** Refuses empty and over-long passwords before any hashing work is done. */
export function checkPassword(password: string): void {
  if (password.length === 0) {
    throw new PkError('PK_ERR_INVALID_PASSWORD', 'the password must not be empty');
  }
  if (Buffer.byteLength(password, 'utf8') > LIMITS.passwordBytes) {
    throw new PkError(
      'PK_ERR_INVALID_PASSWORD',
      `the password is too long (at most ${LIMITS.passwordBytes} bytes)`,
    );
  }
}

/** Hashes a password into an argon2id PHC string; the only form the store ever sees. */
export async function hashPassword(password: string): Promise<string> {
  checkPassword(password);
  // algorithm 2 = Argon2id (a const enum in the typings, which isolatedModules cannot inline).
  return argon2Hash(password, { algorithm: 2 });
}

let dummyHash: Promise<string> | undefined;

/**
 * True when `password` matches `phc`. With `phc === null` (no such account) a dummy hash is
 * verified anyway, so that response time does not tell which accounts exist.
 */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  const usable = password.length > 0 && Buffer.byteLength(password, 'utf8') <= LIMITS.passwordBytes;
  if (phc === null || !usable) {
    dummyHash ??= argon2Hash('postkontor-dummy-password', { algorithm: 2 });
    await argon2Verify(await dummyHash, 'not-the-password').catch(() => false);
    return false;
  }
  if (phc.startsWith('$argon2')) {
    // @node-rs/argon2 compares in constant time (the argon2 crate's verify).
    return argon2Verify(phc, password).catch(() => false);
  }
  if (phc.startsWith('$scrypt$')) return verifyScrypt(phc, password);
  return false;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** PHC scrypt: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64>$<hash b64>` (`n=` also accepted). */
async function verifyScrypt(phc: string, password: string): Promise<boolean> {
  const parts = phc.split('$');
  // ['', 'scrypt', params, salt, hash]
  if (parts.length !== 5) return false;
  const [, , paramText = '', saltText = '', hashText = ''] = parts;
  const params = new Map<string, number>();
  for (const kv of paramText.split(',')) {
    const m = /^(ln|n|r|p)=(\d{1,10})$/.exec(kv);
    if (!m?.[1] || !m[2]) return false;
    params.set(m[1], Number(m[2]));
  }
  const ln = params.get('ln');
  const N = ln !== undefined ? 2 ** ln : params.get('n');
  const r = params.get('r') ?? 8;
  const p = params.get('p') ?? 1;
  // Bounds keep a hostile or corrupt hash from asking for gigabytes of memory.
  if (N === undefined || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0) return false;
  if (r < 1 || r > 32 || p < 1 || p > 16) return false;
  if (!B64.test(saltText) || !B64.test(hashText)) return false;
  const salt = Buffer.from(saltText, 'base64');
  const expected = Buffer.from(hashText, 'base64');
  if (salt.length === 0 || expected.length < 16 || expected.length > 128) return false;
  const maxmem = 128 * N * r * p + 64 * 1024 * 1024;
  const actual = await new Promise<Buffer | null>((resolve) => {
    scrypt(password, salt, expected.length, { N, r, p, maxmem }, (err, key) =>
      resolve(err ? null : key),
    );
  });
  return actual !== null && timingSafeEqual(actual, expected);
}
