/**
 * The sending rate holds across nodes: two limiters ("nodes") over two store instances on one
 * PostgreSQL database share one hourly allowance per account, and the window slides (a
 * submission an hour old no longer counts). The same on SQLite with one store (one node, two
 * listeners). Skips the PostgreSQL part where none answers (fails instead under CI=true).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Clock } from '../../src/core/clock.ts';
import { SendRateLimiter } from '../../src/delivery/send-rate.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/ports.ts';
import { createTestDatabase, pgUnavailable } from '../helpers/pg-db.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const HOUR = 3_600_000;

class ManualClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

async function accountIn(store: Store, address: string): Promise<number> {
  await store.domains.add('rate.test').catch(() => undefined);
  return (await store.accounts.create({ address, passwordHash: HASH })).id;
}

/** Node 1 sends two, node 2 one: the third uses up a limit of 3 on both; an hour later it is back. */
async function sharedAllowance(node1: Store, node2: Store, id: number): Promise<void> {
  const clock = new ManualClock(Date.UTC(2026, 10, 29, 8));
  const one = new SendRateLimiter(node1.sendLog, clock, 3);
  const two = new SendRateLimiter(node2.sendLog, clock, 3);
  assert.equal(await one.retryAfter(id), 0);
  await one.record(id);
  clock.t += 1000;
  await one.record(id);
  clock.t += 1000;
  assert.equal(await two.retryAfter(id), 0, 'two sent on node 1: node 2 may still send one');
  await two.record(id);
  const first = Date.UTC(2026, 10, 29, 8);
  assert.equal(await one.retryAfter(id), first + HOUR - clock.t, 'node 1 counts the one sent on node 2');
  assert.equal(await two.retryAfter(id), first + HOUR - clock.t);
  clock.t = first + HOUR;
  assert.equal(await two.retryAfter(id), 0, 'the first submission left the window');
  await two.record(id);
  assert.ok((await one.retryAfter(id)) > 0, 'and the fresh one fills it again');
}

describe('sending rate across nodes', () => {
  const dirs: { remove(): void }[] = [];
  after(() => dirs.forEach((d) => d.remove()));

  test('SQLite: one allowance for every listener of the node', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await openStore({ dataDir: dir.path });
    try {
      await sharedAllowance(store, store, await accountIn(store, 'alice@rate.test'));
    } finally {
      await store.close();
    }
  });

  test('PostgreSQL: two store instances (two nodes) on one database share the allowance', async (t) => {
    const reason = await pgUnavailable();
    if (reason !== null) {
      if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: PostgreSQL tests must run)`);
      console.log(`# skipping the PostgreSQL part: ${reason}`);
      return t.skip(reason);
    }
    const db = await createTestDatabase();
    const d1 = tempDir();
    const d2 = tempDir();
    dirs.push(d1, d2);
    const node1 = await openStore({ dataDir: d1.path, storeUrl: db.url, poolSize: 2 });
    const node2 = await openStore({ dataDir: d2.path, storeUrl: db.url, poolSize: 2 });
    try {
      await sharedAllowance(node1, node2, await accountIn(node1, 'bob@rate.test'));
    } finally {
      await node1.close();
      await node2.close();
      await db.drop();
    }
  });
});
