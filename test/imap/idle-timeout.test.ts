/**
 * Autologout (RFC 9051 §5.4): a session that sends nothing for the inactivity timeout gets an
 * untagged `BYE` and is closed, whether it is merely logged in or in IDLE. The timer counts what
 * the client sends: a client that keeps talking stays, and server pushes during IDLE do not keep
 * a silent client alive. Nor does the server's own slowness count: the timer is stopped while a
 * command is being answered. The timeout is shortened through ServerContext.timeouts: to 300 ms
 * where the client stays silent, and to 1 s where the test must keep something going for several
 * timeouts, so that a loaded machine (appends fsync) cannot make it flaky.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import { TestConnection } from '../helpers/imap-client.ts';
import { startImapTestServer, type ImapTestServer } from '../helpers/imap-server.ts';
import { sampleMessage } from '../helpers/messages.ts';

const TIMEOUT_MS = 300;
const LONG_TIMEOUT_MS = 1000;
const BYE = '* BYE Autologout; idle for too long';

let server: ImapTestServer;
let longServer: ImapTestServer;

async function start(imapIdleMs: number): Promise<ImapTestServer> {
  const s = await startImapTestServer({ timeouts: { imapIdleMs } });
  await s.store.domains.add('example.org');
  await s.store.accounts.create({ address: 'idle@example.org', passwordHash: await hashPassword('pw-idle') });
  return s;
}

before(async () => {
  [server, longServer] = await Promise.all([start(TIMEOUT_MS), start(LONG_TIMEOUT_MS)]);
});
after(() => Promise.all([server.close(), longServer.close()]));

/** Reads one response line (no literals are expected in this file). */
async function line(c: TestConnection, ms = 5000): Promise<string> {
  const r = await c.readResponse(Date.now() + ms);
  assert.equal(r.literals.length, 0, `unexpected literal in ${r.texts.join(' ')}`);
  return r.texts[0] ?? '';
}

/** Sends a command line; returns when it was written (the time the server's timer restarts). */
async function send(c: TestConnection, text: string): Promise<number> {
  await c.write(Buffer.from(`${text}\r\n`));
  return Date.now();
}

/** Reads lines up to (and including) the tagged answer for `tag`; returns all of them. */
async function until(c: TestConnection, tag: string): Promise<string[]> {
  const lines: string[] = [];
  for (;;) {
    const l = await line(c);
    lines.push(l);
    if (l.startsWith(`${tag} `)) return lines;
  }
}

/**
 * A logged-in connection (`select` also selects INBOX) and when its last command was sent (the
 * server's timer starts again once the answer is out, a little later).
 */
async function session(select: boolean, on = server): Promise<{ c: TestConnection; lastInput: number }> {
  const c = await TestConnection.open(on.port);
  assert.match(await line(c), /^\* OK \[CAPABILITY .*\] postkontor ready$/);
  let lastInput = await send(c, 'a LOGIN idle@example.org pw-idle');
  assert.match((await until(c, 'a')).at(-1) ?? '', /^a OK /);
  if (select) {
    lastInput = await send(c, 's SELECT INBOX');
    assert.match((await until(c, 's')).at(-1) ?? '', /^s OK \[READ-WRITE\] /);
  }
  return { c, lastInput };
}

/**
 * Waits for the autologout: the BYE line (after nothing but new-mail pushes, collected in `seen`),
 * then the close. Returns when the close came.
 */
async function expectAutologout(c: TestConnection, seen: string[] = []): Promise<number> {
  for (;;) {
    const l = await line(c, 5000);
    seen.push(l);
    if (l.startsWith('* BYE')) break;
    assert.match(l, /^\* \d+ (EXISTS|RECENT)$/, `only pushes may come before the BYE: ${seen.join(' | ')}`);
  }
  assert.equal(seen.at(-1), BYE);
  assert.equal(await c.waitClosed(Date.now() + 5000), true, 'the server closes the socket after BYE');
  assert.equal(c.pending.length, 0, `nothing after BYE, got ${c.pending.toString('latin1')}`);
  return Date.now();
}

