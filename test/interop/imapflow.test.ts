/**
 * Interop: imapflow (npm, the client library behind many Node mail apps) runs a full session
 * against the real server: login, LIST with special-use, STATUS, SELECT, APPEND (APPENDUID),
 * FETCH of every common item, STORE, SEARCH, COPY/MOVE (COPYUID), EXPUNGE, mailbox management,
 * IDLE notifications seen by a second client, and STARTTLS.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { startInteropServer, withTimeout, type InteropServer } from '../helpers/interop-env.ts';

let server: InteropServer;
const clients: ImapFlow[] = [];

before(async () => {
  server = await startInteropServer();
});

after(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

async function connectClient(extra: Partial<ImapFlowOptions> = {}): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    logger: false,
    // imapflow upgrades opportunistically when STARTTLS is offered; plain unless a test asks.
    doSTARTTLS: false,
    auth: { user: server.user, pass: server.password },
    ...extra,
  });
  client.on('error', () => undefined);
  clients.push(client);
  await withTimeout(client.connect(), 10_000, 'imapflow connect + login');
  return client;
}

const RAW = Buffer.from(
  [
    'From: Carol Sender <carol@example.net>',
    'To: Alice <alice@example.org>',
    'Subject: Quarterly numbers',
    'Date: Tue, 3 Nov 2026 09:30:00 +0100',
    'Message-ID: <q1@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Numbers are up.',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Numbers are up.</p>',
    '--b1--',
    '',
  ].join('\r\n'),
);

const plain = (n: number, subject: string, from = 'dave@example.com'): Buffer =>
  Buffer.from(
    `From: ${from}\r\nTo: alice@example.org\r\nSubject: ${subject}\r\nDate: Wed, 4 Nov 2026 08:00:00 +0000\r\n` +
      `Message-ID: <p${n}@example.com>\r\n\r\nBody ${n}\r\n`,
  );

test('imapflow: login, LIST with special-use, STATUS, SELECT', async () => {
  const c = await connectClient();
  assert.equal(c.authenticated, true);
  assert.ok(c.capabilities.has('IDLE') && c.capabilities.has('UIDPLUS') && c.capabilities.has('MOVE'));
  const list = await c.list();
  const byPath = new Map(list.map((m) => [m.path, m]));
  assert.deepEqual([...byPath.keys()].sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
  const special = Object.fromEntries(list.map((m) => [m.path, [m.specialUse, m.specialUseSource]]));
  assert.deepEqual(special, {
    INBOX: ['\\Inbox', 'name'],
    Sent: ['\\Sent', 'extension'],
    Drafts: ['\\Drafts', 'extension'],
    Trash: ['\\Trash', 'extension'],
    Junk: ['\\Junk', 'extension'],
    Archive: ['\\Archive', 'extension'],
  });
  assert.equal(byPath.get('Sent')!.delimiter, '/');

  await server.deliver('INBOX', plain(1, 'seed one'));
  const st = await c.status('INBOX', { messages: true, unseen: true, uidNext: true, uidValidity: true, recent: true });
  assert.ok(st);
  assert.equal(st.messages, 1);
  assert.equal(st.unseen, 1);
  assert.equal(st.uidNext, 2);
  const inbox = await server.mailbox('INBOX');
  assert.equal(st.uidValidity, BigInt(inbox.uidValidity));

  const mb = await c.mailboxOpen('INBOX');
  assert.equal(mb.path, 'INBOX');
  assert.equal(mb.exists, 1);
  assert.equal(mb.uidNext, 2);
  assert.equal(mb.uidValidity, BigInt(inbox.uidValidity));
  assert.ok(mb.permanentFlags?.has('\\Seen'));
  await c.logout();
});

test('imapflow: APPEND with flags and date, FETCH of every common item', async () => {
  const c = await connectClient();
  const date = new Date('2026-11-03T08:30:00Z');
  const res = await c.append('INBOX', RAW, ['\\Flagged', '$Work'], date);
  assert.ok(res);
  const inbox = await server.mailbox('INBOX');
  assert.equal(res.uid, 2, 'APPENDUID gives the new UID');
  assert.equal(res.uidValidity, BigInt(inbox.uidValidity), 'APPENDUID gives the UIDVALIDITY');

  await c.mailboxOpen('INBOX');
  const msg = await c.fetchOne(
    '2',
    { uid: true, flags: true, envelope: true, bodyStructure: true, source: true, size: true, internalDate: true },
    { uid: true },
  );
  assert.ok(msg);
  assert.equal(msg.uid, 2);
  assert.equal(msg.seq, 2);
  assert.ok(msg.source && msg.source.equals(RAW), 'BODY[] equals the appended bytes');
  assert.equal(msg.size, RAW.length, 'RFC822.SIZE equals the octets of BODY[]');
  assert.deepEqual([...(msg.flags ?? [])].sort(), ['$Work', '\\Flagged']);
  assert.equal(new Date(msg.internalDate!).getTime(), date.getTime());
  const env = msg.envelope!;
  assert.equal(env.subject, 'Quarterly numbers');
  assert.equal(env.messageId, '<q1@example.net>');
  assert.deepEqual(env.from, [{ name: 'Carol Sender', address: 'carol@example.net' }]);
  assert.deepEqual(env.to, [{ name: 'Alice', address: 'alice@example.org' }]);
  assert.equal(new Date(env.date ?? 0).toISOString(), '2026-11-03T08:30:00.000Z');
  const bs = msg.bodyStructure!;
  assert.equal(bs.type, 'multipart/alternative');
  assert.deepEqual(
    bs.childNodes?.map((p) => [p.part, p.type, p.parameters?.charset]),
    [
      ['1', 'text/plain', 'utf-8'],
      ['2', 'text/html', 'utf-8'],
    ],
  );

  const part = await c.download('2', '2', { uid: true });
  const chunks: Buffer[] = [];
  assert.ok(part.content, 'BODY[2] was downloaded');
  for await (const chunk of part.content) chunks.push(chunk as Buffer);
  assert.equal(Buffer.concat(chunks).toString('utf8'), '<p>Numbers are up.</p>');

  const all = await c.fetchAll('1:*', { uid: true, flags: true });
  assert.deepEqual(
    all.map((m) => [m.seq, m.uid]),
    [
      [1, 1],
      [2, 2],
    ],
  );
  await c.logout();
});

test('imapflow: STORE, SEARCH, COPY/MOVE with COPYUID, EXPUNGE', async () => {
  const c = await connectClient();
  await c.mailboxOpen('INBOX');
  for (let n = 3; n <= 5; n++) await c.append('INBOX', plain(n, `batch ${n}`, n === 4 ? 'erin@example.com' : undefined));

  assert.equal(await c.messageFlagsAdd('1:2', ['\\Seen', 'Later'], { uid: true }), true);
  let f = await c.fetchAll('1:2', { flags: true }, { uid: true });
  assert.deepEqual(f.map((m) => [...(m.flags ?? [])].sort()), [
    ['Later', '\\Seen'],
    ['$Work', 'Later', '\\Flagged', '\\Seen'],
  ]);
  assert.equal(await c.messageFlagsRemove('2', ['Later', '\\Flagged'], { uid: true }), true);
  f = await c.fetchAll('2', { flags: true }, { uid: true });
  assert.deepEqual([...(f[0]!.flags ?? [])].sort(), ['$Work', '\\Seen']);

  assert.deepEqual(await c.search({ seen: true }, { uid: true }), [1, 2]);
  assert.deepEqual(await c.search({ seen: false }, { uid: true }), [3, 4, 5]);
  assert.deepEqual(await c.search({ from: 'erin' }, { uid: true }), [4]);
  assert.deepEqual(await c.search({ subject: 'quarterly' }, { uid: true }), [2]);
  assert.deepEqual(await c.search({ uid: '2:4' }, { uid: true }), [2, 3, 4]);
  assert.deepEqual(await c.search({ uid: '4:*', seen: false }, { uid: true }), [4, 5]);
  assert.deepEqual(await c.search({ keyword: '$Work' }), [2]);

  const archive = await server.mailbox('Archive');
  const copied = await c.messageCopy('1:2', 'Archive', { uid: true });
  assert.ok(copied);
  assert.equal(copied.uidValidity, BigInt(archive.uidValidity));
  assert.deepEqual([...(copied.uidMap ?? new Map<number, number>())], [
    [1, 1],
    [2, 2],
  ]);
  const moved = await c.messageMove('3', 'Archive', { uid: true });
  assert.ok(moved);
  assert.deepEqual([...(moved.uidMap ?? new Map<number, number>())], [[3, 3]]);
  assert.deepEqual(await c.search({ all: true }, { uid: true }), [1, 2, 4, 5]);
  const inArchive = await server.store.messages.list(archive.id);
  assert.deepEqual(inArchive.map((m) => m.uid), [1, 2, 3]);

  assert.equal(await c.messageDelete('4', { uid: true }), true);
  assert.deepEqual(await c.search({ all: true }, { uid: true }), [1, 2, 5]);
  const inbox = await server.mailbox('INBOX');
  assert.deepEqual((await server.store.messages.list(inbox.id)).map((m) => m.uid), [1, 2, 5]);
  await c.logout();
});

/** CREATE a parent/child pair, APPEND into the child, RENAME the parent, DELETE both. */
async function mailboxLifecycle(c: ImapFlow, parent: string, child: string, renamed: string): Promise<void> {
  const created = await c.mailboxCreate([parent, child]);
  assert.equal(created.path, `${parent}/${child}`);
  assert.equal(created.created, true);
  await c.append(`${parent}/${child}`, plain(9, 'in a child'));
  const res = await c.mailboxRename(parent, renamed);
  assert.equal(res.newPath, renamed);
  const paths = (await c.list()).map((m) => m.path);
  assert.ok(paths.includes(`${renamed}/${child}`), `children move along: ${paths.join(', ')}`);
  assert.ok(!paths.some((p) => p.startsWith(parent)), paths.join(', '));
  const st = await c.status(`${renamed}/${child}`, { messages: true });
  assert.ok(st);
  assert.equal(st.messages, 1);
  await c.mailboxDelete(`${renamed}/${child}`);
  await c.mailboxDelete(renamed);
  const left = (await c.list()).map((m) => m.path);
  assert.ok(!left.some((p) => p.startsWith(renamed)), left.join(', '));
  await assert.rejects(c.mailboxOpen(`${renamed}/${child}`));
}

