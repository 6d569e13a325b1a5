/**
 * `postkontor store copy --from DIR --to postgres://...` (issue 7): a populated SQLite data dir
 * (several accounts, nested mailboxes, flags and keywords, a message kept as a file, UID gaps,
 * POP3 download markers, settings, aliases, queued mail inline and as a file, a DKIM key, a web
 * session and failed logins) is copied with the real CLI into a fresh PostgreSQL database;
 * every UID, UIDVALIDITY, UIDNEXT,
 * HIGHESTMODSEQ, flag, UIDL (message id), body, setting and alias must be the same afterwards,
 * new mail must continue the numbering without reusing an id, and search must work. Skips
 * without PostgreSQL (fails under CI=true, test/helpers/pg-db.ts).
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { copySqliteToPostgres, type CopyProgress } from '../../src/store/copy.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/ports.ts';
import { sampleMessage } from '../helpers/messages.ts';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/pg-db.ts';
import { runCli, tempDir } from './run-cli.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const WORD = 'Zebracrossing';

function bigMessage(): Buffer {
  const line = `${'y'.repeat(70)}\r\n`;
  return Buffer.from(
    [
      'From: Carol <carol@example.net>',
      'To: Alice <alice@example.org>',
      'Subject: The big one',
      'Message-ID: <big@example.net>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `A word to find: ${WORD}.`,
      line.repeat(4500),
    ].join('\r\n'),
  );
}

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Everything a client or the server could notice, read through the store API. */
async function observe(store: Store): Promise<unknown> {
  const accounts = [];
  for (const acc of await store.accounts.list()) {
    const mailboxes = [];
    for (const mb of await store.mailboxes.list(acc.id)) {
      const messages = [];
      for (const m of await store.messages.list(mb.id)) {
        const reader = await store.messages.open(m.blobHash);
        messages.push({ ...m, bytes: sha(await reader.read()), index: await store.messages.index(m.blobHash) });
      }
      mailboxes.push({ ...mb, flags: await store.messages.listFlags(mb.id), messages });
    }
    const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
    const archive = (await store.mailboxes.byRole(acc.id, 'archive'))!;
    accounts.push({
      account: acc,
      password: (await store.accounts.passwordHash(acc.address))!.hash,
      settings: await store.settings.get(acc.id),
      subscriptions: await store.mailboxes.listSubscriptions(acc.id),
      mailboxes,
      maildrop: await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id, archive.id] }),
      notDownloaded: (await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id], notDownloaded: true })).map((m) => m.id),
      popHistory: await store.pop.recentDownloads(acc.id, 10),
      changes: await store.changes.readSince(acc.id, 0, 10_000),
      lastSeq: await store.changes.lastSeq(acc.id),
      sent: await store.sendLog.recent(acc.id, 0, 10),
    });
  }
  const queue = [];
  for (const item of await store.queue.list()) queue.push({ ...item, bytes: sha(await (await store.queue.open(item.id)).read()) });
  return {
    domains: await store.domains.list(),
    accounts,
    aliases: await store.aliases.list(),
    queue,
    dkim: await store.dkimKeys.list('example.org'),
    session: await store.webSessions.get('a'.repeat(64), { idleBefore: 0, createdBefore: 0 }),
    failures: [await store.loginFailures.recent('a:192.0.2.9', 0, 10), await store.loginFailures.recent('u:bob@example.org', 0, 10)],
    stats: await store.stats(),
  };
}

