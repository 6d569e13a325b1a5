/**
 * The IPC between an SMTP front-end process and the server process (src/server/ipc/), over an
 * in-memory channel that clones every message as node:cluster's 'advanced' serialization does:
 * store calls answer as the real store, PkErrors keep their kind, a closed channel is a store
 * outage, the server side refuses what the SMTP path has no business calling, and an append
 * carries the MIME index computed by the front end, which the store then keeps.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { after, before, describe, test } from 'node:test';
import { isPkError } from '../../src/core/errors.ts';
import { createLogger } from '../../src/core/log.ts';
import { deliverLocally } from '../../src/delivery/local/deliver.ts';
import type { OutboundMessage } from '../../src/delivery/outbound-port.ts';
import { storeIndexOf } from '../../src/mime/index-pool.ts';
import { remoteOutbound, remoteStore } from '../../src/server/ipc/remote-store.ts';
import { RpcClient, serveRpc, type IpcEndpoint } from '../../src/server/ipc/rpc.ts';
import { storeDispatch } from '../../src/server/ipc/store-dispatch.ts';
import type { Store } from '../../src/store/ports.ts';
import { openTestStore, type TestStore } from '../helpers/test-store.ts';

/** Two ends of a channel; what one sends the other receives as a v8-serialized copy. */
function channel(): { front: IpcEndpoint & { close(): void }; server: IpcEndpoint } {
  const a = new EventEmitter();
  const b = new EventEmitter();
  let open = true;
  const end = (self: EventEmitter, peer: EventEmitter) => ({
    send(m: unknown): boolean {
      if (!open) throw new Error('Channel closed');
      const copy = deserialize(serialize(m)) as unknown;
      setImmediate(() => peer.emit('message', copy));
      return true;
    },
    on: (e: 'message', l: (m: unknown) => void) => self.on(e, l),
    off: (e: 'message', l: (m: unknown) => void) => self.off(e, l),
  });
  return { front: { ...end(a, b), close: () => (open = false) }, server: end(b, a) };
}

