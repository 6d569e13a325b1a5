/**
 * The POP3 bench's account on both servers: `pop@bench.test` with the maildrop of
 * bench/pop3/corpus.ts. Password hashes can be switched while the servers run: a cheap one
 * (scrypt N=16 for postkontor, {PLAIN} for Dovecot), or one argon2id PHC string made by
 * postkontor's own hashPassword (m=19 MiB, t=2, p=1) and given to both (Dovecot as {ARGON2ID}).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashPassword } from '../../src/auth/password.ts';
import { benchMessage, DOMAIN, PASSWORD } from '../shared/corpus.ts';
import { prepareDovecot, setDovecotPasswords } from '../shared/dovecot.ts';
import { appendAll, cachedDataDir, cheapHash, cli, indexed, withStore } from '../shared/postkontor.ts';
import { bigMessage, isBig, POP_CORPUS_VERSION, POP_USER, popMessage } from './corpus.ts';

export type HashKind = 'cheap' | 'argon2id';

/** A fresh copy of the cached postkontor data dir holding the maildrop (built the first time). */
export function popDataDir(messages: number, bigEvery: number, log: (s: string) => void): Promise<string> {
  return cachedDataDir(
    `${POP_CORPUS_VERSION}-${messages}-${bigEvery}`,
    async (dir) => {
      cli(['domain', 'add', DOMAIN, '--data', dir]);
      cli(['user', 'add', POP_USER, '--password', PASSWORD, '--data', dir]);
      await withStore(dir, async (store) => {
        await store.accounts.setPasswordHash(POP_USER, cheapHash(PASSWORD));
        const acc = (await store.accounts.get(POP_USER))!;
        const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
        const t0 = performance.now();
        await appendAll(store, acc.id, inbox.id, messages, (n) => popMessage(n, bigEvery));
        const s = (performance.now() - t0) / 1000;
        log(`  loaded ${messages} messages for ${POP_USER} in ${s.toFixed(1)} s (${(messages / s).toFixed(0)}/s)`);
        await indexed(store, log);
      });
    },
    log,
  );
}

/** The Dovecot temp dir with the same maildrop in Maildir. */
export function popDovecotDir(messages: number, bigEvery: number, log: (s: string) => void): string {
  const user = { address: POP_USER, password: `{PLAIN}${PASSWORD}`, messages, message: (n: number) => popMessage(n, bigEvery) };
  return prepareDovecot([user], log);
}

let argon: Promise<string> | undefined;

/** One argon2id PHC string of the bench password, from postkontor's own hashPassword. */
export function argon2idHash(): Promise<string> {
  argon ??= hashPassword(PASSWORD);
  return argon;
}

export async function setPostkontorHash(runDir: string, kind: HashKind): Promise<void> {
  const hash = kind === 'cheap' ? cheapHash(PASSWORD) : await argon2idHash();
  await withStore(join(runDir, 'data'), (store) => store.accounts.setPasswordHash(POP_USER, hash));
}

export async function setDovecotHash(dir: string, kind: HashKind): Promise<void> {
  const password = kind === 'cheap' ? `{PLAIN}${PASSWORD}` : `{ARGON2ID}${await argon2idHash()}`;
  setDovecotPasswords(dir, [{ address: POP_USER, password }]);
}

/** The delivered CRLF form of a retrieved message, found by its Message-ID (null if unknown). */
export function deliveredMessage(body: Buffer, bigEvery: number): Buffer | null {
  const m = /^Message-ID: <(\d+)(\.big)?\.bench@example\.org>\r$/m.exec(body.subarray(0, 2048).toString('latin1'));
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2] !== undefined) return isBig(n, bigEvery) ? bigMessage(n) : null;
  return benchMessage(n);
}
