/** Message pages and summaries (the web's message list) and disabled accounts, for every store. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../src/store/ports.ts';
import { useStore, type StoreFactory } from './store.suite.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

const message = (n: number): Buffer =>
  Buffer.from(
    `From: =?utf-8?q?J=C3=BCrgen?= <j@example.de>\r\nTo: "Doe, Jane" <jane@example.org>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= ${n}\r\n` +
      `Date: Sun, 1 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m${n}@example.de>\r\n\r\nHello number ${n}.\r\n`,
  );

export function listingConformance(name: string, factory: StoreFactory): void {
  describe(`listing conformance: ${name}`, () => {
    let store!: Store;
    useStore(factory, ['example.org'], (s) => (store = s));

    it('pages a mailbox newest first, by INTERNALDATE then UID, with summaries from the index', async () => {
      const acc = await store.accounts.create({ address: 'list@example.org', passwordHash: HASH });
      const inbox = (await store.mailboxes.byRole(acc.id, 'inbox'))!;
      // Dates out of UID order, and two messages with the same date.
      const dates = [T0 + 3 * DAY, T0 + 1 * DAY, T0 + 5 * DAY, T0 + 5 * DAY, T0 + 2 * DAY];
      for (let i = 0; i < dates.length; i++) await store.messages.append(acc.id, inbox.id, { raw: message(i + 1), internalDate: dates[i]! });
      const p1 = await store.messages.page(inbox.id, { limit: 2 });
      assert.equal(p1.total, 5);
      assert.deepEqual(p1.items.map((m) => m.uid), [4, 3]);
      assert.deepEqual(p1.next, { internalDate: T0 + 5 * DAY, uid: 3 });
      const p2 = await store.messages.page(inbox.id, { limit: 2, before: p1.next });
      assert.deepEqual(p2.items.map((m) => m.uid), [1, 5]);
      const p3 = await store.messages.page(inbox.id, { limit: 2, before: p2.next! });
      assert.deepEqual(p3.items.map((m) => m.uid), [2]);
      assert.equal(p3.next, null);
      const s = p1.items[0]!;
      assert.equal(s.subject, 'Grüße 4');
      assert.deepEqual(s.from, [{ name: 'Jürgen', address: 'j@example.de' }]);
      assert.deepEqual(s.to, [{ name: 'Doe, Jane', address: 'jane@example.org' }]);
      assert.equal(s.date, Date.UTC(2026, 10, 1, 10));
      assert.equal(s.preview, 'Hello number 4.');
      assert.equal(s.messageId, '<m4@example.de>');
      assert.equal(s.hasAttachments, false);
      const found = await store.messages.summaries(inbox.id, [2, 5, 99]);
      assert.deepEqual(found.map((m) => m.uid), [5, 2]);
    });

    it('a disabled account is kept, marked, and enabled again', async () => {
      const acc = await store.accounts.create({ address: 'gone@example.org', passwordHash: HASH });
      assert.equal(acc.disabled, false);
      await store.accounts.setDisabled('gone@example.org', true);
      assert.equal((await store.accounts.get('gone@example.org'))!.disabled, true);
      await store.accounts.setDisabled('gone@example.org', false);
      assert.equal((await store.accounts.get('gone@example.org'))!.disabled, false);
    });
  });
}
