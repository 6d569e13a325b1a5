/**
 * Live updates (docs/web-api.md "Live updates"): a change made over IMAP reaches the SSE stream
 * within 1 s; a change made on the web reaches an idling IMAP client within 100 ms; reconnects
 * with Last-Event-ID get what they missed (or `reset`); heartbeats; closing unsubscribes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ChangeListener } from '../../src/store/changes.ts';
import { LineClient } from '../helpers/interop-lines.ts';
import { mail, PASSWORD, startWebEnv, WebClient, type WebEnv } from './web-env.ts';
import { SseClient } from './sse-client.ts';

let env: WebEnv;
let alice: WebClient;
let active = 0;
const clients: LineClient[] = [];
const streams: SseClient[] = [];

before(async () => {
  env = await startWebEnv({ http: { events: { heartbeatMs: 100, replayMax: 3 } } });
  alice = await WebClient.signedIn(env.base, 'alice@example.org');
  // Count live subscriptions to prove that closed streams unsubscribe.
  const feed = env.store.changes;
  const original = feed.subscribe.bind(feed);
  feed.subscribe = (accountId: number, listener: ChangeListener) => {
    active++;
    const unsubscribe = original(accountId, listener);
    let once = false;
    return () => {
      if (!once) active--;
      once = true;
      unsubscribe();
    };
  };
});
after(async () => {
  for (const c of clients) c.close();
  for (const s of streams) await s.close();
  await env?.close();
});

async function stream(headers: Record<string, string> = {}): Promise<SseClient> {
  const s = await SseClient.open(`${env.base}/api/events`, { cookie: alice.cookie, ...headers });
  streams.push(s);
  await s.waitFor(() => s.events.length > 0);
  return s;
}

async function imap(): Promise<LineClient> {
  const c = await LineClient.open(`c${clients.length + 1}`, env.port);
  clients.push(c);
  await c.next();
  await c.command(`LOGIN alice@example.org ${PASSWORD}`);
  return c;
}

test('the stream opens with `ready` (the latest change id) and carries a change made over IMAP within 1 s', async () => {
  const uid = await env.deliver(env.alice, 'INBOX', mail(1));
  const s = await stream();
  assert.equal(s.status, 200);
  const ready = s.events[0]!;
  assert.equal(ready.event, 'ready');
  assert.equal(ready.id, String(await env.store.changes.lastSeq(env.alice.id)));
  const c = await imap();
  await c.command('SELECT INBOX');
  const sent = await c.command(`UID STORE ${uid} +FLAGS (\\Flagged)`);
  await s.waitFor(() => s.events.some((e) => e.event === 'change' && e.data.includes('Flagged')), 1000);
  const ev = s.events.find((e) => e.event === 'change' && e.data.includes('Flagged'))!;
  const change = JSON.parse(ev.data) as { kind: string; mailboxId: number; messages: { uid: number; flags: string[] }[]; seq: number };
  assert.equal(change.kind, 'flags');
  assert.deepEqual(change.messages, [{ uid, flags: ['\\Flagged'] }]);
  assert.equal(ev.id, String(change.seq));
  const ms = ev.at - sent.sentAt;
  console.log(`IMAP STORE -> SSE event: ${ms.toFixed(1)} ms`);
  assert.ok(ms < 1000, `${ms} ms`);
});

test('a change made on the web reaches an idling IMAP client within 100 ms', async () => {
  const uid = await env.deliver(env.alice, 'INBOX', mail(2));
  const inbox = await env.mailbox(env.alice, 'INBOX');
  const c = await imap();
  await c.command('SELECT INBOX');
  c.send('I1 IDLE');
  assert.match((await c.next()).text, /^\+ /);
  // Five changes (\Seen on, off, ...): the median must be within 100 ms and every one within 1 s,
  // so that one scheduler hiccup of a loaded CI machine does not decide the result.
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const on = i % 2 === 0;
    const started = performance.now();
    const r = await alice.post(`/api/mailboxes/${inbox.id}/flags`, { uids: [uid], ...(on ? { add: ['\\Seen'] } : { remove: ['\\Seen'] }) });
    assert.equal(r.status, 200);
    let line = await c.next(1000);
    while (!line.text.includes('FETCH')) line = await c.next(1000);
    assert.match(line.text, on ? /FLAGS \(\\Seen[ )]/ : /FLAGS \((?![^)]*\\Seen)/);
    samples.push(line.at - started);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[2]!;
  console.log(`web flags -> IMAP IDLE: ${samples.map((ms) => ms.toFixed(1)).join(', ')} ms (median ${median.toFixed(1)})`);
  assert.ok(median < 100, `median ${median} ms of ${samples.join(', ')}`);
  assert.ok(sorted[4]! < 1000, `slowest ${sorted[4]} ms`);
  c.send('DONE');
});

test('Last-Event-ID: a reconnect gets exactly what it missed, then live changes', async () => {
  const s = await stream();
  const last = s.events.at(-1)!.id!;
  await s.close();
  const a = await env.deliver(env.alice, 'INBOX', mail(3));
  const b = await env.deliver(env.alice, 'INBOX', mail(4));
  const again = await stream({ 'last-event-id': last });
  await again.waitFor(() => again.events.length >= 2);
  const got = again.events.map((e) => [e.event, (JSON.parse(e.data) as { messages: { uid: number }[] }).messages[0]!.uid]);
  assert.deepEqual(got, [['change', a], ['change', b]]);
  assert.deepEqual(again.events.map((e) => Number(e.id)), [Number(last) + 1, Number(last) + 2]);
  const c = await env.deliver(env.alice, 'INBOX', mail(5));
  await again.waitFor(() => again.events.length >= 3);
  assert.equal((JSON.parse(again.events[2]!.data) as { messages: { uid: number }[] }).messages[0]!.uid, c);
});

test('too much missed: `event: reset` with the latest id; heartbeat comments keep the stream busy', async () => {
  const s = await stream();
  const last = s.events.at(-1)!.id!;
  await s.close();
  for (let i = 0; i < 5; i++) await env.deliver(env.alice, 'INBOX', mail(10 + i));
  const again = await stream({ 'last-event-id': last });
  assert.equal(again.events[0]!.event, 'reset');
  assert.equal(again.events[0]!.id, String(await env.store.changes.lastSeq(env.alice.id)));
  await again.waitFor(() => again.comments >= 2, 2000);
});

test('another account never sees these changes; closing streams unsubscribes (no leaks)', async () => {
  const bob = await WebClient.signedIn(env.base, 'bob@example.org');
  const bs = await SseClient.open(`${env.base}/api/events`, { cookie: bob.cookie });
  streams.push(bs);
  await bs.waitFor(() => bs.events.length > 0);
  await env.deliver(env.alice, 'INBOX', mail(20));
  await env.deliver(env.bob, 'INBOX', mail(21));
  await bs.waitFor(() => bs.events.length >= 2);
  assert.ok(bs.events.slice(1).every((e) => (JSON.parse(e.data) as { accountId: number }).accountId === env.bob.id));

  for (const s of streams.splice(0)) await s.close();
  for (const c of clients.splice(0)) c.close();
  const deadline = Date.now() + 2000;
  while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(active, 0, 'every subscription ended with its stream');
  const unauth = await fetch(`${env.base}/api/events`);
  assert.equal(unauth.status, 401);
});
