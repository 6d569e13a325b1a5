/**
 * The IMAP bench's accounts on both servers: `big@bench.test` with the large INBOX and
 * `idle@bench.test` with the small one (bench/shared/corpus.ts), cheap password hashes on both
 * sides (scrypt N=16 for postkontor, {PLAIN} for Dovecot) so that 5,000 logins cost no hashing.
 */
import { performance } from 'node:perf_hooks';
import { benchMessage, BIG_USER, CORPUS_VERSION, DOMAIN, IDLE_USER, isSeen, PASSWORD } from '../shared/corpus.ts';
import { prepareDovecot } from '../shared/dovecot.ts';
import { appendAll, cachedDataDir, cheapHash, cli, indexed, withStore } from '../shared/postkontor.ts';

/** A fresh copy of the cached postkontor data dir with both accounts (built the first time). */
export function imapDataDir(big: number, small: number, log: (s: string) => void): Promise<string> {
  return cachedDataDir(
    `${CORPUS_VERSION}-${big}-${small}`,
    async (dir) => {
      cli(['domain', 'add', DOMAIN, '--data', dir]);
      for (const u of [BIG_USER, IDLE_USER]) cli(['user', 'add', u, '--password', PASSWORD, '--data', dir]);
      await withStore(dir, async (store) => {
        for (const [user, count] of [[BIG_USER, big], [IDLE_USER, small]] as const) {
          await store.accounts.setPasswordHash(user, cheapHash(PASSWORD));
          const acc = (await store.accounts.get(user))!;
          const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
          const t0 = performance.now();
          await appendAll(store, acc.id, inbox.id, count, benchMessage, isSeen);
          const s = (performance.now() - t0) / 1000;
          log(`  loaded ${count} messages for ${user} in ${s.toFixed(1)} s (${(count / s).toFixed(0)}/s)`);
        }
        await indexed(store, log);
      });
    },
    log,
  );
}

/** The Dovecot temp dir with the same two Maildirs. */
export function imapDovecotDir(big: number, small: number, log: (s: string) => void): string {
  const user = (address: string, messages: number) => ({
    address,
    password: `{PLAIN}${PASSWORD}`,
    messages,
    message: benchMessage,
    seen: isSeen,
  });
  return prepareDovecot([user(BIG_USER, big), user(IDLE_USER, small)], log);
}
