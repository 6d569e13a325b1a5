/**
 * The POP3 part of the store conformance suite (PopStore): maildrop listing, CRLF sizes, the
 * download-once marker, the exclusive lock and the all-or-nothing UPDATE state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change } from '../../src/store/changes.ts';
import type { PopUpdateItem, Store } from '../../src/store/ports.ts';
import type { Account, Mailbox } from '../../src/store/types.ts';
import { sampleMessage } from '../helpers/messages.ts';
import { useStore, type StoreFactory } from './store.suite.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

export function popConformance(name: string, factory: StoreFactory): void {
  describe(`pop store conformance: ${name}`, () => {
    let store!: Store;
    useStore(factory, ['example.org'], (s) => (store = s));
    let n = 0;
    const setup = async (): Promise<{ acc: Account; inbox: Mailbox; trash: Mailbox; archive: Mailbox }> => {
      n++;
      const acc = await store.accounts.create({ address: `pop${n}@example.org`, passwordHash: HASH });
      return {
        acc,
        inbox: (await store.mailboxes.byRole(acc.id, 'inbox'))!,
        trash: (await store.mailboxes.byRole(acc.id, 'trash'))!,
        archive: (await store.mailboxes.byRole(acc.id, 'archive'))!,
      };
    };
    const fill = async (acc: Account, box: Mailbox, count: number, internalDate?: number): Promise<void> => {
      for (let i = 0; i < count; i++) await store.messages.append(acc.id, box.id, { raw: sampleMessage(i), internalDate });
    };
    const item = (id: number, mailboxId: number, action: PopUpdateItem['action'], markDownloaded = true): PopUpdateItem => ({
      id,
      mailboxId,
      action,
      markDownloaded,
    });
    const record = { remoteAddress: '127.0.0.1', retrieved: 1, deleted: 0 };


    it('lists a mailbox in UID order with permanent ids and CRLF sizes', async () => {
      const { acc, inbox } = await setup();
      await fill(acc, inbox, 3);
      const bare = Buffer.from('Subject: bare\n\nline one\nline two');
      await store.messages.append(acc.id, inbox.id, { raw: bare });
      const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(10_000, 'a\n')]);
      await store.messages.append(acc.id, inbox.id, { raw: big });
      const drop = await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id] });
      assert.deepEqual(drop.map((m) => m.uid), [1, 2, 3, 4, 5]);
      assert.equal(drop[0]!.size, sampleMessage(0).length);
      // Three bare LFs become CRLF and the last line gets its line break.
      assert.equal(drop[3]!.size, bare.length + 3 + 2);
      assert.equal(drop[4]!.size, big.length + 5000, 'file-backed blob');
      assert.ok(drop.every((m) => !m.downloaded));
      assert.equal(new Set(drop.map((m) => m.id)).size, 5);
    });

    it('never lists another account\'s messages', async () => {
      const a = await setup();
      const b = await setup();
      await fill(a.acc, a.inbox, 2);
      assert.deepEqual(await store.pop.maildrop(b.acc.id, { mailboxIds: [a.inbox.id] }), []);
    });

    it('filters by download marker and INTERNALDATE and orders several mailboxes by date', async () => {
      const { acc, inbox, archive } = await setup();
      await fill(acc, inbox, 2, Date.UTC(2026, 0, 10));
      await fill(acc, archive, 1, Date.UTC(2026, 0, 5));
      await fill(acc, inbox, 1, Date.UTC(2026, 0, 20));
      const all = await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id, archive.id] });
      assert.deepEqual(all.map((m) => [m.mailboxId, m.internalDate]), [
        [archive.id, Date.UTC(2026, 0, 5)],
        [inbox.id, Date.UTC(2026, 0, 10)],
        [inbox.id, Date.UTC(2026, 0, 10)],
        [inbox.id, Date.UTC(2026, 0, 20)],
      ]);
      const since = await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id], since: Date.UTC(2026, 0, 15) });
      assert.equal(since.length, 1);
      await store.pop.update(acc.id, [item(all[1]!.id, inbox.id, 'keep')], record);
      const fresh = await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id], notDownloaded: true });
      assert.deepEqual(fresh.map((m) => m.uid), [2, 3]);
      const again = await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id] });
      assert.deepEqual(again.map((m) => m.downloaded), [true, false, false]);
    });

    it('holds one maildrop lock per account until released', async () => {
      const a = await setup();
      const b = await setup();
      const first = await store.pop.lock(a.acc.id);
      assert.ok(first);
      assert.equal(await store.pop.lock(a.acc.id), null);
      const other = await store.pop.lock(b.acc.id);
      assert.ok(other, 'another account is not blocked');
      await first.release();
      await first.release();
      const second = await store.pop.lock(a.acc.id);
      assert.ok(second);
      await second.release();
      await other.release();
    });

    it('applies every action in one update and publishes the changes', async () => {
      const { acc, inbox, trash, archive } = await setup();
      await fill(acc, inbox, 6);
      const drop = await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id] });
      const seen: Change[] = [];
      const un = store.changes.subscribe(acc.id, (c) => seen.push(c));
      const ids = drop.map((m) => m.id);
      const result = await store.pop.update(
        acc.id,
        [
          item(ids[0]!, inbox.id, 'delete'),
          item(ids[1]!, inbox.id, 'trash'),
          item(ids[2]!, inbox.id, 'archive'),
          item(ids[3]!, inbox.id, 'mark-read'),
          item(ids[4]!, inbox.id, 'keep'),
        ],
        { remoteAddress: '192.0.2.7', retrieved: 4, deleted: 1 },
      );
      un();
      assert.deepEqual(result, { applied: 5, skipped: 0 });
      const left = await store.messages.list(inbox.id);
      assert.deepEqual(left.map((m) => [m.uid, m.flags.includes('\\Seen')]), [[4, true], [5, false], [6, false]]);
      const inTrash = await store.pop.maildrop(acc.id, { mailboxIds: [trash.id] });
      const inArchive = await store.pop.maildrop(acc.id, { mailboxIds: [archive.id] });
      assert.deepEqual(inTrash.map((m) => [m.id, m.downloaded]), [[ids[1], true]], 'MOVE keeps the id (UIDL)');
      assert.deepEqual(inArchive.map((m) => m.id), [ids[2]]);
      assert.equal((await store.mailboxes.getById(acc.id, inbox.id))!.unseen, 2);
      const kinds = seen.map((c) => `${c.kind}:${c.mailboxId === inbox.id ? 'inbox' : c.mailboxId}`);
      assert.ok(kinds.includes('flags:inbox'));
      assert.ok(kinds.includes(`new:${trash.id}`));
      assert.ok(kinds.includes(`new:${archive.id}`));
      assert.equal(seen.filter((c) => c.kind === 'expunge' && c.mailboxId === inbox.id).length, 3);
      const history = await store.pop.recentDownloads(acc.id, 5);
      assert.deepEqual(history.map((h) => [h.remoteAddress, h.retrieved, h.deleted]), [['192.0.2.7', 4, 1]]);
      const stats = await store.stats();
      assert.equal(stats.badRefcounts, 0);
      assert.equal(stats.danglingMessages, 0);
    });

    it('deletes for good what is trashed inside Trash and leaves Archive alone', async () => {
      const { acc, trash, archive } = await setup();
      await fill(acc, trash, 1);
      await fill(acc, archive, 1);
      const [t] = await store.pop.maildrop(acc.id, { mailboxIds: [trash.id] });
      const [a] = await store.pop.maildrop(acc.id, { mailboxIds: [archive.id] });
      await store.pop.update(acc.id, [item(t!.id, trash.id, 'trash'), item(a!.id, archive.id, 'archive')], record);
      assert.equal((await store.messages.list(trash.id)).length, 0);
      assert.deepEqual((await store.messages.list(archive.id)).map((m) => m.id), [a!.id]);
    });

    it('skips messages that moved or went since the maildrop was listed', async () => {
      const { acc, inbox } = await setup();
      await fill(acc, inbox, 3);
      const drop = await store.pop.maildrop(acc.id, { mailboxIds: [inbox.id] });
      const folder = await store.mailboxes.create(acc.id, 'Elsewhere');
      await store.messages.move(acc.id, inbox.id, [1], folder.id);
      await store.messages.storeFlags(acc.id, inbox.id, { uids: [2], mode: 'add', flags: ['\\Deleted'] });
      await store.messages.expunge(acc.id, inbox.id);
      const result = await store.pop.update(acc.id, drop.map((m) => item(m.id, inbox.id, 'delete')), record);
      assert.deepEqual(result, { applied: 1, skipped: 2 });
      assert.equal((await store.messages.list(folder.id)).length, 1, 'the moved message is not deleted');
      assert.equal((await store.messages.list(inbox.id)).length, 0);
    });

    it('never touches another account\'s messages', async () => {
      const a = await setup();
      const b = await setup();
      await fill(a.acc, a.inbox, 2);
      const drop = await store.pop.maildrop(a.acc.id, { mailboxIds: [a.inbox.id] });
      const r = await store.pop.update(b.acc.id, drop.map((m) => item(m.id, a.inbox.id, 'delete')), record);
      assert.deepEqual(r, { applied: 0, skipped: 2 });
      assert.equal((await store.messages.list(a.inbox.id)).length, 2);
      assert.deepEqual(await store.pop.recentDownloads(a.acc.id, 5), []);
    });
  });
}
