/**
 * State every node of a cluster shares besides mail: failed logins (LoginFailureStore) and web
 * sessions (WebSessionStore). Same behaviour on both stores.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPkError } from '../../src/core/errors.ts';
import type { Store } from '../../src/store/ports.ts';
import { useStore, type StoreFactory } from './store.suite.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const T0 = Date.UTC(2026, 10, 1);

export function sharedStateConformance(name: string, factory: StoreFactory): void {
  describe(`shared-state conformance: ${name}`, () => {
    let store!: Store;
    useStore(factory, ['example.org'], (s) => (store = s));
    let n = 0;
    const newAccount = async () => {
      n++;
      return store.accounts.create({ address: `shared${n}@example.org`, passwordHash: HASH });
    };

    it('failed logins: recorded under each key, read newest first within a window, cleared, pruned', async () => {
      const f = store.loginFailures;
      await f.record(['a:192.0.2.1', 'u:x@example.org'], T0);
      await f.record(['a:192.0.2.1', 'u:x@example.org'], T0 + 10);
      await f.record(['a:192.0.2.2', 'u:x@example.org'], T0 + 10);
      await f.record(['a:192.0.2.1'], T0 + 20);
      assert.deepEqual(await f.recent('a:192.0.2.1', T0 - 1, 10), [T0 + 20, T0 + 10, T0]);
      assert.deepEqual(await f.recent('a:192.0.2.1', T0, 10), [T0 + 20, T0 + 10], 'strictly after `since`');
      assert.deepEqual(await f.recent('a:192.0.2.1', 0, 2), [T0 + 20, T0 + 10], 'at most `limit`');
      assert.deepEqual(await f.recent('u:x@example.org', 0, 10), [T0 + 10, T0 + 10, T0], 'two at the same ms count twice');
      assert.deepEqual(await f.recent('a:192.0.2.9', 0, 10), []);
      await f.clear('a:192.0.2.1');
      assert.deepEqual(await f.recent('a:192.0.2.1', 0, 10), []);
      assert.equal((await f.recent('u:x@example.org', 0, 10)).length, 3, 'other keys stay');
      assert.equal(await f.prune(T0), 1);
      assert.deepEqual(await f.recent('u:x@example.org', 0, 10), [T0 + 10, T0 + 10]);
      await f.record([], T0);
    });

    it('web sessions: create, get, touch, expiry, delete, delete for an account', async () => {
      const s = store.webSessions;
      const acc = await newAccount();
      const other = await newAccount();
      const live = { idleBefore: T0 - 1, createdBefore: T0 - 1 };
      await s.create({ idHash: 'h1', csrf: 'c1', accountId: acc.id, createdAt: T0, lastSeen: T0 });
      await s.create({ idHash: 'h2', csrf: 'c2', accountId: acc.id, createdAt: T0, lastSeen: T0 });
      await s.create({ idHash: 'h3', csrf: 'c3', accountId: other.id, createdAt: T0, lastSeen: T0 });
      assert.deepEqual(await s.get('h1', live), { idHash: 'h1', csrf: 'c1', accountId: acc.id, createdAt: T0, lastSeen: T0 });
      assert.equal(await s.get('nope', live), null);
      await s.touch('h1', T0 + 100);
      await s.touch('h1', T0 + 50);
      assert.equal((await s.get('h1', live))?.lastSeen, T0 + 100, 'touch never moves backwards');
      // Idle expiry: h2 was last used at T0.
      assert.equal(await s.get('h2', { idleBefore: T0, createdBefore: 0 }), null);
      assert.equal(await s.get('h2', live), null, 'an expired session found is gone');
      // Absolute expiry: h1 was created at T0 however recently used.
      assert.equal(await s.get('h1', { idleBefore: 0, createdBefore: T0 }), null);
      await s.create({ idHash: 'h4', csrf: 'c4', accountId: acc.id, createdAt: T0, lastSeen: T0 });
      await s.create({ idHash: 'h5', csrf: 'c5', accountId: acc.id, createdAt: T0 + 10, lastSeen: T0 + 10 });
      assert.equal(await s.deleteForAccount(acc.id), 2);
      assert.equal(await s.get('h4', live), null);
      assert.ok(await s.get('h3', live), "another account's sessions stay");
      await s.delete('h3');
      assert.equal(await s.get('h3', live), null);
      await s.delete('h3');
    });

    it('web sessions: sweeping removes only the expired; duplicates and unknown accounts are refused; removing the account ends them', async () => {
      const s = store.webSessions;
      const acc = await newAccount();
      await s.create({ idHash: 'old', csrf: 'c', accountId: acc.id, createdAt: T0, lastSeen: T0 });
      await s.create({ idHash: 'aged', csrf: 'c', accountId: acc.id, createdAt: T0 - 10, lastSeen: T0 + 1000 });
      await s.create({ idHash: 'fresh', csrf: 'c', accountId: acc.id, createdAt: T0 + 100, lastSeen: T0 + 100 });
      assert.equal(await s.deleteExpired({ idleBefore: T0, createdBefore: T0 - 10 }), 2);
      assert.ok(await s.get('fresh', { idleBefore: 0, createdBefore: 0 }));
      await assert.rejects(s.create({ idHash: 'fresh', csrf: 'd', accountId: acc.id, createdAt: T0, lastSeen: T0 }));
      await assert.rejects(
        s.create({ idHash: 'nobody', csrf: 'c', accountId: 987_654, createdAt: T0, lastSeen: T0 }),
        (err: unknown) => isPkError(err) && err.code === 'PK_ERR_ACCOUNT_NOT_FOUND',
      );
      await store.accounts.remove(acc.address);
      assert.equal(await s.get('fresh', { idleBefore: 0, createdBefore: 0 }), null);
    });

    it('send log: per account, newest first within a window, pruned for every account, gone with the account', async () => {
      const log = store.sendLog;
      const a = await newAccount();
      const b = await newAccount();
      await log.record(a.id, T0);
      await log.record(a.id, T0 + 5);
      await log.record(a.id, T0 + 5);
      await log.record(b.id, T0 + 7);
      assert.deepEqual(await log.recent(a.id, T0 - 1, 10), [T0 + 5, T0 + 5, T0]);
      assert.deepEqual(await log.recent(a.id, T0, 10), [T0 + 5, T0 + 5], 'strictly after `since`');
      assert.deepEqual(await log.recent(a.id, 0, 1), [T0 + 5], 'at most `limit`');
      assert.deepEqual(await log.recent(b.id, 0, 10), [T0 + 7], "another account's are apart");
      assert.equal(await log.prune(T0 + 5), 3);
      assert.deepEqual(await log.recent(a.id, 0, 10), []);
      assert.deepEqual(await log.recent(b.id, 0, 10), [T0 + 7]);
      await store.accounts.remove(b.address);
      assert.deepEqual(await log.recent(b.id, 0, 10), []);
    });
  });
}
