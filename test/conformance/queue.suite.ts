/** The outbound queue (QueueStore) and DKIM keys (DkimKeyStore), for every store implementation. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixedClock, type Clock } from '../../src/core/clock.ts';
import { isPkError } from '../../src/core/errors.ts';
import type { Store } from '../../src/store/ports.ts';
import { sampleMessage } from '../helpers/messages.ts';

export interface QueueStoreFactory {
  /** A new, empty store on `clock`; `inlineLimit` small enough to exercise file-backed items. */
  open(opts: { inlineLimit: number; clock: Clock }): Promise<{ store: Store; dataDir?: string; cleanup: () => Promise<void> }>;
}

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const LEASE = 60_000;

function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(p, (err: unknown) => isPkError(err) && err.code === code);
}

export function queueConformance(name: string, factory: QueueStoreFactory): void {
  describe(`queue store conformance: ${name}`, () => {
    const clock = fixedClock(T0);
    let store: Store;
    let cleanup: () => Promise<void>;
    let dataDir: string | undefined;

    before(async () => {
      ({ store, cleanup, dataDir } = await factory.open({ inlineLimit: 4096, clock }));
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    const drain = async (): Promise<void> => {
      for (const item of await store.queue.list()) await store.queue.delete(item.id);
    };

    it('enqueues durably with every recipient pending, and reads the bytes back', async () => {
      const raw = sampleMessage(1);
      const item = await store.queue.enqueue({
        sender: 'alice@a.example',
        recipients: ['x@remote.example', 'y@remote.example', 'x@remote.example'],
        raw,
        dsn: { ret: 'HDRS', envid: 'env-1', notify: { 'x@remote.example': ['FAILURE', 'DELAY'] } },
      });
      assert.equal(item.sender, 'alice@a.example');
      assert.equal(item.size, raw.length);
      assert.equal(item.createdAt, T0);
      assert.equal(item.nextAttemptAt, T0);
      assert.equal(item.attempts, 0);
      assert.equal(item.delayNotified, false);
      assert.equal(item.lease, null);
      assert.equal(item.accountId, null);
      assert.deepEqual(item.dsn, { ret: 'HDRS', envid: 'env-1', notify: { 'x@remote.example': ['FAILURE', 'DELAY'] } });
      assert.deepEqual(
        item.recipients.map((r) => [r.address, r.status, r.reply]),
        [['x@remote.example', 'pending', null], ['y@remote.example', 'pending', null]],
        'duplicates collapse',
      );
      assert.deepEqual(await (await store.queue.open(item.id)).read(), raw);
      assert.deepEqual(await store.queue.get(item.id), item);
      await drain();
    });

    it('keeps large messages as files and removes them with the item', async () => {
      const raw = sampleMessage(2, 20_000);
      const a = await store.queue.enqueue({ sender: 's@a.example', recipients: ['r@b.example'], raw });
      const b = await store.queue.enqueue({ sender: 's@a.example', recipients: ['q@b.example'], raw });
      assert.deepEqual(await (await store.queue.open(a.id)).read(), raw);
      const chunks: Buffer[] = [];
      for await (const c of (await store.queue.open(b.id)).stream()) chunks.push(c as Buffer);
      assert.deepEqual(Buffer.concat(chunks), raw);
      await store.queue.delete(a.id);
      assert.deepEqual(await (await store.queue.open(b.id)).read(), raw, 'the other copy survives');
      await store.queue.delete(b.id);
      await store.idle();
      if (dataDir !== undefined) {
        const root = join(dataDir, 'queue');
        const files = existsSync(root) ? readdirSync(root, { recursive: true }).filter((f) => String(f).split('/').length === 3) : [];
        assert.deepEqual(files, [], 'no queue files left');
      }
    });

    it('refuses an item without recipients', async () => {
      await rejectsCode(store.queue.enqueue({ sender: 's@a.example', recipients: [], raw: sampleMessage(3) }), 'PK_ERR_INVALID_ADDRESS');
    });

    it('claims each due item once, leases it, and hands it out again once the lease expired', async () => {
      const a = await store.queue.enqueue({ sender: 's@a.example', recipients: ['r@b.example'], raw: sampleMessage(4) });
      const later = await store.queue.enqueue({
        sender: 's@a.example',
        recipients: ['r@b.example'],
        raw: sampleMessage(5),
        nextAttemptAt: T0 + 10 * 60_000,
      });
      const [one, two] = await Promise.all([store.queue.claim('w1', LEASE, 10), store.queue.claim('w2', LEASE, 10)]);
      const all = [...one, ...two];
      assert.deepEqual(all.map((i) => i.id), [a.id], 'only the due item, to one claimer');
      const holder = one.length === 1 ? 'w1' : 'w2';
      assert.deepEqual(all[0]!.lease, { owner: holder, until: T0 + LEASE });
      assert.deepEqual(await store.queue.claim('w3', LEASE, 10), [], 'leased items are not due');
      assert.equal(await store.queue.nextDue(), T0 + LEASE);

      clock.advance(LEASE);
      const again = await store.queue.claim('w3', LEASE, 10);
      assert.deepEqual(again.map((i) => i.id), [a.id], 'an expired lease makes the item due again');
      await rejectsCode(
        store.queue.finish(a.id, holder, { recipients: [], nextAttemptAt: clock.now(), lastError: null }),
        'PK_ERR_STORE_CONFLICT',
      );
      assert.equal(await store.queue.nextDue(), T0 + 2 * LEASE);
      clock.advance(10 * 60_000);
      const both = await store.queue.claim('w4', LEASE, 1);
      assert.equal(both.length, 1, 'limit is honoured');
      await drain();
      assert.equal(await store.queue.nextDue(), null);
      void later;
    });

    it('records per-recipient results, schedules the retry and removes the item when nothing is pending', async () => {
      const now = clock.now();
      const item = await store.queue.enqueue({
        sender: 's@a.example',
        recipients: ['ok@b.example', 'later@b.example', 'bad@c.example'],
        raw: sampleMessage(6),
        accountId: undefined,
      });
      const [claimed] = await store.queue.claim('w', LEASE, 10);
      assert.equal(claimed?.id, item.id);
      const after1 = await store.queue.finish(item.id, 'w', {
        recipients: [
          { address: 'ok@b.example', status: 'delivered', reply: '250 2.0.0 OK' },
          { address: 'later@b.example', status: 'pending', reply: '451 4.3.0 try later' },
          { address: 'bad@c.example', status: 'failed', reply: '550 5.1.1 no such user' },
        ],
        nextAttemptAt: now + 300_000,
        lastError: '451 4.3.0 try later',
        delayNotified: true,
      });
      assert.ok(after1);
      assert.equal(after1.attempts, 1);
      assert.equal(after1.nextAttemptAt, now + 300_000);
      assert.equal(after1.lastError, '451 4.3.0 try later');
      assert.equal(after1.delayNotified, true);
      assert.equal(after1.lease, null);
      assert.deepEqual(
        after1.recipients.map((r) => [r.address, r.status, r.reply, r.updatedAt]),
        [
          ['bad@c.example', 'failed', '550 5.1.1 no such user', now],
          ['later@b.example', 'pending', '451 4.3.0 try later', now],
          ['ok@b.example', 'delivered', '250 2.0.0 OK', now],
        ],
      );
      assert.deepEqual(await store.queue.claim('w', LEASE, 10), [], 'not due before the retry time');
      assert.equal(await store.queue.nextDue(), now + 300_000);

      await store.queue.retryNow(item.id);
      const [again] = await store.queue.claim('w', LEASE, 10);
      assert.equal(again?.id, item.id, 'retryNow makes it due at once');
      const done = await store.queue.finish(item.id, 'w', {
        recipients: [{ address: 'later@b.example', status: 'delivered', reply: '250 OK' }],
        nextAttemptAt: now,
        lastError: null,
      });
      assert.equal(done, null, 'nothing pending: the item leaves the queue');
      assert.equal(await store.queue.get(item.id), null);
      await rejectsCode(store.queue.open(item.id), 'PK_ERR_MESSAGE_NOT_FOUND');
    });

    it('lists oldest first; retry and delete of unknown items fail with NotFound', async () => {
      const a = await store.queue.enqueue({ sender: '', recipients: ['r@b.example'], raw: sampleMessage(7) });
      clock.advance(1000);
      const b = await store.queue.enqueue({ sender: 's@a.example', recipients: ['r@b.example'], raw: sampleMessage(8) });
      assert.deepEqual((await store.queue.list()).map((i) => [i.id, i.sender]), [[a.id, ''], [b.id, 's@a.example']]);
      await store.queue.delete(a.id);
      assert.deepEqual((await store.queue.list()).map((i) => i.id), [b.id]);
      await rejectsCode(store.queue.delete(a.id), 'PK_ERR_MESSAGE_NOT_FOUND');
      await rejectsCode(store.queue.retryNow(a.id), 'PK_ERR_MESSAGE_NOT_FOUND');
      await drain();
    });

    it('keeps the submitting account, and forgets it when the account goes', async () => {
      await store.domains.add('queue.example');
      const acc = await store.accounts.create({ address: 'q@queue.example', passwordHash: 'x' });
      const item = await store.queue.enqueue({ sender: 'q@queue.example', recipients: ['r@b.example'], raw: sampleMessage(9), accountId: acc.id });
      assert.equal(item.accountId, acc.id);
      await store.accounts.remove('q@queue.example');
      assert.equal((await store.queue.get(item.id))?.accountId, null, 'the message still goes out');
      await drain();
    });

    it('stores DKIM keys per domain, newest first, and refuses a used selector', async () => {
      assert.equal(await store.dkimKeys.active('a.example'), null);
      const key = { domain: 'A.example', selector: 's1', algorithm: 'rsa-sha256' as const, privateKeyPem: 'PEM1', publicKey: 'PUB1', createdAt: T0 };
      await store.dkimKeys.add(key);
      await store.dkimKeys.add({ ...key, selector: 's2', privateKeyPem: 'PEM2', publicKey: 'PUB2', createdAt: T0 + 1 });
      assert.deepEqual((await store.dkimKeys.active('a.example'))?.selector, 's2');
      assert.deepEqual((await store.dkimKeys.list('a.example')).map((k) => [k.domain, k.selector, k.privateKeyPem]), [
        ['a.example', 's2', 'PEM2'],
        ['a.example', 's1', 'PEM1'],
      ]);
      await rejectsCode(store.dkimKeys.add(key), 'PK_ERR_STORE_CONFLICT');
    });
  });
}
