/**
 * Every store conformance suite against the PostgreSQL store, each suite on a fresh database.
 * Skips (printing why) where no PostgreSQL answers; under CI=true it fails instead.
 */
import { openStore } from '../../src/store/open-store.ts';
import { createTestDatabase, requirePostgres } from '../helpers/pg-db.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { aliasConformance } from './aliases.suite.ts';
import { listingConformance } from './listing.suite.ts';
import { popConformance } from './pop.suite.ts';
import { queueConformance } from './queue.suite.ts';
import { sharedStateConformance } from './shared-state.suite.ts';
import { submittedConformance } from './submitted.suite.ts';
import { storeConformance, type StoreFactory } from './store.suite.ts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../src/core/clock.ts';
import type { Change } from '../../src/store/changes.ts';
import type { Store } from '../../src/store/ports.ts';
import { sampleMessage } from '../helpers/messages.ts';
import { pgAdminQuery, type TestDatabase } from '../helpers/pg-db.ts';

/** Small pools: the test server's max_connections is shared with other test runs. */
const POOL = 4;

async function openPg(clock?: Clock): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const database = await createTestDatabase();
  const dir = tempDir('pk-pg-');
  // Bodies of every size live in PostgreSQL, whatever inline limit a suite asks for.
  const store = await openStore({ dataDir: dir.path, storeUrl: database.url, poolSize: POOL, ...(clock ? { clock } : {}) });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
      dir.remove();
    },
  };
}

if (await requirePostgres('PostgreSQL store conformance')) {
  const postgres: StoreFactory = { open: () => openPg() };
  storeConformance('postgres', postgres);
  popConformance('postgres', postgres);
  aliasConformance('postgres', postgres);
  queueConformance('postgres', { open: ({ clock }) => openPg(clock) });
  submittedConformance('postgres', postgres);
  listingConformance('postgres', postgres);
  sharedStateConformance('postgres', postgres);
  severalNodes();
}

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

async function until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Two store instances on one database: two nodes. */
function severalNodes(): void {
  describe('postgres: two nodes on one database', () => {
    let database: TestDatabase;
    let a: Store;
    let b: Store;
    const dirs: { remove: () => void }[] = [];
    let n = 0;
    const open = async (): Promise<Store> => {
      const dir = tempDir('pk-pg-node-');
      dirs.push(dir);
      return openStore({ dataDir: dir.path, storeUrl: database.url, poolSize: POOL });
    };
    const newAccount = async () => {
      n++;
      const acc = await a.accounts.create({ address: `node${n}@example.org`, passwordHash: HASH });
      return { acc, inbox: (await a.mailboxes.get(acc.id, 'INBOX'))! };
    };

    before(async () => {
      database = await createTestDatabase();
      // Both open at once: the migrations take turns under the advisory lock.
      [a, b] = await Promise.all([open(), open()]);
      await a.domains.add('example.org');
    });
    after(async () => {
      await a.close();
      await b.close();
      await database.drop();
      for (const d of dirs) d.remove();
    });

    it('a change committed on one node reaches a subscriber on the other, in order, once', async () => {
      const { acc, inbox } = await newAccount();
      const start = await b.changes.lastSeq(acc.id);
      const onA: Change[] = [];
      const onB: Change[] = [];
      const unA = a.changes.subscribe(acc.id, (c) => onA.push(c));
      const unB = b.changes.subscribe(acc.id, (c) => onB.push(c));
      await Promise.all(Array.from({ length: 10 }, (_, i) => a.messages.append(acc.id, inbox.id, { raw: sampleMessage(i) })));
      // Writers on both nodes at once: UIDs never repeat.
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => b.messages.append(acc.id, inbox.id, { raw: sampleMessage(100 + i) })),
        a.messages.storeFlags(acc.id, inbox.id, { uids: [1, 2], mode: 'add', flags: ['\\Seen'] }),
      ]);
      await b.messages.storeFlags(acc.id, inbox.id, { uids: [3], mode: 'add', flags: ['\\Deleted'] });
      await a.messages.expunge(acc.id, inbox.id);
      const last = await a.changes.lastSeq(acc.id);
      await until('node B to see every change', () => onB.at(-1)?.seq === last);
      await until('node A to see every change', () => onA.at(-1)?.seq === last);
      unA();
      unB();
      const expected = Array.from({ length: last - start }, (_, i) => start + 1 + i);
      assert.deepEqual(onB.map((c) => c.seq), expected, 'gap-free, in order, no duplicates');
      assert.deepEqual(onA, onB);
      const uids = (await b.messages.listFlags(inbox.id)).map((r) => r.uid);
      assert.equal(new Set(uids).size, 19);
      assert.equal((await a.mailboxes.getById(acc.id, inbox.id))?.messages, 19);
    });

    it('a dropped LISTEN connection delays changes but loses none', async () => {
      const { acc, inbox } = await newAccount();
      const start = await b.changes.lastSeq(acc.id);
      const onB: Change[] = [];
      const unB = b.changes.subscribe(acc.id, (c) => onB.push(c));
      await a.messages.append(acc.id, inbox.id, { raw: sampleMessage(1) });
      await until('the first change', () => onB.length === 1);
      const killed = await pgAdminQuery<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'postkontor-listen'`,
        [database.name],
      );
      assert.equal(killed.rows.length, 2, 'one LISTEN connection per node');
      // Committed while nobody listens: their NOTIFYs are lost, the log is not.
      for (let i = 2; i <= 6; i++) await a.messages.append(acc.id, inbox.id, { raw: sampleMessage(i) });
      const last = await a.changes.lastSeq(acc.id);
      await until('node B to catch up after reconnecting', () => onB.at(-1)?.seq === last);
      // And the feed is live again afterwards.
      await a.messages.storeFlags(acc.id, inbox.id, { uids: [1], mode: 'add', flags: ['\\Flagged'] });
      await until('a change after the reconnect', () => onB.at(-1)?.seq === last + 1);
      unB();
      assert.deepEqual(onB.map((c) => c.seq), Array.from({ length: last + 1 - start }, (_, i) => start + 1 + i));
    });

    it('one POP3 maildrop lock across nodes, released with its connection', async () => {
      const { acc } = await newAccount();
      const held = await a.pop.lock(acc.id);
      assert.ok(held);
      assert.equal(await b.pop.lock(acc.id), null, 'the other node is refused');
      await held.release();
      const again = await b.pop.lock(acc.id);
      assert.ok(again, 'free after release');
      await pgAdminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'postkontor-pop-lock'`,
        [database.name],
      );
      const afterCrash = await a.pop.lock(acc.id);
      assert.ok(afterCrash, 'a lost connection drops its lock');
      await afterCrash.release();
      await again.release();
    });

    it('a queue item is claimed by one node at a time', async () => {
      const items = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          a.queue.enqueue({ sender: 'node@example.org', recipients: [`r${i}@example.net`], raw: sampleMessage(i) }),
        ),
      );
      const [one, two] = await Promise.all([a.queue.claim('node-a', 60_000, 10), b.queue.claim('node-b', 60_000, 10)]);
      const ids = [...one, ...two].map((i) => i.id).sort((x, y) => x - y);
      assert.deepEqual(ids, items.map((i) => i.id).sort((x, y) => x - y), 'every item once');
    });
  });
}
