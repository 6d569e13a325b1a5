/**
 * POP3 and IMAP on one store (issue 4, "Cross-protocol tests"):
 * - a message downloaded and deleted over POP (RETR, DELE, QUIT) disappears for an IMAP client
 *   in IDLE: the EXPUNGE arrives within 50 ms of the QUIT's +OK (measured over several rounds,
 *   the figures printed);
 * - pop.after-retrieve=mark-read: the idling client sees FETCH (FLAGS (\Seen)) after QUIT, and a
 *   message only listed or read with TOP is not marked;
 * - archive / trash move the message (EXPUNGE in INBOX, the copy in Archive / Trash), delete
 *   removes it; DELE with imap.expunge-action=trash moves to Trash;
 * - a connection dropped before QUIT (after RETR and DELE, or in the middle of a RETR) changes
 *   nothing, and the maildrop lock is released so a new session can log in;
 * - [IN-USE] for a second POP3 login; an IMAP session is never blocked by a POP3 one;
 * - inactivity autologout (timeouts.pop3IdleMs) closes the session without a response (RFC 1939
 *   §3) and applies nothing.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { LineClient } from '../helpers/interop-lines.ts';
import {
  bigMessage,
  imapIdle,
  imapSelect,
  nextNotRecent,
  plainMessage,
  PopClient,
  startPopServer,
  type PopTestServer,
} from '../helpers/pop3-env.ts';

/** Issue 4's figure for EXPUNGE after QUIT's +OK. */
const EXPUNGE_LIMIT_MS = 50;

const servers: PopTestServer[] = [];
const sockets: { close?: () => void; destroy?: () => void }[] = [];

after(async () => {
  for (const s of sockets) (s.close ?? s.destroy)?.call(s);
  for (const s of servers) await s.close();
});

async function fresh(messages = 3, timeouts?: { pop3IdleMs: number }): Promise<PopTestServer> {
  const server = await startPopServer(timeouts ? { timeouts } : {});
  servers.push(server);
  for (let i = 1; i <= messages; i++) await server.deliver('INBOX', plainMessage(i));
  return server;
}

async function pop(server: PopTestServer, name: string): Promise<PopClient> {
  const c = await PopClient.login(name, server.popPort, server.user, server.password);
  sockets.push(c);
  return c;
}

async function idle(server: PopTestServer, name: string, mailbox = 'INBOX'): Promise<LineClient> {
  const c = await imapIdle(server, name, mailbox);
  sockets.push(c);
  return c;
}

/** [uid, sorted flags] of a mailbox, through the store. */
async function state(server: PopTestServer, mailbox: string): Promise<[number, string[]][]> {
  const mb = await server.mailbox(mailbox);
  return (await server.store.messages.list(mb.id)).map((m) => [m.uid, [...m.flags].sort()]);
}

