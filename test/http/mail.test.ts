/**
 * The mail API over the store (docs/web-api.md "Mail"): folders, pages, search, the reading
 * view with decoded text/HTML and attachments, raw and part downloads, flags, move, archive,
 * trash, empty; and that no id of another account reaches anything (404 everywhere).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { body, mail, startWebEnv, WebClient, type WebEnv } from './web-env.ts';

let env: WebEnv;
let alice: WebClient;
let bob: WebClient;

const RICH = [
  'From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.net>',
  'To: alice@example.org',
  'Reply-To: replies@example.net',
  'Subject: =?UTF-8?B?R3LDvMOfZQ==?=',
  'Date: Sun, 8 Nov 2026 10:00:00 +0000',
  'Message-ID: <rich@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=iso-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Gr=FC=DFe aus K=F6ln',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('<p>Grüße <b>aus</b> Köln</p><script>alert(1)</script>').toString('base64'),
  '--alt--',
  '--outer',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="=?UTF-8?Q?Bericht_=C3=BC.pdf?="',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 fake pdf bytes').toString('base64'),
  '--outer',
  'Content-Type: image/png',
  'Content-Disposition: inline; filename="dot.png"',
  'Content-ID: <dot@x>',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]).toString('base64'),
  '--outer',
  'Content-Type: image/svg+xml; name="x.svg"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64'),
  '--outer--',
  '',
].join('\r\n');

before(async () => {
  env = await startWebEnv();
  alice = await WebClient.signedIn(env.base, 'alice@example.org');
  bob = await WebClient.signedIn(env.base, 'bob@example.org');
});
after(async () => env?.close());

test('mailboxes in LIST order with counts', async () => {
  await env.deliver(env.alice, 'INBOX', mail(1));
  const r = await alice.get('/api/mailboxes');
  assert.equal(r.status, 200);
  const list = body<{ id: number; name: string; role: string | null; messages: number; unseen: number; size: number }[]>(r);
  assert.deepEqual(list.map((m) => m.name), ['INBOX', 'Archive', 'Drafts', 'Junk', 'Sent', 'Trash']);
  const inbox = list[0]!;
  assert.equal(inbox.role, 'inbox');
  assert.ok(inbox.messages >= 1 && inbox.unseen >= 1 && inbox.size > 0);
  assert.deepEqual(Object.keys(inbox).sort(), ['id', 'messages', 'name', 'role', 'size', 'unseen']);
});

test('pages newest first with a DATE.UID cursor; bad limits and cursors are 400', async () => {
  const box = await env.store.mailboxes.create(env.alice.id, 'Paging');
  for (let i = 0; i < 7; i++) await env.store.messages.append(env.alice.id, box.id, { raw: Buffer.from(mail(100 + i)), internalDate: Date.UTC(2026, 0, 1 + i) });
  const seen: number[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const r = await alice.get(`/api/mailboxes/${box.id}/messages?limit=3${next ? `&before=${next}` : ''}`);
    assert.equal(r.status, 200);
    const page = body<{ total: number; items: { uid: number; internalDate: number }[]; next: string | null }>(r);
    assert.equal(page.total, 7);
    seen.push(...page.items.map((i) => i.uid));
    next = page.next;
    if (next) assert.match(next, /^\d+\.\d+$/);
    pages++;
  } while (next);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [7, 6, 5, 4, 3, 2, 1]);
  const first = body<{ items: Record<string, unknown>[] }>(await alice.get(`/api/mailboxes/${box.id}/messages?limit=1`)).items[0]!;
  assert.deepEqual(Object.keys(first).sort(), ['baseSubject', 'cc', 'date', 'flags', 'from', 'hasAttachments', 'inReplyTo', 'internalDate', 'messageId', 'preview', 'references', 'size', 'subject', 'to', 'uid'].sort());
  for (const q of ['limit=0', 'limit=501', 'limit=x', 'before=abc', 'before=1.0', 'before=-0.2']) {
    const r = await alice.get(`/api/mailboxes/${box.id}/messages?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(body(r).error, 'invalid');
  }
});

test('search finds subject and body text, newest first', async () => {
  const box = await env.store.mailboxes.create(env.alice.id, 'Search');
  await env.store.messages.append(env.alice.id, box.id, { raw: Buffer.from(mail(200, 'quarterly numbers')) });
  await env.store.messages.append(env.alice.id, box.id, { raw: Buffer.from(mail(201, 'lunch')) });
  await env.store.messages.append(env.alice.id, box.id, { raw: Buffer.from(mail(202, 'Quarterly review')) });
  await env.store.idle();
  const r = await alice.get(`/api/mailboxes/${box.id}/search?q=${encodeURIComponent('QUARTERLY')}`);
  assert.equal(r.status, 200);
  assert.deepEqual(body<{ items: { subject: string }[] }>(r).items.map((i) => i.subject), ['Quarterly review', 'quarterly numbers']);
  const byBody = await alice.get(`/api/mailboxes/${box.id}/search?q=${encodeURIComponent('message 201')}`);
  assert.deepEqual(body<{ items: { subject: string }[] }>(byBody).items.map((i) => i.subject), ['lunch']);
  assert.equal((await alice.get(`/api/mailboxes/${box.id}/search?q=`)).status, 400);
});

test('the reading view: decoded text and HTML (as it is), attachments with part numbers, Reply-To', async () => {
  const uid = await env.deliver(env.alice, 'INBOX', RICH);
  const inbox = await env.mailbox(env.alice, 'INBOX');
  const r = await alice.get(`/api/mailboxes/${inbox.id}/messages/${uid}`);
  assert.equal(r.status, 200);
  const m = body<{
    subject: string;
    from: { name: string; address: string }[];
    text: string;
    html: string;
    hasAttachments: boolean;
    attachments: { part: string; filename: string; type: string; size: number; inline: boolean; contentId: string | null }[];
    headers: { replyTo: { address: string }[]; bcc: unknown[] };
  }>(r);
  assert.equal(m.subject, 'Grüße');
  assert.deepEqual(m.from, [{ name: 'Jürgen', address: 'juergen@example.net' }]);
  assert.equal(m.text.trim(), 'Grüße aus Köln');
  assert.equal(m.html, '<p>Grüße <b>aus</b> Köln</p><script>alert(1)</script>', 'HTML as it is: the app sanitises');
  assert.equal(m.hasAttachments, true);
  assert.deepEqual(
    m.attachments.map((a) => [a.part, a.filename, a.type, a.inline, a.contentId]),
    [
      ['2', 'Bericht ü.pdf', 'application/pdf', false, null],
      ['3', 'dot.png', 'image/png', true, 'dot@x'],
      ['4', 'x.svg', 'image/svg+xml', false, null],
    ],
  );
  assert.deepEqual(m.headers.replyTo.map((a) => a.address), ['replies@example.net']);
  assert.deepEqual(m.headers.bcc, []);

  const pdf = await alice.get(`/api/mailboxes/${inbox.id}/messages/${uid}/parts/2`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.text, '%PDF-1.4 fake pdf bytes', 'decoded from base64');
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.match(pdf.headers.get('content-disposition') ?? '', /^attachment; filename="Bericht _.pdf"; filename\*=UTF-8''Bericht%20%C3%BC\.pdf$/);
  assert.match(pdf.headers.get('content-security-policy') ?? '', /sandbox/);
  assert.equal(pdf.headers.get('x-content-type-options'), 'nosniff');
  const png = await fetch(`${env.base}/api/mailboxes/${inbox.id}/messages/${uid}/parts/3?inline=1`, { headers: { cookie: alice.cookie } });
  assert.match(png.headers.get('content-disposition') ?? '', /^inline;/);
  assert.deepEqual([...new Uint8Array(await png.arrayBuffer())], [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const svg = await alice.get(`/api/mailboxes/${inbox.id}/messages/${uid}/parts/4?inline=1`);
  assert.match(svg.headers.get('content-disposition') ?? '', /^attachment;/, 'SVG is never inline');
  for (const bad of ['9', '1.9', '0', 'x', '1..2']) {
    assert.equal((await alice.get(`/api/mailboxes/${inbox.id}/messages/${uid}/parts/${bad}`)).status, 404, bad);
  }
  const raw = await alice.get(`/api/mailboxes/${inbox.id}/messages/${uid}/raw`);
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get('content-type'), 'message/rfc822');
  assert.equal(raw.text, RICH);
});

test('flags: add and remove, the answer lists the new flags; bad flags are 400', async () => {
  const inbox = await env.mailbox(env.alice, 'INBOX');
  const uid = await env.deliver(env.alice, 'INBOX', mail(300));
  const r = await alice.post(`/api/mailboxes/${inbox.id}/flags`, { uids: [uid], add: ['\\Seen', '\\Flagged'] });
  assert.equal(r.status, 200);
  assert.deepEqual(body(r).changed, [{ uid, flags: ['\\Seen', '\\Flagged'] }]);
  const r2 = await alice.post(`/api/mailboxes/${inbox.id}/flags`, { uids: [uid], remove: ['\\Seen'] });
  assert.deepEqual(body(r2).changed, [{ uid, flags: ['\\Flagged'] }]);
  assert.equal((await alice.post(`/api/mailboxes/${inbox.id}/flags`, { uids: [uid] })).status, 400);
  assert.equal((await alice.post(`/api/mailboxes/${inbox.id}/flags`, { uids: [], add: ['\\Seen'] })).status, 400);
  assert.equal((await alice.post(`/api/mailboxes/${inbox.id}/flags`, { uids: [uid], add: ['\\Bogus'] })).status, 400);
});

test('move, archive, trash (and in Trash: delete for good), empty Trash/Junk only', async () => {
  const inbox = await env.mailbox(env.alice, 'INBOX');
  const archive = await env.mailbox(env.alice, 'Archive');
  const trash = await env.mailbox(env.alice, 'Trash');
  const junk = await env.mailbox(env.alice, 'Junk');
  const projects = await env.store.mailboxes.create(env.alice.id, 'Projects');
  const a = await env.deliver(env.alice, 'INBOX', mail(401));
  const b = await env.deliver(env.alice, 'INBOX', mail(402));
  const c = await env.deliver(env.alice, 'INBOX', mail(403));

  const moved = await alice.post(`/api/mailboxes/${inbox.id}/move`, { uids: [a], to: projects.id });
  assert.equal(moved.status, 200);
  assert.deepEqual(body(moved).moved, [[a, 1]]);
  assert.equal((await alice.post(`/api/mailboxes/${inbox.id}/move`, { uids: [b], to: inbox.id })).status, 400);

  const archived = await alice.post(`/api/mailboxes/${inbox.id}/archive`, { uids: [b] });
  assert.deepEqual(body(archived).moved, [[b, 1]]);
  assert.equal((await env.store.messages.list(archive.id)).length, 1);

  const trashed = await alice.post(`/api/mailboxes/${inbox.id}/trash`, { uids: [c] });
  assert.deepEqual(body(trashed).moved, [[c, 1]]);
  const gone = await alice.post(`/api/mailboxes/${trash.id}/trash`, { uids: [1] });
  assert.deepEqual(body(gone), { moved: [], deleted: [1] });
  assert.equal((await env.store.messages.list(trash.id)).length, 0);

  await env.deliver(env.alice, 'Junk', mail(404));
  await env.deliver(env.alice, 'Junk', mail(405));
  const emptied = await alice.post(`/api/mailboxes/${junk.id}/empty`);
  assert.deepEqual(body(emptied), { deleted: [1, 2] });
  const refused = await alice.post(`/api/mailboxes/${inbox.id}/empty`);
  assert.equal(refused.status, 403);
  assert.equal(body(refused).error, 'forbidden');
});

test("no account reaches another's mailboxes or messages: 404 everywhere", async () => {
  const inbox = await env.mailbox(env.alice, 'INBOX');
  const trash = await env.mailbox(env.alice, 'Trash');
  const bobInbox = await env.mailbox(env.bob, 'INBOX');
  const uid = await env.deliver(env.alice, 'INBOX', RICH);
  const bobUid = await env.deliver(env.bob, 'INBOX', mail(500));
  const id = inbox.id;
  const attempts: [string, string, unknown?][] = [
    ['GET', `/api/mailboxes/${id}/messages`],
    ['GET', `/api/mailboxes/${id}/search?q=x`],
    ['GET', `/api/mailboxes/${id}/messages/${uid}`],
    ['GET', `/api/mailboxes/${id}/messages/${uid}/raw`],
    ['GET', `/api/mailboxes/${id}/messages/${uid}/parts/2`],
    ['POST', `/api/mailboxes/${id}/flags`, { uids: [uid], add: ['\\Seen'] }],
    ['POST', `/api/mailboxes/${id}/move`, { uids: [uid], to: bobInbox.id }],
    ['POST', `/api/mailboxes/${bobInbox.id}/move`, { uids: [bobUid], to: id }],
    ['POST', `/api/mailboxes/${id}/archive`, { uids: [uid] }],
    ['POST', `/api/mailboxes/${id}/trash`, { uids: [uid] }],
    ['POST', `/api/mailboxes/${trash.id}/empty`],
    ['GET', `/api/mailboxes/999999/messages`],
  ];
  for (const [method, path, payload] of attempts) {
    const r = await bob.request(method, path, payload ?? (method === 'POST' ? {} : undefined));
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.equal(body(r).error, 'not-found');
  }
  const still = await env.store.messages.get(id, uid);
  assert.ok(still && !still.flags.includes('\\Seen'), "alice's message is untouched");
  assert.equal((await env.store.messages.list(bobInbox.id)).length, 1, "bob's message did not move into alice's mailbox");
  assert.ok(!body<{ name: string }[]>(await bob.get('/api/mailboxes')).some((m) => m.name === 'Projects'));
});