if (await requirePostgres('store copy SQLite -> PostgreSQL')) {
  describe('postkontor store copy', () => {
    let data: { path: string; cleanup(): Promise<void> };
    let pgData: { path: string; cleanup(): Promise<void> };
    let database: TestDatabase;
    let before_: unknown;
    /** The id of the last message ever stored in SQLite (expunged: max(id) is below it). */
    let lastIdEver = 0;
    let aliceInboxUidNext = 0;
    let bigUid = 0;

    before(async () => {
      data = await tempDir('pk-copy-');
      pgData = await tempDir('pk-copy-pg-');
      database = await createTestDatabase();
      const store = await openStore({ dataDir: data.path });
      try {
        await store.domains.add('example.org');
        await store.domains.add('example.net');
        const alice = await store.accounts.create({ address: 'alice@example.org', passwordHash: HASH, admin: true, quotaBytes: 50_000_000 });
        const bob = await store.accounts.create({ address: 'bob@example.org', passwordHash: `${HASH}b` });
        const carol = await store.accounts.create({ address: 'carol@example.net', passwordHash: `${HASH}c` });
        await store.accounts.setDisabled('bob@example.org', true);

        const inbox = (await store.mailboxes.get(alice.id, 'INBOX'))!;
        const q1 = await store.mailboxes.create(alice.id, 'Projects/2026/Q1');
        await store.mailboxes.setSubscribed(alice.id, 'Projects/2026/Q1', true);
        await store.mailboxes.setSubscribed(alice.id, 'Gone/But/Subscribed', true);
        const archive = (await store.mailboxes.byRole(alice.id, 'archive'))!;

        const uids: number[] = [];
        const ids: number[] = [];
        for (let i = 1; i <= 8; i++) {
          const flags = i % 3 === 0 ? ['\\Seen', '$Forwarded'] : i % 3 === 1 ? ['\\Flagged', 'Project-X'] : [];
          const r = await store.messages.append(alice.id, inbox.id, { raw: sampleMessage(i), flags, internalDate: 1_700_000_000_000 + i * 1000 });
          uids.push(r.uid);
          ids.push(r.id);
        }
        const big = await store.messages.append(alice.id, inbox.id, { raw: bigMessage(), flags: ['\\Answered'] });
        bigUid = big.uid;
        // UID gaps: 2 and 4 expunged.
        await store.messages.storeFlags(alice.id, inbox.id, { uids: [uids[1]!, uids[3]!], mode: 'add', flags: ['\\Deleted'] });
        await store.messages.expunge(alice.id, inbox.id);
        await store.messages.storeFlags(alice.id, inbox.id, { uids: [uids[4]!], mode: 'add', flags: ['\\Seen', 'Later'] });
        // A move keeps the id (UIDL); a copy makes a new one on the same blob.
        await store.messages.move(alice.id, inbox.id, [uids[5]!], archive.id);
        await store.messages.copy(alice.id, inbox.id, [uids[6]!], q1.id);
        await store.mailboxes.claimRecent(alice.id, inbox.id);
        // POP3: two downloaded (gmail mode marker) in one recorded session.
        await store.settings.set(alice.id, 'pop.mode', 'gmail');
        await store.settings.set(alice.id, 'pop.after-retrieve', 'archive');
        await store.pop.update(
          alice.id,
          [ids[0]!, ids[2]!].map((id) => ({ id, mailboxId: inbox.id, action: 'keep' as const, markDownloaded: true })),
          { remoteAddress: '192.0.2.7', retrieved: 2, deleted: 0 },
        );

        const bobInbox = (await store.mailboxes.get(bob.id, 'INBOX'))!;
        await store.messages.append(bob.id, bobInbox.id, { raw: sampleMessage(100), flags: ['\\Seen'] });
        const carolInbox = (await store.mailboxes.get(carol.id, 'INBOX'))!;
        await store.messages.append(carol.id, carolInbox.id, { raw: sampleMessage(200) });
        // The newest message is expunged: the highest id ever used is above every surviving one.
        const last = await store.messages.append(carol.id, carolInbox.id, { raw: sampleMessage(201), flags: ['\\Deleted'] });
        await store.messages.expunge(carol.id, carolInbox.id);
        lastIdEver = last.id;

        await store.settings.set(carol.id, 'forward.to', 'carol@elsewhere.example');
        await store.aliases.add('info@example.org', 'alice@example.org');
        await store.aliases.add('info@example.org', 'bob@example.org');
        await store.aliases.add('@example.net', 'carol@example.net');

        await store.queue.enqueue({ sender: 'alice@example.org', recipients: ['x@remote.example', 'y@remote.example'], raw: sampleMessage(300), accountId: alice.id, dsn: { ret: 'HDRS', envid: 'E1' } });
        await store.queue.enqueue({ sender: '', recipients: ['z@remote.example'], raw: bigMessage() });
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        await store.dkimKeys.add({
          domain: 'example.org',
          selector: 'pk2026',
          algorithm: 'ed25519-sha256',
          privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKey: publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64'),
          createdAt: 1_700_000_000_000,
        });
        await store.webSessions.create({ idHash: 'a'.repeat(64), csrf: 'csrf-token', accountId: alice.id, createdAt: Date.now(), lastSeen: Date.now() });
        await store.loginFailures.record(['a:192.0.2.9', 'u:bob@example.org'], Date.now() - 1000);
        await store.loginFailures.record(['a:192.0.2.9'], Date.now());
        await store.sendLog.record(alice.id, Date.now() - 2000);
        await store.sendLog.record(alice.id, Date.now());
        await store.idle();
        aliceInboxUidNext = (await store.mailboxes.get(alice.id, 'INBOX'))!.uidNext;
        before_ = await observe(store);
        type Seen = { account: { id: number }; maildrop: { id: number; downloaded: boolean }[]; notDownloaded: number[] };
        const seen = (before_ as { accounts: Seen[] }).accounts.find((a) => a.account.id === alice.id)!;
        assert.deepEqual(seen.maildrop.filter((m) => m.downloaded).map((m) => m.id), [ids[0], ids[2]]);
        assert.ok(!seen.notDownloaded.includes(ids[0]!));
        const extra = before_ as { session: unknown; failures: number[][] };
        assert.notEqual(extra.session, null);
        assert.deepEqual(extra.failures.map((f) => f.length), [2, 1]);
        assert.deepEqual((await store.messages.listFlags(inbox.id)).map((m) => m.uid), [1, 3, 5, 7, 8, 9]);
      } finally {
        await store.close();
      }
      // The big message and the big queued message really live as files.
      assert.ok(readdirSync(join(data.path, 'blobs'), { recursive: true }).some((f) => String(f).length > 60));
      assert.ok(readdirSync(join(data.path, 'queue'), { recursive: true }).some((f) => String(f).length > 60));
    });

    after(async () => {
      await database?.drop();
      await data?.cleanup();
      await pgData?.cleanup();
    });

    test('usage errors are one line', async () => {
      const [noTo, badTo, noDir] = await Promise.all([
        runCli(['store', 'copy', '--from', data.path]),
        runCli(['store', 'copy', '--from', data.path, '--to', 'mysql://x']),
        runCli(['store', 'copy', '--from', join(data.path, 'nope'), '--to', database.url]),
      ]);
      assert.deepEqual([noTo.code, noTo.stdout, noTo.stderr], [2, '', 'postkontor: missing --to URL for "store copy"; usage: postkontor store copy --from DIR --to postgres://...\n']);
      assert.deepEqual([badTo.code, badTo.stderr], [2, 'postkontor: invalid --to "mysql://x": expected postgres://...\n']);
      assert.equal(noDir.code, 1);
      assert.equal(noDir.stderr, `postkontor: no SQLite store in ${join(data.path, 'nope')} (postkontor.db not found)\n`);
    });

    test('copies everything; clients notice nothing', async () => {
      const r = await runCli(['store', 'copy', '--from', data.path, '--to', database.url]);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines[0], `copying ${data.path} to ${database.url}`);
      assert.deepEqual(lines.slice(1, -1), [
        'domains: 2',
        'accounts: 3',
        'settings: 3',
        'mailboxes: 21',
        'subscriptions: 20',
        'blobs: 9',
        'blob_text: 9',
        'blob_text_pending: 0',
        'messages: 10',
        'change_log: 40',
        'pop_downloads: 1',
        'aliases: 3',
        'submitted_copies: 0',
        'queue: 2',
        'queue_recipients: 3',
        'dkim_keys: 1',
        'login_failures: 3',
        'web_sessions: 1',
        'send_log: 2',
      ]);
      assert.match(lines.at(-1)!, /^copied 3 accounts, 21 mailboxes, 10 messages \(\d+ bytes\), 2 queued in \d+\.\d s \(schema version \d+\)$/);

      const pgStore = await openStore({ dataDir: pgData.path, storeUrl: database.url, poolSize: 4 });
      try {
        const after_ = await observe(pgStore);
        assert.deepEqual(after_, before_);
        const stats = await pgStore.stats();
        assert.equal(stats.badRefcounts, 0);
        assert.equal(stats.danglingMessages, 0);

        // Search is served right away (the text was copied, folded for PostgreSQL).
        const alice = (await pgStore.accounts.get('alice@example.org'))!;
        const inbox = (await pgStore.mailboxes.get(alice.id, 'INBOX'))!;
        assert.deepEqual(await pgStore.messages.searchText(inbox.id, ['body'], WORD.toUpperCase()), [bigUid]);
        assert.deepEqual(await pgStore.messages.searchText(inbox.id, ['subject'], 'test MESSAGE 7'), [7]);

        // New mail continues the numbering: the next UID, and an id never handed out before.
        const next = await pgStore.messages.append(alice.id, inbox.id, { raw: sampleMessage(999) });
        assert.equal(next.uid, aliceInboxUidNext);
        assert.equal(next.uidValidity, inbox.uidValidity);
        assert.ok(next.id > lastIdEver, `new id ${next.id} must be above the last id ever used (${lastIdEver})`);
        const mb = await pgStore.mailboxes.create(alice.id, 'After/Copy');
        assert.ok(mb.id > Math.max(...(await pgStore.mailboxes.list(alice.id)).filter((m) => m.id !== mb.id).map((m) => m.id)));
        const dave = await pgStore.accounts.create({ address: 'dave@example.org', passwordHash: HASH });
        assert.equal(dave.id, 4);
        const queued = await pgStore.queue.enqueue({ sender: 'dave@example.org', recipients: ['q@remote.example'], raw: sampleMessage(5) });
        assert.equal(queued.id, 3);
        await pgStore.idle();
      } finally {
        await pgStore.close();
      }

      // A second copy refuses the now non-empty destination and changes nothing.
      const again = await runCli(['store', 'copy', '--from', data.path, '--to', database.url]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^postkontor: the destination is not empty \(table \w+ has rows\): store copy only fills an empty store\n$/);
    });

    test('small pages: keyset paging across page boundaries, progress, the same result', async () => {
      const second = await createTestDatabase();
      const dir = await tempDir('pk-copy-pg2-');
      try {
        const events: CopyProgress[] = [];
        const result = await copySqliteToPostgres({ dataDir: data.path, url: second.url, pageRows: 2, progressEvery: 8, onProgress: (p) => events.push(p) });
        assert.equal(result.rows.messages, 10);
        assert.equal(result.rows.change_log, 40);
        const changeLog = events.filter((e) => e.table === 'change_log');
        assert.deepEqual(changeLog.map((e) => [e.copied, e.done]), [[8, false], [16, false], [24, false], [32, false], [40, false], [40, true]]);
        assert.ok(changeLog.every((e) => e.total === 40));
        const pgStore = await openStore({ dataDir: dir.path, storeUrl: second.url, poolSize: 4 });
        try {
          assert.deepEqual(await observe(pgStore), before_);
        } finally {
          await pgStore.close();
        }
      } finally {
        await second.drop();
        await dir.cleanup();
      }
    });

    test('a failure half-way leaves the destination empty', async () => {
      const third = await createTestDatabase();
      const broken = await tempDir('pk-copy-broken-');
      try {
        cpSync(data.path, broken.path, { recursive: true });
        // The message kept as a file goes missing: blobs are copied before messages.
        const files = readdirSync(join(broken.path, 'blobs'), { recursive: true }).map(String).filter((f) => f.length > 60);
        assert.equal(files.length, 1);
        rmSync(join(broken.path, 'blobs', files[0]!));
        const r = await runCli(['store', 'copy', '--from', broken.path, '--to', third.url]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^postkontor: cannot read the message file \S+ ENOENT.*; nothing was copied\n$/);
        assert.equal(r.stderr.split('\n').length, 2);
        assert.match(r.stdout, /\naccounts: 3\n/);
        const client = new pg.Client({ connectionString: third.url });
        await client.connect();
        try {
          for (const table of ['domains', 'accounts', 'mailboxes', 'blobs', 'messages']) {
            const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
            assert.equal(rows[0]!.n, '0', table);
          }
        } finally {
          await client.end();
        }
      } finally {
        await third.drop();
        await broken.cleanup();
      }
    });
  });
}