async function snapshot(server: PopTestServer): Promise<Record<string, [number, string[]][]>> {
  const out: Record<string, [number, string[]][]> = {};
  for (const name of ['INBOX', 'Archive', 'Trash']) out[name] = await state(server, name);
  return out;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Logs in again until the lock is free; returns how long that took (fails after 2 s). */
async function loginAfterDrop(server: PopTestServer, t: TestContext, what: string): Promise<PopClient> {
  const start = performance.now();
  for (let attempt = 1; ; attempt++) {
    const c = await PopClient.open('again', server.popPort);
    sockets.push(c);
    await c.line();
    await c.ok(`USER ${server.user}`);
    const r = await c.command(`PASS ${server.password}`, 'PASS ***');
    if (r.text.startsWith('+OK')) {
      t.diagnostic(`${what}: a new session logged in ${round(performance.now() - start)} ms after the drop (attempt ${attempt})`);
      return c;
    }
    assert.match(r.text, /^-ERR \[IN-USE\]/, `after ${what}: ${r.text}`);
    c.destroy();
    if (performance.now() - start > 2_000) assert.fail(`after ${what}: the maildrop lock was still held 2 s later`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('DELE + QUIT over POP: the idling IMAP client gets EXPUNGE within 50 ms of the +OK', async (t) => {
  const server = await fresh(6);
  const imap = await idle(server, 'idler');
  const figures: { afterOk: number; afterSend: number; okAfterSend: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const p = await pop(server, `pop${i}`);
    // Always the first message of the maildrop: IMAP sequence number 1 too.
    const msg = await p.multi('RETR 1');
    assert.ok(msg.body.length > 0);
    await p.ok('DELE 1');
    const quit = await p.ok('QUIT');
    const line = await nextNotRecent(imap).catch((err: Error) => {
      throw new Error(`${err.message}\n--- pop\n${p.log.join('\n')}`);
    });
    assert.equal(line.text, '* 1 EXPUNGE', imap.log.join('\n'));
    figures.push({
      afterOk: round(line.at - quit.at),
      afterSend: round(line.at - quit.sentAt),
      okAfterSend: round(quit.at - quit.sentAt),
    });
    await p.waitClosed();
  }
  for (const f of figures) {
    t.diagnostic(
      `EXPUNGE ${f.afterOk} ms after QUIT's +OK, ${f.afterSend} ms after QUIT was sent (+OK took ${f.okAfterSend} ms)`,
    );
  }
  const slow = figures.filter((f) => f.afterOk > EXPUNGE_LIMIT_MS);
  assert.deepEqual(slow, [], `EXPUNGE later than ${EXPUNGE_LIMIT_MS} ms after the +OK`);
  assert.deepEqual(imap.unread.map((l) => l.text).filter((x) => !/RECENT$/.test(x)), [], 'nothing else');
  assert.deepEqual((await state(server, 'INBOX')).map(([uid]) => uid), [6]);
  assert.deepEqual(await state(server, 'Trash'), [], 'imap.expunge-action=delete: gone, not in Trash');
});

test('pop.after-retrieve=mark-read: the idling IMAP client sees \\Seen after QUIT; TOP and LIST mark nothing', async () => {
  const server = await fresh(3);
  await server.store.settings.set(server.account.id, 'pop.after-retrieve', 'mark-read');
  const imap = await idle(server, 'idler');
  const p = await pop(server, 'pop');
  await p.list();
  await p.multi('TOP 3 0');
  await p.multi('RETR 2');
  assert.deepEqual(await state(server, 'INBOX'), [[1, []], [2, []], [3, []]], 'nothing changes before QUIT');
  assert.deepEqual(imap.unread, [], 'no notification before QUIT');
  const quit = await p.ok('QUIT');
  const line = await nextNotRecent(imap);
  assert.match(line.text, /^\* 2 FETCH \(.*FLAGS \(\\Seen( \\Recent)?\).*\)$/, imap.log.join('\n'));
  assert.ok(line.at - quit.at <= EXPUNGE_LIMIT_MS, `FETCH ${round(line.at - quit.at)} ms after +OK`);
  assert.deepEqual(await state(server, 'INBOX'), [[1, []], [2, ['\\Seen']], [3, []]]);
});

test('a TOP that hands over the whole message is a download (fetchmail fetches with TOP n 99999999)', async () => {
  const server = await fresh(3);
  await server.store.settings.set(server.account.id, 'pop.after-retrieve', 'mark-read');
  const p = await pop(server, 'pop');
  const whole = await p.multi('TOP 1 99999999');
  const retr = await p.multi('RETR 2');
  assert.ok(whole.body.length > 0);
  await p.multi('TOP 3 1');
  await p.ok('QUIT');
  assert.deepEqual(await state(server, 'INBOX'), [[1, ['\\Seen']], [2, ['\\Seen']], [3, []]], 'TOP 3 1 was a peek');
  assert.ok(retr.body.length > 0);
});

for (const action of ['archive', 'trash'] as const) {
  test(`pop.after-retrieve=${action}: RETR + QUIT moves it (EXPUNGE in INBOX, the copy in ${action === 'archive' ? 'Archive' : 'Trash'})`, async () => {
    const server = await fresh(3);
    const target = action === 'archive' ? 'Archive' : 'Trash';
    await server.store.settings.set(server.account.id, 'pop.after-retrieve', action);
    const imap = await idle(server, 'idler');
    const p = await pop(server, 'pop');
    const retrieved = await p.multi('RETR 2');
    await p.ok('QUIT');
    assert.equal((await nextNotRecent(imap)).text, '* 2 EXPUNGE', imap.log.join('\n'));
    assert.deepEqual((await state(server, 'INBOX')).map(([uid]) => uid), [1, 3]);
    const moved = await server.store.messages.list((await server.mailbox(target)).id);
    assert.equal(moved.length, 1, `${target} holds the message`);
    const bytes = await (await server.store.messages.open(moved[0]!.blobHash)).read();
    assert.ok(bytes.equals(retrieved.body), `${target} holds the same message`);
    // An IMAP client sees it there.
    const other = await imapSelect(server, 'other', target);
    sockets.push(other);
    const st = await other.command(`STATUS INBOX (MESSAGES)`);
    assert.deepEqual(st.untagged.map((l) => l.text), ['* STATUS INBOX (MESSAGES 2)']);
    const f = await other.command('FETCH 1 (RFC822.SIZE)');
    assert.match(f.untagged[0]!.text, new RegExp(`RFC822\\.SIZE ${retrieved.body.length}\\b`));
  });
}

test('pop.after-retrieve=delete: RETR + QUIT removes it for good', async () => {
  const server = await fresh(3);
  await server.store.settings.set(server.account.id, 'pop.after-retrieve', 'delete');
  const imap = await idle(server, 'idler');
  const p = await pop(server, 'pop');
  await p.multi('RETR 1');
  await p.multi('RETR 3');
  await p.ok('QUIT');
  // UIDs 1 and 3 go, in either order: "* 1, * 2" (1 first, 3 is then number 2) or "* 3, * 1".
  const expunges = [(await nextNotRecent(imap)).text, (await nextNotRecent(imap)).text].join(', ');
  assert.ok(['* 1 EXPUNGE, * 2 EXPUNGE', '* 3 EXPUNGE, * 1 EXPUNGE'].includes(expunges), imap.log.join('\n'));
  assert.deepEqual(await snapshot(server), { INBOX: [[2, []]], Archive: [], Trash: [] });
});

test('classic DELE with imap.expunge-action=trash moves the message to Trash', async () => {
  const server = await fresh(2);
  await server.store.settings.set(server.account.id, 'imap.expunge-action', 'trash');
  const p = await pop(server, 'pop');
  await p.ok('DELE 1');
  await p.ok('QUIT');
  const s = await snapshot(server);
  assert.deepEqual(s.INBOX!.map(([uid]) => uid), [2]);
  assert.equal(s.Trash!.length, 1);
});

test('a connection dropped after RETR and DELE changes nothing; the lock is released', async (t) => {
  const server = await fresh(3);
  await server.store.settings.set(server.account.id, 'pop.after-retrieve', 'archive');
  const before = await snapshot(server);
  const imap = await idle(server, 'idler');
  const p = await pop(server, 'pop');
  await p.multi('RETR 1');
  await p.multi('RETR 2');
  await p.ok('DELE 2');
  await p.ok('DELE 3');
  p.destroy();
  const again = await loginAfterDrop(server, t, 'drop after RETR/DELE');
  assert.deepEqual(await snapshot(server), before, 'the store is as before the session');
  assert.deepEqual(await server.store.pop.recentDownloads(server.account.id, 5), [], 'no UPDATE was recorded');
  const list = await again.list();
  assert.equal(list.length, 3, 'the new session sees all three');
  await again.ok('QUIT');
  assert.deepEqual(imap.unread.map((l) => l.text).filter((x) => !/RECENT$/.test(x)), [], 'the IMAP client saw no change');
});

test('a connection dropped in the middle of a RETR changes nothing; the lock is released', async (t) => {
  const server = await fresh(1);
  await server.deliver('INBOX', bigMessage(8 * 1024 * 1024, 'drop-mid-retr'));
  await server.store.settings.set(server.account.id, 'pop.after-retrieve', 'delete');
  const before = await snapshot(server);
  const p = await pop(server, 'pop');
  await p.ok('DELE 1');
  p.send('RETR 2');
  await p.line(); // +OK, then the message starts streaming
  p.destroy();
  const again = await loginAfterDrop(server, t, 'drop during RETR');
  assert.deepEqual(await snapshot(server), before);
  assert.equal((await again.list()).length, 2);
  await again.ok('QUIT');
});

test('[IN-USE]: a second POP3 login is refused while a session holds the maildrop; IMAP is never blocked', async () => {
  const server = await fresh(3);
  const first = await pop(server, 'first');
  await first.multi('RETR 1');

  const second = await PopClient.open('second', server.popPort);
  sockets.push(second);
  await second.line();
  await second.ok(`USER ${server.user}`);
  const refused = await second.command(`PASS ${server.password}`, 'PASS ***');
  assert.match(refused.text, /^-ERR \[IN-USE\] /, second.log.join('\n'));
  // AUTH PLAIN is refused the same way (Thunderbird's path).
  const plain = Buffer.from(`\0${server.user}\0${server.password}`).toString('base64');
  if (!second.closed) {
    const r = await second.command(`AUTH PLAIN ${plain}`, 'AUTH PLAIN ***');
    assert.match(r.text, /^-ERR \[IN-USE\] /);
  }

  // IMAP works on the same mailbox meanwhile, changes included.
  const imap = await imapSelect(server, 'imap');
  sockets.push(imap);
  await imap.command('UID STORE 3 +FLAGS (\\Flagged)');
  await imap.command('UID MOVE 2 Archive');
  await imap.command('NOOP');

  await first.ok('DELE 1');
  await first.ok('QUIT');
  // The lock is free after QUIT.
  const third = await pop(server, 'third');
  const uids = await third.uidl();
  assert.equal(uids.length, 1, 'message 1 deleted by POP, 2 moved by IMAP: one left');
  await third.ok('QUIT');
  assert.deepEqual(await state(server, 'INBOX'), [[3, ['\\Flagged']]]);
});

test('inactivity autologout (pop3IdleMs 300): the session is closed and nothing is applied', async (t) => {
  const server = await fresh(3, { pop3IdleMs: 300 });
  await server.store.settings.set(server.account.id, 'pop.after-retrieve', 'mark-read');
  const before = await snapshot(server);
  const p = await pop(server, 'pop');
  await p.multi('RETR 1');
  await p.ok('DELE 2');
  const lastAt = performance.now();
  const closedAt = await p.waitClosed(5_000);
  const idleMs = round(closedAt - lastAt);
  t.diagnostic(`closed ${idleMs} ms after the last command (timeout 300 ms); the server said: ${JSON.stringify(p.pending)}`);
  assert.ok(idleMs >= 290, `closed too early: ${idleMs} ms`);
  assert.ok(idleMs < 2_000, `closed too late: ${idleMs} ms`);
  // RFC 1939 §3: on autologout the server closes "without removing any messages or sending any
  // response to the client".
  assert.equal(p.pending, '', 'no response before the close (RFC 1939 §3)');
  assert.deepEqual(await snapshot(server), before, 'nothing applied');
  const again = await loginAfterDrop(server, t, 'autologout');
  assert.equal((await again.list()).length, 3);
  await again.ok('QUIT');
});
