/**
 * The running server sees CLI changes without a restart: a server started in this process holds
 * the real store open while the CLI (a separate process) adds a user, changes the password and
 * switches IMAP off; each login through the server's own store reflects the change at once.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { VerifyCache } from '../../src/auth/verify-cache.ts';
import { loginWithPassword, type LoginAttempt } from '../../src/auth/login.ts';
import { DEFAULT_PORTS, LISTENER_NAMES, resolveConfig } from '../../src/core/config-schema.ts';
import { createLogger } from '../../src/core/log.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { freePorts, runCli, tempDir } from '../cli/run-cli.ts';

let dir: { path: string; cleanup(): Promise<void> };
let server: RunningServer;
const logLines: string[] = [];
let imapPort = 0;

before(async () => {
  dir = await tempDir();
  [imapPort = 0] = await freePorts(1);
  const ports = Object.fromEntries(LISTENER_NAMES.map((n) => [n, n === 'imap' ? imapPort : 0]));
  const config = resolveConfig(join(dir.path, 'data'), {}, { ports, hostname: 'mail.test' }, 'unused');
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').trim().split('\n'));
      done();
    },
  });
  server = await startServer({ config, log: createLogger({ level: 'debug', destination }) });
});

after(async () => {
  await server?.close();
  await dir.cleanup();
});

/** Waits (on the event loop, bounded) for the server side to catch up with the client. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond());
}

const data = (): string[] => ['--data', join(dir.path, 'data')];

function attempt(password: string, over: Partial<LoginAttempt> = {}): LoginAttempt {
  return {
    protocol: 'imap',
    login: 'Carol@Example.org',
    password,
    connection: { secure: false, remoteAddress: '127.0.0.1' },
    policy: 'tls-or-loopback',
    ...over,
  };
}

test('users, passwords and settings changed by the CLI apply at the next login', async () => {
  assert.equal(DEFAULT_PORTS.imap, 1143);
  const store = server.context.store;
  assert.deepEqual(await loginWithPassword(store, attempt('first-pw-3c1')), { ok: false, reason: 'credentials' });

  assert.equal((await runCli(['domain', 'add', 'example.org', ...data()])).code, 0);
  const add = await runCli(['user', 'add', 'carol@example.org', '--password-stdin', ...data()], {
    stdin: 'first-pw-3c1\n',
  });
  assert.deepEqual([add.code, add.stderr], [0, '']);
  const first = await loginWithPassword(store, attempt('first-pw-3c1'));
  assert.equal(first.ok, true);
  assert.equal(first.ok && first.account.address, 'carol@example.org');

  // A check that passed is remembered (bound to the stored hash), a failed one never.
  const cache = new VerifyCache();
  const firstHash = (await store.accounts.passwordHash('carol@example.org'))!.hash;
  assert.equal((await loginWithPassword(store, attempt('wrong', { verifyCache: cache }))).ok, false);
  assert.equal(cache.has('carol@example.org', firstHash, 'wrong'), false);
  assert.equal((await loginWithPassword(store, attempt('first-pw-3c1', { verifyCache: cache }))).ok, true);
  assert.equal(cache.has('carol@example.org', firstHash, 'first-pw-3c1'), true);

  const pw = await runCli(['user', 'passwd', 'carol@example.org', '--password', 'second-pw-8d2', ...data()]);
  assert.equal(pw.code, 0);
  assert.deepEqual(await loginWithPassword(store, attempt('first-pw-3c1')), { ok: false, reason: 'credentials' });
  assert.equal((await loginWithPassword(store, attempt('second-pw-8d2'))).ok, true);

  const off = await runCli(['settings', 'set', 'carol@example.org', 'imap.enabled', 'false', ...data()]);
  assert.equal(off.code, 0);
  assert.deepEqual(await loginWithPassword(store, attempt('second-pw-8d2')), { ok: false, reason: 'disabled' });
  // POP3 is still on; a wrong password never reveals that IMAP is off.
  assert.equal((await loginWithPassword(store, attempt('second-pw-8d2', { protocol: 'pop3' }))).ok, true);
  assert.deepEqual(await loginWithPassword(store, attempt('wrong')), { ok: false, reason: 'credentials' });

  // A disabled user cannot log in anywhere, and the answer does not say why.
  assert.equal((await runCli(['user', 'disable', 'carol@example.org', ...data()])).stdout, 'user carol@example.org disabled\n');
  assert.deepEqual(await loginWithPassword(store, attempt('second-pw-8d2', { protocol: 'pop3' })), { ok: false, reason: 'credentials' });
  assert.equal((await runCli(['user', 'enable', 'carol@example.org', ...data()])).stdout, 'user carol@example.org enabled\n');
  assert.equal((await loginWithPassword(store, attempt('second-pw-8d2', { protocol: 'pop3' }))).ok, true);

  // The plaintext policy is checked before any password work.
  const remote = { secure: false, remoteAddress: '192.0.2.7' };
  assert.deepEqual(
    await loginWithPassword(store, attempt('second-pw-8d2', { protocol: 'pop3', connection: remote })),
    { ok: false, reason: 'insecure' },
  );
});

test('connections get a cid, are registered while open and logged without secrets', async () => {
  const socket = connect({ host: '127.0.0.1', port: imapPort });
  let text = '';
  const greeted = new Promise((resolve) => socket.once('data', resolve));
  socket.setEncoding('utf8').on('data', (d: string) => (text += d));
  await greeted;
  // The password of a real login must not reach the log either.
  socket.write('a LOGIN carol@example.org second-pw-8d2\r\nb LOGOUT\r\n');
  // Registered from accept until the server side closes.
  const entry = server.context.sessions.list().find((e) => e.listener === 'imap');
  assert.ok(entry);
  assert.equal(entry.remoteAddress, '127.0.0.1');
  await new Promise((resolve) => socket.on('close', resolve));
  assert.match(text, /^\* OK \[CAPABILITY [^\]]+\] postkontor ready\r\n/);
  assert.match(text, /\r\na (OK|NO) [^\r]*\r\n\* BYE postkontor logging out\r\nb OK LOGOUT completed\r\n$/);
  await until(() => server.context.sessions.size === 0);
  const records = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const opened = records.find((r) => r.msg === 'connection opened' && r.proto === 'imap');
  assert.ok(opened);
  const cid = String(opened.cid);
  assert.equal(cid, entry.cid);
  assert.ok(records.some((r) => r.msg === 'connection closed' && r.cid === cid));
  for (const l of logLines) assert.doesNotMatch(l, /first-pw|second-pw/);
});