describe('IPC between an SMTP front end and the server process', () => {
  let dir: string;
  let ts: TestStore;
  let store: Store;
  let client: RpcClient;
  let remote: Store;
  let ends: ReturnType<typeof channel>;
  const queued: OutboundMessage[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pk-ipc-'));
    ts = await openTestStore({ dataDir: dir });
    store = ts.store;
    await store.domains.add('example.org');
    await store.accounts.create({ address: 'alice@example.org', passwordHash: 'x' });
    ends = channel();
    serveRpc(ends.server, storeDispatch(store, { enqueue: (m) => (queued.push(m), Promise.resolve({ id: 'q1' })) }, createLogger({ level: 'silent' })));
    client = new RpcClient(ends.front);
    remote = remoteStore(client);
  });

  after(async () => {
    await ts.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('store calls answer as the real store does', async () => {
    assert.equal(await remote.domains.exists('example.org'), true);
    assert.equal(await remote.domains.exists('example.net'), false);
    const direct = await store.aliases.resolve('alice@example.org');
    assert.deepEqual(await remote.aliases.resolve('alice@example.org'), direct);
    // The proxy is not a thenable: awaiting it (or a namespace) gives the object itself.
    assert.equal(typeof (remote as unknown as { then?: unknown }).then, 'undefined');
  });

  test('a PkError crosses with its code and kind', async () => {
    await assert.rejects(
      remote.accounts.setQuota('nobody@example.org', 1),
      (err: unknown) => isPkError(err, 'NotFound') && err.code === 'PK_ERR_ACCOUNT_NOT_FOUND',
    );
  });

  test('the server process refuses what the SMTP path does not call', async () => {
    for (const call of [
      () => (remote as unknown as { webSessions: { create(): Promise<unknown> } }).webSessions.create(),
      () => (remote as unknown as { changes: { latest(): Promise<unknown> } }).changes.latest(),
      () => (remote as unknown as { domains: Record<string, () => Promise<unknown>> }).domains['constructor']!(),
      () => (remote as unknown as { domains: { toString(): Promise<unknown> } }).domains.toString(),
      () => (remote as unknown as { domains: { nope(): Promise<unknown> } }).domains.nope(),
    ]) {
      await assert.rejects(call(), /not callable from an SMTP process/);
    }
  });

  test('an append carries the front end\'s MIME index, and the store keeps that one', async () => {
    const account = (await store.accounts.get('alice@example.org'))!;
    const inbox = (await store.mailboxes.get(account.id, 'INBOX'))!;
    const raw = Buffer.from('Subject: over IPC\r\nMessage-ID: <ipc-1@example.org>\r\n\r\nhello\r\n');
    const computed = await storeIndexOf(raw);
    const result = await remote.messages.append(account.id, inbox.id, { raw, flags: ['\\Seen'] });
    assert.equal(result.uid, 1);
    const meta = (await store.messages.get(inbox.id, result.uid))!;
    assert.deepEqual(meta.flags, ['\\Seen']);
    assert.deepEqual(await store.messages.index(meta.blobHash), JSON.parse(computed.indexJson));
  });

  test('deliverLocally on the remote store runs the pipeline in the server process, in one call', async () => {
    const account = (await store.accounts.get('alice@example.org'))!;
    await store.settings.set(account.id, 'forward.to', 'alice@example.net');
    await store.settings.set(account.id, 'forward.keep', 'mark-read');
    const raw = Buffer.from('Subject: delivered over IPC\r\nMessage-ID: <ipc-2@example.org>\r\n\r\nhi\r\n');
    const { accounts, external } = await remote.aliases.resolve('alice@example.org');
    let calls = 0;
    const counting = { send: ends.front.send.bind(ends.front) };
    ends.front.send = (m: unknown) => (calls++, counting.send(m));
    const results = await deliverLocally(
      { store: remote, log: createLogger({ level: 'silent' }), outbound: remoteOutbound(client) },
      { raw, sender: 'bob@example.net', recipients: [{ address: 'alice@example.org', accounts, external }] },
    );
    ends.front.send = counting.send;
    assert.deepEqual(results, [{ address: 'alice@example.org', ok: true }]);
    assert.equal(calls, 1, 'one round trip for the whole delivery');
    // Forwarded (with the server process's outbound) and kept marked read, as forward.keep says.
    assert.deepEqual(queued.map((q) => q.recipients), [['alice@example.net']]);
    const inbox = (await store.mailboxes.get(account.id, 'INBOX'))!;
    const listed = await store.messages.list(inbox.id);
    const meta = listed[listed.length - 1]!;
    assert.deepEqual(meta.flags, ['\\Seen']);
    assert.deepEqual(await store.messages.index(meta.blobHash), JSON.parse((await storeIndexOf(raw)).indexJson));
    await store.settings.reset(account.id, 'forward.to');
    await store.settings.reset(account.id, 'forward.keep');
    queued.length = 0;
  });

  test('the outbound queue is reached through the server process', async () => {
    const out = remoteOutbound(client);
    const message: OutboundMessage = { sender: 'alice@example.org', recipients: ['bob@example.net'], raw: Buffer.from('x\r\n') };
    assert.deepEqual(await out.enqueue(message), { id: 'q1' });
    assert.equal(queued.length, 1);
    assert.ok(Buffer.isBuffer(queued[0]!.raw), 'bytes cross as a Buffer');
  });

  test('a closed channel fails calls in flight and later ones as a store outage', async () => {
    const pending = remote.domains.exists('example.org');
    ends.front.close();
    client.close();
    await assert.rejects(pending, (err: unknown) => isPkError(err, 'Unavailable'));
    await assert.rejects(remote.domains.exists('example.org'), (err: unknown) => isPkError(err, 'Unavailable'));
  });
});