/** Rethrows an imapflow command failure with the command and the server's answer in the message. */
async function explained<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const e = err as { executedCommand?: string; response?: string };
    if (!e.executedCommand) throw err;
    throw new Error(`C: ${e.executedCommand}\nS: ${e.response ?? '(no response)'}`, { cause: err });
  }
}

test('imapflow: CREATE, RENAME (with children), DELETE', async () => {
  const c = await connectClient();
  await explained(mailboxLifecycle(c, 'Projects', 'Q4 plans', 'Work'));
  await c.logout();
});

test('imapflow: non-ASCII mailbox names in an IMAP4rev1 session (modified UTF-7)', async () => {
  const c = await connectClient({ disableIMAP4rev2: true });
  await explained(mailboxLifecycle(c, 'Entwürfe', 'Zürich', 'Ablage'));
  await c.logout();
});

// imapflow ENABLEs IMAP4rev2 and then sends mailbox names as UTF-8, as RFC 9051 §5.1 allows
// (modified UTF-7 is only for IMAP4rev1 compatibility; RFC 9755 notes rev2 includes UTF-8).
test('imapflow: non-ASCII mailbox names in an IMAP4rev2 session (UTF-8)', async () => {
  const c = await connectClient();
  assert.ok(c.enabled.has('IMAP4REV2'), 'imapflow enabled IMAP4rev2');
  await explained(mailboxLifecycle(c, 'Entwürfe', 'Zürich', 'Ablage'));
  await c.logout();
});