test('an authenticated session that sends nothing is logged out after the timeout', async () => {
  const { c, lastInput } = await session(false);
  const closedAt = await expectAutologout(c);
  // Not before the timeout (a little slack for timer granularity), and not much after it.
  assert.ok(closedAt - lastInput >= TIMEOUT_MS - 20, `closed after ${closedAt - lastInput} ms`);
  assert.ok(closedAt - lastInput < TIMEOUT_MS + 2000, `closed after ${closedAt - lastInput} ms`);
  c.destroy();
});

test('the timer is stopped while the server answers: a slow failed LOGIN is answered', async () => {
  const c = await TestConnection.open(server.port);
  assert.match(await line(c), /^\* OK \[CAPABILITY .*\] postkontor ready$/);
  await send(c, 'a LOGIN idle@example.org wrong-pw');
  assert.equal(await line(c), 'a NO [AUTHENTICATIONFAILED] Invalid credentials');
  // The second failure is answered only after LIMITS.failedLoginDelayMs (400 ms > the timeout).
  const sentAt = await send(c, 'b LOGIN idle@example.org wrong-pw');
  assert.equal(await line(c), 'b NO [AUTHENTICATIONFAILED] Invalid credentials');
  const answeredAt = Date.now();
  assert.ok(answeredAt - sentAt >= TIMEOUT_MS, `answered after ${answeredAt - sentAt} ms: not slow enough to test this`);
  // Then the client is silent, and the timer runs from the answer.
  const closedAt = await expectAutologout(c);
  assert.ok(closedAt - answeredAt >= TIMEOUT_MS - 20, `closed ${closedAt - answeredAt} ms after the answer`);
  c.destroy();
});

test('a session in IDLE that sends nothing is logged out without a tagged answer', async () => {
  const { c } = await session(true);
  const idleAt = await send(c, 'i IDLE');
  assert.equal(await line(c), '+ idling');
  const closedAt = await expectAutologout(c);
  assert.ok(closedAt - idleAt >= TIMEOUT_MS - 20, `closed after ${closedAt - idleAt} ms`);
  c.destroy();
});

test('a session that keeps sending commands is not logged out', async () => {
  const { c } = await session(true, longServer);
  const started = Date.now();
  let n = 0;
  // NOOP every 100 ms for three seconds: three timeouts in all, never a second of silence.
  while (Date.now() - started < 3 * LONG_TIMEOUT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await send(c, `n${n} NOOP`);
    assert.equal((await until(c, `n${n}`)).at(-1), `n${n} OK NOOP completed`);
    n++;
  }
  assert.ok(n >= 10, `only ${n} NOOPs went out`);
  assert.equal(c.closed, false);
  await send(c, 'z LOGOUT');
  assert.deepEqual(await until(c, 'z'), ['* BYE postkontor logging out', 'z OK LOGOUT completed']);
  assert.equal(await c.waitClosed(Date.now() + 5000), true);
  c.destroy();
});

test('server pushes during IDLE do not keep a silent client logged in', async () => {
  const { c } = await session(true, longServer);
  const store = longServer.store;
  const account = (await store.accounts.get('idle@example.org'))!;
  const inbox = (await store.mailboxes.get(account.id, 'INBOX'))!;
  const idleAt = await send(c, 'j IDLE');
  assert.equal(await line(c), '+ idling');
  // New mail every 100 ms, for four timeouts, while the client stays silent.
  const pushEnd = idleAt + 4 * LONG_TIMEOUT_MS;
  let pushes = 0;
  const pusher = (async () => {
    while (!c.closed && Date.now() < pushEnd) {
      await store.messages.append(account.id, inbox.id, { raw: sampleMessage(pushes) });
      pushes++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  // The session hears of new mail (EXISTS, and RECENT for this rev1 session) and still counts
  // the client as silent: the BYE comes while the mail keeps arriving.
  const seen: string[] = [];
  const closedAt = await expectAutologout(c, seen);
  await pusher;
  assert.ok(seen.some((l) => / EXISTS$/.test(l)), `no new mail reached the session before the BYE: ${seen.join(' | ')}`);
  assert.ok(closedAt - idleAt >= LONG_TIMEOUT_MS - 20, `closed after ${closedAt - idleAt} ms`);
  assert.ok(closedAt < pushEnd - LONG_TIMEOUT_MS / 2, `pushes kept the session alive for ${closedAt - idleAt} ms`);
  assert.ok(pushes >= 2, `only ${pushes} messages were delivered before the close`);
  c.destroy();
});
