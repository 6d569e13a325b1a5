/**
 * Every pop.enabled (all / from-now-on / off) x pop.mode (classic / gmail) combination, end to
 * end over the wire with the store as the account's settings page would set it, and the
 * `recent:ADDRESS` login of gmail mode: the last 30 days of INBOX and Archive, downloaded or not.
 *
 * Each case: two "old" messages (INTERNALDATE a day before the setting is chosen), the settings
 * set, then one "new" message delivered. Session 1 retrieves message 1 of its maildrop and
 * QUITs (pop.after-retrieve=keep), session 2 shows what a later download sees.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { imapSelect, plainMessage, PopClient, startPopServer, type PopTestServer } from '../helpers/pop3-env.ts';

const DAY = 24 * 60 * 60 * 1000;
const servers: PopTestServer[] = [];
const clients: { destroy?: () => void; close?: () => void }[] = [];

after(async () => {
  for (const c of clients) (c.destroy ?? c.close)?.call(c);
  for (const s of servers) await s.close();
});

async function pop(server: PopTestServer, user = server.user): Promise<PopClient> {
  const c = await PopClient.login('pop', server.popPort, user, server.password);
  clients.push(c);
  return c;
}

/** The maildrop as [message number, subject] through TOP n 0. */
async function subjects(c: PopClient): Promise<string[]> {
  const out: string[] = [];
  for (const [n] of await c.list()) {
    const top = await c.multi(`TOP ${n} 0`);
    out.push(/^Subject: (.*)$/m.exec(top.body.toString('utf8'))?.[1]?.trim() ?? '?');
  }
  return out;
}

interface Expect {
  /** Subjects listed by the first session. */
  readonly first: string[];
  /** Subjects listed after the first session retrieved its message 1 and QUIT. */
  readonly second: string[];
}

const cases: Record<string, Expect | 'off'> = {
  'all/classic': { first: ['old 1', 'old 2', 'new 3'], second: ['old 1', 'old 2', 'new 3'] },
  'all/gmail': { first: ['old 1', 'old 2', 'new 3'], second: ['old 2', 'new 3'] },
  'from-now-on/classic': { first: ['new 3'], second: ['new 3'] },
  'from-now-on/gmail': { first: ['new 3'], second: [] },
  'off/classic': 'off',
  'off/gmail': 'off',
};

for (const [name, expect] of Object.entries(cases)) {
  const [enabled, mode] = name.split('/') as [string, string];
  test(`pop.enabled=${enabled}, pop.mode=${mode}`, async () => {
    const server = await startPopServer();
    servers.push(server);
    const now = Date.now();
    await server.deliver('INBOX', plainMessage(1, 'old 1'), [], now - DAY - 2_000);
    await server.deliver('INBOX', plainMessage(2, 'old 2'), [], now - DAY - 1_000);
    await server.store.settings.set(server.account.id, 'pop.enabled', enabled);
    await server.store.settings.set(server.account.id, 'pop.mode', mode);
    await server.deliver('INBOX', plainMessage(3, 'new 3'));

    if (expect === 'off') {
      const c = await PopClient.open('off', server.popPort);
      clients.push(c);
      await c.line();
      await c.ok(`USER ${server.user}`);
      const r = await c.command(`PASS ${server.password}`, 'PASS ***');
      assert.match(r.text, /^-ERR \[AUTH\] POP3 is turned off for this account/);
      assert.match(r.text, /pop\.enabled/, 'says where to turn it on');
      const plain = Buffer.from(`\0${server.user}\0${server.password}`).toString('base64');
      if (!c.closed) assert.match((await c.command(`AUTH PLAIN ${plain}`, 'AUTH PLAIN ***')).text, /^-ERR \[AUTH\] POP3 is turned off/);
      // IMAP is not affected.
      const imap = await imapSelect(server, 'imap');
      clients.push(imap);
      await imap.command('LOGOUT');
      return;
    }

    const s1 = await pop(server);
    assert.deepEqual(await subjects(s1), expect.first, 'first session');
    await s1.multi('RETR 1');
    await s1.ok('QUIT');
    const s2 = await pop(server);
    assert.deepEqual(await subjects(s2), expect.second, 'after the first session retrieved its message 1');
    await s2.ok('QUIT');
    // after-retrieve=keep: nothing left INBOX, nothing was marked read.
    const inbox = await server.mailbox('INBOX');
    const stored = await server.store.messages.list(inbox.id);
    assert.deepEqual(
      stored.map((m) => [m.uid, [...m.flags]]),
      [
        [1, []],
        [2, []],
        [3, []],
      ],
    );
  });
}

test('recent:ADDRESS in gmail mode: the last 30 days of INBOX and Archive, downloaded and archived ones included', async () => {
  const server = await startPopServer();
  servers.push(server);
  const now = Date.now();
  await server.store.settings.set(server.account.id, 'pop.mode', 'gmail');
  await server.store.settings.set(server.account.id, 'pop.after-retrieve', 'archive');
  await server.deliver('INBOX', plainMessage(1, 'forty days old'), [], now - 40 * DAY);
  await server.deliver('INBOX', plainMessage(2, 'two days old'), [], now - 2 * DAY);
  await server.deliver('INBOX', plainMessage(3, 'today'), [], now - 60_000);
  await server.deliver('Archive', plainMessage(4, 'archived in IMAP'), [], now - DAY);
  await server.deliver('Archive', plainMessage(5, 'archived long ago'), [], now - 31 * DAY);

  // The first computer downloads "two days old": archived and remembered as downloaded.
  const s1 = await pop(server);
  assert.deepEqual(await subjects(s1), ['forty days old', 'two days old', 'today']);
  const uidl1 = new Map((await s1.uidl()).map(([n, id]) => [n, id]));
  await s1.multi('RETR 2');
  await s1.ok('QUIT');
  const archive = await server.mailbox('Archive');
  assert.equal((await server.store.messages.list(archive.id)).length, 3, 'archived by after-retrieve');

  // A normal gmail session no longer lists it.
  const s2 = await pop(server);
  assert.deepEqual(await subjects(s2), ['forty days old', 'today']);
  await s2.ok('QUIT');

  // The second computer with recent: sees the last 30 days whatever happened to them.
  const r = await pop(server, `recent:${server.user}`);
  assert.deepEqual(await subjects(r), ['two days old', 'archived in IMAP', 'today'], 'by INTERNALDATE, 30 days');
  const recentUidl = new Map((await r.uidl()).map(([n, id]) => [n, id]));
  assert.equal(recentUidl.get(1), uidl1.get(2), 'the downloaded and archived message keeps its UIDL');
  await r.multi('RETR 3');
  await r.ok('QUIT');
  // recent: sessions follow gmail rules too: "today" archived, downloaded.
  const s3 = await pop(server);
  assert.deepEqual(await subjects(s3), ['forty days old']);
  await s3.ok('QUIT');
  const again = await pop(server, `RECENT:${server.user}`);
  assert.deepEqual(await subjects(again), ['two days old', 'archived in IMAP', 'today'], 'still listed (case-insensitive prefix)');
  await again.ok('QUIT');
});