test('imapflow: a second client in IDLE sees exists, flags and expunge in order', async () => {
  const actor = await connectClient();
  const idler = await connectClient();
  await actor.mailboxOpen('INBOX');
  const opened = await idler.mailboxOpen('INBOX');
  const events: string[] = [];
  let wake: (() => void) | null = null;
  const record = (e: string): void => {
    events.push(e);
    wake?.();
  };
  const waitFor = (prefix: string): Promise<void> =>
    withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (events.some((e) => e.startsWith(prefix))) {
            wake = null;
            resolve();
          }
        };
        wake = check;
        check();
      }),
      5_000,
      `${prefix}; events so far: ${events.join(' | ')}`,
    );
  idler.on('exists', (e) => record(`exists ${e.count} (was ${e.prevCount})`));
  idler.on('flags', (e) => record(`flags seq=${e.seq} uid=${e.uid} ${[...e.flags].sort().join(' ')}`));
  idler.on('expunge', (e) => record(`expunge seq=${e.seq}`));
  const idling = idler.idle();
  // The idler must actually be in IDLE (continuation received) before the actor acts.
  // imapflow has no event for it; check on each turn of the event loop, for at most 5 s.
  const idleBy = performance.now() + 5_000;
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (idler.idling) resolve();
      else if (performance.now() > idleBy) reject(new Error('imapflow did not enter IDLE within 5 s'));
      else setImmediate(check);
    };
    check();
  });

  const base = opened.exists;
  const appended = await actor.append('INBOX', plain(20, 'idle arrival'));
  assert.ok(appended && appended.uid);
  await waitFor('exists');
  await actor.messageFlagsAdd(String(appended.uid), ['\\Seen'], { uid: true });
  await waitFor('flags');
  await actor.messageDelete(String(appended.uid), { uid: true });
  await waitFor('expunge');
  assert.deepEqual(events, [
    `exists ${base + 1} (was ${base})`,
    `flags seq=${base + 1} uid=${appended.uid} \\Seen`,
    // messageDelete is STORE +FLAGS (\Deleted) then EXPUNGE: both reach the idler.
    `flags seq=${base + 1} uid=${appended.uid} \\Deleted \\Seen`,
    `expunge seq=${base + 1}`,
  ]);
  await idler.noop();
  await withTimeout(idling, 5_000, 'IDLE to end');
  await idler.logout();
  await actor.logout();
});

test('imapflow: STARTTLS (doSTARTTLS) then a normal session', async () => {
  const c = await connectClient({ doSTARTTLS: true, tls: { rejectUnauthorized: false } });
  assert.equal(c.secureConnection, true, 'the connection was upgraded');
  assert.ok(c.tls, 'TLS details are known');
  const mb = await c.mailboxOpen('INBOX', { readOnly: true });
  assert.equal(mb.readOnly, true);
  const msg = await c.fetchOne('2', { source: true }, { uid: true });
  assert.ok(msg && msg.source?.equals(RAW), 'the same bytes over TLS');
  await c.logout();
});
