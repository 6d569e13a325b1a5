/** Administration (docs/web-api.md "Administration"): administrators only; domains, users, aliases, queue. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { body, PASSWORD, startWebEnv, WebClient, type WebEnv } from './web-env.ts';

let env: WebEnv;
let admin: WebClient;
let bob: WebClient;
before(async () => {
  env = await startWebEnv();
  admin = await WebClient.signedIn(env.base, 'alice@example.org');
  bob = await WebClient.signedIn(env.base, 'bob@example.org');
});
after(async () => env?.close());

test('everyone else gets 403 forbidden', async () => {
  for (const [m, p] of [
    ['GET', '/api/admin/domains'],
    ['POST', '/api/admin/domains'],
    ['GET', '/api/admin/users'],
    ['PATCH', '/api/admin/users/alice@example.org'],
    ['DELETE', '/api/admin/users/alice@example.org'],
    ['GET', '/api/admin/aliases'],
    ['GET', '/api/admin/queue'],
    ['DELETE', '/api/admin/queue/1'],
  ] as const) {
    const r = await bob.request(m, p, m === 'GET' || m === 'DELETE' ? undefined : {});
    assert.equal(r.status, 403, `${m} ${p}`);
    assert.equal(body(r).error, 'forbidden');
  }
});

test('domains: add, list, refuse duplicates and invalid names, remove only when empty', async () => {
  assert.equal((await admin.post('/api/admin/domains', { name: 'Example.NET' })).status, 201);
  assert.deepEqual(body<{ name: string }[]>(await admin.get('/api/admin/domains')).map((d) => d.name).sort(), ['example.net', 'example.org']);
  assert.equal((await admin.post('/api/admin/domains', { name: 'example.net' })).status, 409);
  assert.equal((await admin.post('/api/admin/domains', { name: 'not a domain' })).status, 400);
  const busy = await admin.delete('/api/admin/domains/example.org');
  assert.equal(busy.status, 409);
  assert.equal(body(busy).error, 'conflict');
  assert.equal((await admin.delete('/api/admin/domains/example.net')).status, 204);
  assert.equal((await admin.delete('/api/admin/domains/example.net')).status, 404);
});

test('users: create, reset password, quota, disable (signs out), admin, remove; not oneself', async () => {
  const created = await admin.post('/api/admin/users', { address: 'Carol@example.org', password: 'carol-pw-12345', quotaBytes: 1_000_000 });
  assert.equal(created.status, 201);
  assert.equal(body(created).address, 'carol@example.org');
  assert.equal(body(created).quotaBytes, 1_000_000);
  assert.equal((await admin.post('/api/admin/users', { address: 'carol@example.org', password: 'x-long-enough' })).status, 409);
  assert.equal((await admin.post('/api/admin/users', { address: 'dave@nowhere.example', password: 'x-long-enough' })).status, 400);
  assert.ok(body<{ address: string }[]>(await admin.get('/api/admin/users')).some((u) => u.address === 'carol@example.org'));

  const carol = await WebClient.signedIn(env.base, 'carol@example.org', 'carol-pw-12345');
  const patched = await admin.patch('/api/admin/users/carol@example.org', { password: 'new-carol-pw-999', quotaBytes: 0, admin: true });
  assert.equal(patched.status, 200);
  assert.equal(body(patched).admin, true);
  assert.equal(body(patched).quotaBytes, 0);
  assert.equal((await carol.get('/api/session')).status, 401, 'a password reset signs the user out');
  const carol2 = await WebClient.signedIn(env.base, 'carol@example.org', 'new-carol-pw-999');
  const disabled = await admin.patch('/api/admin/users/carol@example.org', { disabled: true });
  assert.equal(body(disabled).disabled, true);
  assert.equal((await carol2.get('/api/session')).status, 401);
  assert.equal((await new WebClient(env.base).request('POST', '/api/session', { address: 'carol@example.org', password: 'new-carol-pw-999' })).status, 401);
  await admin.patch('/api/admin/users/carol@example.org', { disabled: false });
  await WebClient.signedIn(env.base, 'carol@example.org', 'new-carol-pw-999');

  for (const change of [{ disabled: true }, { admin: false }]) {
    const r = await admin.patch('/api/admin/users/alice@example.org', change);
    assert.equal(r.status, 409, JSON.stringify(change));
  }
  assert.equal((await admin.delete('/api/admin/users/alice@example.org')).status, 409);
  assert.equal((await admin.patch('/api/admin/users/nobody@example.org', { quotaBytes: 1 })).status, 404);
  assert.equal((await admin.patch('/api/admin/users/carol@example.org', { quotaBytes: -1 })).status, 400);
  assert.equal((await admin.delete('/api/admin/users/carol@example.org')).status, 204);
  assert.equal(await env.store.accounts.get('carol@example.org'), null);
  assert.equal((await admin.delete('/api/admin/users/carol@example.org')).status, 404);
  await WebClient.signedIn(env.base, 'alice@example.org', PASSWORD);
});

test('aliases: add, list, remove', async () => {
  const r = await admin.post('/api/admin/aliases', { source: 'sales@example.org', target: 'bob@example.org' });
  assert.equal(r.status, 201);
  assert.deepEqual(body<{ source: string; target: string }[]>(await admin.get('/api/admin/aliases')).map((a) => [a.source, a.target]), [['sales@example.org', 'bob@example.org']]);
  assert.equal((await admin.post('/api/admin/aliases', { source: 'bob@example.org', target: 'alice@example.org' })).status, 409);
  assert.equal((await admin.delete('/api/admin/aliases')).status, 400);
  assert.equal((await admin.delete('/api/admin/aliases?source=sales@example.org&target=bob@example.org')).status, 204);
  assert.deepEqual(body(await admin.get('/api/admin/aliases')), []);
});

test('queue: list, retry, delete', async () => {
  const item = await env.store.queue.enqueue({ sender: 'alice@example.org', recipients: ['x@remote.example'], raw: Buffer.from('Subject: q\r\n\r\nq\r\n'), nextAttemptAt: Date.now() + 3_600_000 });
  const list = body<{ id: number; sender: string; recipients: { address: string; status: string }[] }[]>(await admin.get('/api/admin/queue'));
  assert.equal(list.length, 1);
  assert.equal(list[0]!.id, item.id);
  assert.deepEqual(list[0]!.recipients.map((r) => [r.address, r.status]), [['x@remote.example', 'pending']]);
  assert.equal((await admin.post(`/api/admin/queue/${item.id}/retry`)).status, 204);
  assert.ok(((await env.store.queue.get(item.id))?.nextAttemptAt ?? Infinity) <= Date.now());
  assert.equal((await admin.delete(`/api/admin/queue/${item.id}`)).status, 204);
  assert.equal((await admin.delete(`/api/admin/queue/${item.id}`)).status, 404);
  assert.equal((await admin.post('/api/admin/queue/abc/retry')).status, 404);
});
