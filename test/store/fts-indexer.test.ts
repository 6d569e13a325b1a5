/**
 * The SQLite full-text index fills in the background: appends note their new blob in a pending
 * table in their own transaction; the indexer derives the text and moves it into FTS5 in batches
 * when the write queue is quiet, and at start-up for what a previous run left. Searches see both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.ts';
import { sampleMessage } from '../helpers/messages.ts';
import { tempDir } from '../helpers/temp-dir.ts';

function counts(dir: string): { fts: number; pending: number } {
  const db = new Database(join(dir, 'postkontor.db'), { readonly: true });
  try {
    const fts = (db.prepare('SELECT count(*) AS n FROM blob_text').get() as { n: number }).n;
    const pending = (db.prepare('SELECT count(*) AS n FROM blob_text_pending').get() as { n: number }).n;
    return { fts, pending };
  } finally {
    db.close();
  }
}

test('search text moves from pending into FTS5 and stays searchable throughout', async () => {
  const dir = tempDir('pk-fts-');
  try {
    let store = await openStore({ dataDir: dir.path });
    await store.domains.add('example.org');
    const acc = await store.accounts.create({ address: 'f@example.org', passwordHash: 'x' });
    const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
    const uids = [];
    for (let i = 0; i < 1200; i++) uids.push((await store.messages.append(acc.id, inbox.id, { raw: sampleMessage(i) })).uid);
    // Found whether its text is still pending or already indexed.
    assert.deepEqual(await store.messages.searchText(inbox.id, ['subject'], 'Test message 1199'), [uids[1199]]);
    await store.idle();
    assert.deepEqual(counts(dir.path), { fts: 1200, pending: 0 });
    assert.deepEqual(await store.messages.searchText(inbox.id, ['subject'], 'Test message 1199'), [uids[1199]]);
    assert.equal((await store.messages.searchText(inbox.id, ['body'], 'hello number 11')).length, 111);

    // Text left pending by a stopped process is indexed at the next start.
    await store.close();
    const raw = new Database(join(dir.path, 'postkontor.db'));
    raw.exec('INSERT INTO blob_text_pending SELECT rowid FROM blob_text LIMIT 10');
    raw.exec('DELETE FROM blob_text WHERE rowid IN (SELECT rowid FROM blob_text_pending)');
    raw.close();
    assert.deepEqual(counts(dir.path), { fts: 1190, pending: 10 });
    store = await openStore({ dataDir: dir.path });
    await store.idle();
    assert.deepEqual(counts(dir.path), { fts: 1200, pending: 0 });
    // The last reference removes the text from whichever table holds it.
    await store.messages.storeFlags(acc.id, inbox.id, { uids, mode: 'add', flags: ['\\Deleted'] });
    await store.messages.expunge(acc.id, inbox.id);
    await store.idle();
    assert.deepEqual(counts(dir.path), { fts: 0, pending: 0 });
    await store.close();
  } finally {
    dir.remove();
  }
});
