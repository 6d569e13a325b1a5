/**
 * The accounts of the node benches, provisioned in-process through the store API (the nodes see
 * only the database): `idle@bench.test` with a small INBOX for the IDLE latency runs, and
 * `load01@` … `load16@` (one per load client, as on a provider where clients are different
 * users) each with an INBOX of 10 KB messages for the read mix. Cheap scrypt password hashes,
 * so that logins cost no argon2id.
 */
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/ports.ts';
import { appendAll, cheapHash } from '../shared/postkontor.ts';
import { benchMessage10k } from './appends.ts';

export const DOMAIN = 'bench.test';
export const IDLE_USER = `idle@${DOMAIN}`;
export const PASSWORD = 'bench-password';
export const IDLE_MESSAGES = 20;

export const loadUser = (i: number): string => `load${String(i + 1).padStart(2, '0')}@${DOMAIN}`;

/** An account with `messages` 10 KB messages in its INBOX, every `seenEvery`th one \Seen (0: none). */
async function account(store: Store, address: string, messages: number, seenEvery: number): Promise<void> {
  const acc = await store.accounts.create({ address, passwordHash: cheapHash(PASSWORD) });
  const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
  await appendAll(store, acc.id, inbox.id, messages, (n) => benchMessage10k(n), (n) => seenEvery > 0 && n % seenEvery === 0);
}

/**
 * Fills a store (`storeUrl`: PostgreSQL; absent: SQLite in `dataDir`) with the idle account and
 * `loadUsers` load accounts of `loadMessages` messages each; waits for the full-text indexer.
 */
export async function provision(
  where: { dataDir: string; storeUrl?: string },
  loadUsers: number,
  loadMessages: number,
  log: (s: string) => void,
): Promise<void> {
  const store = await openStore(where.storeUrl ? { dataDir: where.dataDir, storeUrl: where.storeUrl } : { dataDir: where.dataDir });
  try {
    const t0 = performance.now();
    await store.domains.add(DOMAIN);
    // None \Seen: the IDLE runs' first `STORE 1 +FLAGS (\Seen)` must be a change.
    await account(store, IDLE_USER, IDLE_MESSAGES, 0);
    for (let i = 0; i < loadUsers; i++) await account(store, loadUser(i), loadMessages, 4);
    await store.idle();
    log(`  provisioned ${where.storeUrl ? 'PostgreSQL' : 'SQLite'}: ${loadUsers} x ${loadMessages} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await store.close();
  }
}
