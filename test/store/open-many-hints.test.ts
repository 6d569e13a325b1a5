/**
 * messages.openMany finds blobs by the rowid that list() last saw for each hash (a speed-up for
 * FETCH of bodies). The hint may go stale: a blob deleted (its last message expunged) frees its
 * rowid for the next blob, and the same bytes stored again get another rowid. openMany must still
 * hand out the right bytes for every hash, never another message's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/open-store.ts';
import { sampleMessage } from '../helpers/messages.ts';
import { tempDir } from '../helpers/temp-dir.ts';

test("openMany returns the right bytes when list()'s rowid hints went stale", async () => {
  const dir = tempDir('pk-openmany-');
  const store = await openStore({ dataDir: dir.path });
  try {
    await store.domains.add('example.org');
    const acc = await store.accounts.create({ address: 'h@example.org', passwordHash: 'x' });
    const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
    const a = sampleMessage(1);
    const b = sampleMessage(2);
    const c = sampleMessage(3);
    await store.messages.append(acc.id, inbox.id, { raw: a });
    await store.messages.append(acc.id, inbox.id, { raw: c });
    const [ma, mc] = await store.messages.list(inbox.id);
    const hashA = ma!.blobHash;
    const hashC = mc!.blobHash;
    assert.deepEqual((await (await store.messages.openMany([hashA])).get(hashA)!.read()), a);
    // Expunge both (their blobs go), then store b (it may take a's or c's old rowid) and a again.
    await store.messages.storeFlags(acc.id, inbox.id, { uids: [ma!.uid, mc!.uid], mode: 'add', flags: ['\\Deleted'] });
    await store.messages.expunge(acc.id, inbox.id);
    await store.messages.append(acc.id, inbox.id, { raw: b });
    await store.messages.append(acc.id, inbox.id, { raw: a });
    // No list() in between: the hints for a and c are stale.
    const gotA = await store.messages.openMany([hashA]);
    assert.deepEqual([...gotA.keys()], [hashA]);
    assert.deepEqual(await gotA.get(hashA)!.read(), a);
    const gotC = await store.messages.openMany([hashC]);
    assert.equal(gotC.size, 0, "a deleted blob is not found, nor another blob under its old rowid");
    // After a list() the hints are right again.
    const metas = await store.messages.list(inbox.id);
    const byHash = await store.messages.openMany(metas.map((m) => m.blobHash));
    assert.deepEqual(
      await Promise.all(metas.map(async (m) => (await byHash.get(m.blobHash)!.read()).toString())),
      [b.toString(), a.toString()],
    );
  } finally {
    await store.close();
    dir.remove();
  }
});
