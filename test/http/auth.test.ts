/**
 * Sign-in, first-run setup, sessions, cookies and CSRF (docs/web-api.md "Conventions" and
 * "Sign-in and first run"), over real sockets and through `app.request()`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixedClock } from '../../src/core/clock.ts';
import { WebSessions } from '../../src/http/web-sessions.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { startImapTestServer } from '../helpers/imap-server.ts';
import { body, fakeEnv, PASSWORD, startWebEnv, WebClient, type WebEnv } from './web-env.ts';

describe('sign-in and sessions', () => {
  let env: WebEnv;
  before(async () => {
    env = await startWebEnv();
  });
  after(async () => env?.close());

  test('sign in, session info, sign out; the cookie is HttpOnly, SameSite=Strict, Path=/ and not Secure over plain http', async () => {
    const c = new WebClient(env.base);
    const r = await c.request('POST', '/api/session', { address: 'Alice@Example.org', password: PASSWORD });
    assert.equal(r.status, 200);
    assert.deepEqual(body(r).account, { address: 'alice@example.org', admin: true });
    assert.match(String(body(r).csrf), /^[A-Za-z0-9_-]{43}$/);
    const cookie = r.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^pk_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Secure/);
    const info = await c.get('/api/session');
    assert.equal(info.status, 200);
    assert.equal(body(info).csrf, c.csrf);
    const out = await c.delete('/api/session');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /pk_session=;.*Max-Age=0/);
    c.cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.equal((await c.get('/api/session')).status, 401, 'the session ended on the server too');
  });

  test('the cookie is Secure when the request came over TLS (a TLS socket, or a loopback proxy saying https)', async () => {
    const { app } = env.app();
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: 'bob@example.org', password: PASSWORD }) };
    const tls = await app.request('/api/session', init, fakeEnv('127.0.0.1', true));
    assert.equal(tls.status, 200);
    assert.match(tls.headers.get('set-cookie') ?? '', /; Secure/);
    const proxied = await app.request('/api/session', { ...init, headers: { ...init.headers, 'x-forwarded-proto': 'https' } }, fakeEnv('127.0.0.1'));
    assert.match(proxied.headers.get('set-cookie') ?? '', /; Secure/);
    // The header from anyone but a loopback proxy proves nothing.
    const forged = await app.request('/api/session', { ...init, headers: { ...init.headers, 'x-forwarded-proto': 'https' } }, fakeEnv('203.0.113.9'));
    assert.equal(forged.status, 403, 'plain http from afar: auth.plaintext refuses the password');
    assert.equal(((await forged.json()) as { error: string }).error, 'insecure');
    // A TLS-terminating balancer the PROXY protocol vouched for ([proxy] trusted) is believed.
    const balanced = await app.request('/api/session', { ...init, headers: { ...init.headers, 'x-forwarded-proto': 'https' } }, fakeEnv('203.0.113.9', false, '10.0.0.1'));
    assert.equal(balanced.status, 200);
    assert.match(balanced.headers.get('set-cookie') ?? '', /; Secure/);
  });

  test('wrong password and unknown user: 401 credentials, the same answer', async () => {
    const c = new WebClient(env.base);
    const wrong = await c.request('POST', '/api/session', { address: 'alice@example.org', password: 'nope' });
    const unknown = await c.request('POST', '/api/session', { address: 'nobody@example.org', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, unknown.json);
    assert.equal(body(wrong).error, 'credentials');
    assert.equal(typeof body(wrong).message, 'string');
  });

  test('bad bodies: 400 invalid', async () => {
    const c = new WebClient(env.base);
    const r = await c.request('POST', '/api/session', { address: 'alice@example.org' });
    assert.equal(r.status, 400);
    assert.equal(body(r).error, 'invalid');
    const notJson = await fetch(`${env.base}/api/session`, { method: 'POST', body: '{nope' });
    assert.equal(notJson.status, 400);
  });

  test('every /api endpoint but sign-in and setup needs a session: 401 unauthenticated', async () => {
    const c = new WebClient(env.base);
    for (const [m, p] of [
      ['GET', '/api/session'],
      ['GET', '/api/mailboxes'],
      ['GET', '/api/mailboxes/1/messages'],
      ['GET', '/api/events'],
      ['GET', '/api/settings'],
      ['GET', '/api/clients'],
      ['GET', '/api/admin/users'],
      ['POST', '/api/send'],
      ['GET', '/api/no-such-thing'],
    ] as const) {
      const r = await c.request(m, p, m === 'POST' ? {} : undefined);
      assert.equal(r.status, 401, `${m} ${p}`);
      assert.equal(body(r).error, 'unauthenticated');
    }
  });

  test('CSRF: a state change without the token, with a wrong one, or from another Origin is 403 csrf', async () => {
    const c = await WebClient.signedIn(env.base, 'bob@example.org');
    const inbox = await env.mailbox(env.bob, 'INBOX');
    const path = `/api/mailboxes/${inbox.id}/flags`;
    const payload = { uids: [1], add: ['\\Seen'] };
    const noToken = await c.request('POST', path, payload, { 'x-csrf-token': '' });
    assert.equal(noToken.status, 403);
    assert.equal(body(noToken).error, 'csrf');
    assert.equal((await c.request('POST', path, payload, { 'x-csrf-token': 'x'.repeat(43) })).status, 403);
    const evil = await c.request('POST', path, payload, { origin: 'https://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(body(evil).error, 'csrf');
    assert.equal((await c.request('POST', path, payload, { origin: 'null' })).status, 403);
    assert.equal((await c.request('POST', path, payload, { origin: env.base })).status, 200, 'our own Origin is fine');
    assert.equal((await c.request('POST', path, payload)).status, 200, 'no Origin at all is fine');
    // Sign-in itself refuses a foreign Origin (login CSRF).
    const login = await new WebClient(env.base).request('POST', '/api/session', { address: 'bob@example.org', password: PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(login.status, 403);
  });

  test('a disabled account cannot sign in, and its open web sessions end', async () => {
    const c = await WebClient.signedIn(env.base, 'bob@example.org');
    await env.store.accounts.setDisabled('bob@example.org', true);
    try {
      assert.equal((await c.get('/api/mailboxes')).status, 401);
      const r = await new WebClient(env.base).request('POST', '/api/session', { address: 'bob@example.org', password: PASSWORD });
      assert.equal(r.status, 401);
      assert.equal(body(r).error, 'credentials');
    } finally {
      await env.store.accounts.setDisabled('bob@example.org', false);
    }
  });

  test('web sign-in ignores the IMAP and POP switches', async () => {
    await env.store.settings.set(env.bob.id, 'imap.enabled', 'false');
    await env.store.settings.set(env.bob.id, 'pop.enabled', 'off');
    try {
      await WebClient.signedIn(env.base, 'bob@example.org');
    } finally {
      await env.store.settings.reset(env.bob.id, 'imap.enabled');
      await env.store.settings.reset(env.bob.id, 'pop.enabled');
    }
  });

  test('failed sign-ins share the login limiter: 429 rate-limited with retry-after, also for the right password', async () => {
    const { app } = env.app();
    const attempt = (password: string) =>
      app.request('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: 'bob@example.org', password }) }, fakeEnv('192.0.2.77', true));
    let last: Response | null = null;
    for (let i = 0; i < 12; i++) last = await attempt('wrong');
    assert.equal(last!.status, 429);
    assert.equal(((await last!.json()) as { error: string }).error, 'rate-limited');
    assert.match(last!.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal((await attempt(PASSWORD)).status, 429);
  });

  test('sessions end after 7 idle days and 30 days after sign-in', async () => {
    const clock = fixedClock(Date.UTC(2026, 10, 1));
    const sessions = new WebSessions(env.store.webSessions, clock);
    const bob = (await env.store.accounts.get('bob@example.org'))!;
    const a = await sessions.create(bob.id);
    assert.equal(await env.store.webSessions.get(a.id, { idleBefore: 0, createdBefore: 0 }), null, 'the store keeps a hash, never the id');
    clock.advance(6 * 86_400_000);
    assert.ok(await sessions.touch(a.id));
    clock.advance(6 * 86_400_000);
    assert.ok(await sessions.touch(a.id), 'used 6 days ago: alive');
    clock.advance(7 * 86_400_000);
    assert.equal(await sessions.touch(a.id), null, 'unused for 7 days: gone');
    const b = await sessions.create(bob.id);
    for (let d = 0; d < 30; d += 5) {
      assert.ok(await sessions.touch(b.id), `day ${d}`);
      clock.advance(5 * 86_400_000);
    }
    assert.equal(await sessions.touch(b.id), null, '30 days after sign-in: gone however busy');
    assert.notEqual(a.id, b.id);
    assert.equal(Buffer.from(b.id, 'base64url').length, 32, '256-bit ids');
  });
});

describe('first-run setup', () => {
  test('offers setup on an empty store, creates domain and administrator, signs in; then refuses', async () => {
    const server = await startImapTestServer();
    try {
      const { app } = createHttpApp(server.context);
      const get = await app.request('/api/setup', {}, fakeEnv());
      assert.deepEqual(await get.json(), { needed: true });
      const post = (b: unknown) => app.request('/api/setup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) }, fakeEnv());
      const wrongDomain = await post({ domain: 'example.org', address: 'root@elsewhere.net', password: 'long enough password' });
      assert.equal(wrongDomain.status, 400);
      const ok = await post({ domain: 'Example.ORG', address: 'root@example.org', password: 'long enough password' });
      assert.equal(ok.status, 200);
      const json = (await ok.json()) as { account: { address: string; admin: boolean }; csrf: string };
      assert.deepEqual(json.account, { address: 'root@example.org', admin: true });
      assert.match(ok.headers.get('set-cookie') ?? '', /^pk_session=/);
      assert.ok(await server.store.domains.exists('example.org'));
      assert.equal((await server.store.accounts.get('root@example.org'))?.admin, true);
      assert.deepEqual(await (await app.request('/api/setup', {}, fakeEnv())).json(), { needed: false });
      const again = await post({ domain: 'example.org', address: 'evil@example.org', password: 'long enough password' });
      assert.equal(again.status, 409);
      assert.equal(((await again.json()) as { error: string }).error, 'conflict');
    } finally {
      await server.close();
    }
  });
});
