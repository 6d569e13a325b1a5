/**
 * Send and drafts (docs/web-api.md "Mail"): through the submission pipeline SMTP uses, the
 * message arrives in the recipient's INBOX without Bcc, is filed in the sender's Sent with Bcc,
 * remote recipients go to the queue; errors 400/413/429.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { body, PASSWORD, startWebEnv, WebClient, type WebEnv } from './web-env.ts';

let env: WebEnv;
let alice: WebClient;

before(async () => {
  env = await startWebEnv({ config: { smtp: { 'send-rate': 5 } } });
  alice = await WebClient.signedIn(env.base, 'alice@example.org');
});
after(async () => env?.close());

async function rawOf(accountId: number, mailboxId: number, uid: number): Promise<string> {
  const meta = await env.store.messages.get(mailboxId, uid);
  assert.ok(meta, `uid ${uid} exists`);
  return (await (await env.store.messages.open(meta.blobHash)).read()).toString('utf8');
}

test('send: arrives in the local recipient INBOX (no Bcc), in Sent with Bcc, remote Bcc queued', async () => {
  const r = await alice.post('/api/send', {
    to: ['Bob <bob@example.org>'],
    bcc: ['carol@remote.example'],
    subject: 'Grüße from the web',
    text: 'Hello Bob',
    html: '<p>Hello <b>Bob</b></p>',
    attachments: [{ filename: 'notes.txt', type: 'text/plain', data: Buffer.from('attached words').toString('base64') }],
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(body(r).queued, 1);
  assert.equal(body(r).delivered, 1);
  const bobInbox = await env.mailbox(env.bob, 'INBOX');
  const [arrived] = await env.store.messages.list(bobInbox.id);
  assert.ok(arrived);
  const got = await rawOf(env.bob.id, bobInbox.id, arrived.uid);
  assert.match(got, /^Received: from web \(\[127\.0\.0\.1\]\)/);
  assert.match(got, /\r\nFrom: alice@example\.org\r\n/);
  assert.match(got, /\r\nMessage-ID: <[^>]+@example\.org>\r\n/);
  assert.match(got, /\r\nDate: /);
  assert.doesNotMatch(got, /^Bcc:/im);
  assert.doesNotMatch(got, /carol@remote/);
  const view = body<{ text: string; html: string; attachments: { filename: string }[]; subject: string }>(await (await WebClient.signedIn(env.base, 'bob@example.org')).get(`/api/mailboxes/${bobInbox.id}/messages/${arrived.uid}`));
  assert.equal(view.subject, 'Grüße from the web');
  assert.equal(view.text.trim(), 'Hello Bob');
  assert.equal(view.html, '<p>Hello <b>Bob</b></p>');
  assert.deepEqual(view.attachments.map((a) => a.filename), ['notes.txt']);

  const sent = await env.mailbox(env.alice, 'Sent');
  const [copy] = await env.store.messages.list(sent.id);
  assert.ok(copy);
  assert.deepEqual(copy.flags, ['\\Seen']);
  const sentRaw = await rawOf(env.alice.id, sent.id, copy.uid);
  assert.match(sentRaw, /^Bcc: carol@remote\.example\r$/m, 'the Sent copy keeps Bcc');
  assert.doesNotMatch(sentRaw, /^Received:/, 'the Sent copy is the message as written');

  assert.equal(env.outbox.length, 1);
  assert.deepEqual(env.outbox[0]!.recipients, ['carol@remote.example']);
  assert.equal(env.outbox[0]!.sender, 'alice@example.org');
  assert.equal(env.outbox[0]!.accountId, env.alice.id);
  assert.doesNotMatch(env.outbox[0]!.raw.toString(), /^Bcc:/im);
});

test('send refuses: no recipients, unknown local address, bad address, too many recipients', async () => {
  for (const [payload, pattern] of [
    [{ to: [], subject: 'x', text: 'x' }, /at least one recipient/],
    [{ to: ['nobody@example.org'], subject: 'x', text: 'x' }, /no such address/],
    [{ to: ['not an address'], subject: 'x', text: 'x' }, /not an email address|no such address/],
    [{ to: 'bob@example.org', subject: 'x', text: 'x' }, /to/],
  ] as const) {
    const r = await alice.post('/api/send', payload);
    assert.equal(r.status, 400, JSON.stringify(payload));
    assert.equal(body(r).error, 'invalid');
    assert.match(String(body(r).message), pattern);
  }
});

test('oversized uploads: 413 too-big with a message', async () => {
  const { app } = env.app();
  const local = { incoming: { socket: { remoteAddress: '127.0.0.1', encrypted: false } } };
  const login = await app.request('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: 'alice@example.org', password: PASSWORD }) }, local);
  const { csrf } = (await login.json()) as { csrf: string };
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const huge = 'A'.repeat(90 * 1024 * 1024);
  const r = await app.request('/api/send', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ to: ['bob@example.org'], subject: 'big', text: 'x', attachments: [{ filename: 'a.bin', type: 'application/octet-stream', data: huge }] }),
  }, local);
  assert.equal(r.status, 413);
  const j = (await r.json()) as { error: string; message: string };
  assert.equal(j.error, 'too-big');
  assert.match(j.message, /too big/);
});

test('drafts: stored with \\Draft \\Seen (Bcc kept), the replaced draft is deleted', async () => {
  const drafts = await env.mailbox(env.alice, 'Drafts');
  const first = await alice.post('/api/drafts', { to: ['bob@example.org'], bcc: ['x@remote.example'], subject: 'draft 1', text: 'first words' });
  assert.equal(first.status, 200);
  const uid1 = Number(body(first).uid);
  const second = await alice.post('/api/drafts', { to: [], subject: 'draft 2', text: 'more words', replaces: uid1 });
  const uid2 = Number(body(second).uid);
  const list = await env.store.messages.list(drafts.id);
  assert.deepEqual(list.map((m) => m.uid), [uid2]);
  assert.deepEqual([...list[0]!.flags].sort(), ['\\Draft', '\\Seen']);
  const raw1 = body<{ subject: string }>(await alice.get(`/api/mailboxes/${drafts.id}/messages/${uid2}`));
  assert.equal(raw1.subject, 'draft 2');
  assert.equal(env.outbox.filter((m) => m.raw.toString().includes('draft')).length, 0, 'drafts are never sent');
});

test('the sending rate is shared with SMTP: 429 rate-limited with retry-after', async () => {
  // send-rate 5 per hour; one message went out in the first test.
  let last = await alice.post('/api/send', { to: ['bob@example.org'], subject: 'r', text: 'r' });
  for (let i = 0; i < 5 && last.status === 200; i++) last = await alice.post('/api/send', { to: ['bob@example.org'], subject: 'r', text: 'r' });
  assert.equal(last.status, 429);
  assert.equal(body(last).error, 'rate-limited');
  assert.match(last.headers.get('retry-after') ?? '', /^\d+$/);
});
