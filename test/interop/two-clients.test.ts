/**
 * Issue 3's everyday case: two clients have INBOX selected and client 2 idles. A message arrives
 * through the store (as SMTP delivery will do it); client 1 marks it read, moves another to a
 * folder and deletes a third (STORE \Deleted + EXPUNGE). Client 2 must see every change in
 * order, each soon after the acting command's tagged OK (target 50 ms on the development
 * machine; asserted with a margin for CI noise, the measured figures are printed). A third
 * client connecting afterwards must see the same final state as client 2 built from the
 * notifications alone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startInteropServer, type InteropServer } from '../helpers/interop-env.ts';
import { LineClient, type StampedLine } from '../helpers/interop-lines.ts';

/** Issue 3's target, and what the test tolerates on a loaded CI machine. */
const TARGET_MS = 50;
const LIMIT_MS = 250;

let server: InteropServer;
const clients: LineClient[] = [];

const mail = (n: number, subject: string): string =>
  `From: Leo <leo@example.net>\r\nTo: alice@example.org\r\nSubject: ${subject}\r\n` +
  `Date: Sun, 8 Nov 2026 09:0${n}:00 +0000\r\nMessage-ID: <tc${n}@example.net>\r\n\r\nMessage ${n}.\r\n`;

before(async () => {
  server = await startInteropServer();
  await server.deliver('INBOX', mail(1, 'to be moved'));
  await server.deliver('INBOX', mail(2, 'to be deleted'));
  await server.deliver('INBOX', mail(3, 'stays'), ['\\Flagged']);
  await server.store.mailboxes.create(server.account.id, 'Projects');
});

after(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

async function login(name: string): Promise<LineClient> {
  const c = await LineClient.open(name, server.port);
  clients.push(c);
  const greeting = await c.next();
  assert.match(greeting.text, /^\* OK/);
  await c.command(`LOGIN ${server.user} ${server.password}`);
  return c;
}

/** A mailbox view: UIDs and flags by sequence number (index + 1); \Recent is per session. */
type View = { uid: number; flags: string[] }[];

const FETCH = /^\* (\d+) FETCH \((.*)\)$/;

function parseFetch(text: string): { seq: number; uid: number | null; flags: string[] | null } | null {
  const m = FETCH.exec(text);
  if (!m) return null;
  const uid = /\bUID (\d+)/.exec(m[2]!);
  const flags = /\bFLAGS \(([^)]*)\)/.exec(m[2]!);
  return {
    seq: Number(m[1]),
    uid: uid ? Number(uid[1]) : null,
    flags: flags ? flags[1]!.split(' ').filter((f) => f !== '' && f !== '\\Recent').sort() : null,
  };
}

/** The view from a `UID FETCH 1:* (UID FLAGS)` answer. */
function viewOf(lines: readonly StampedLine[]): View {
  const view: View = [];
  for (const l of lines) {
    const f = parseFetch(l.text);
    if (f && f.uid !== null && f.flags) view[f.seq - 1] = { uid: f.uid, flags: f.flags };
  }
  return view;
}

interface Step {
  readonly what: string;
  /** When the acting side started: the store append was called, or client 1 sent the command. */
  readonly startAt: number;
  /** When the acting side finished: the store append resolved, or client 1's tagged OK arrived. */
  readonly doneAt: number;
  /** What client 2 must receive next (RECENT lines are skipped). */
  readonly expect: RegExp;
}

test('two clients: every change reaches the idling client in order, within the latency target', async (t) => {
  const c1 = await login('one');
  const c2 = await login('two');
  await c1.command('SELECT INBOX');
  await c2.command('SELECT INBOX');
  // Client 2's view, from its own FETCH, then kept up to date from notifications only.
  const view = viewOf((await c2.command('UID FETCH 1:* (UID FLAGS)')).untagged);
  assert.deepEqual(view.map((m) => m.uid), [1, 2, 3]);

  c2.send('idle1 IDLE');
  const cont = await c2.next();
  assert.match(cont.text, /^\+ /, 'IDLE continuation');

  const steps: Step[] = [];
  const notes: StampedLine[] = [];
  /** Reads client 2's next notification (skipping \Recent counts) and applies it to the view. */
  const observe = async (step: Step): Promise<void> => {
    const read = (): Promise<StampedLine> =>
      c2.next(2_000).catch((err: Error) => {
        throw new Error(`client 2 after "${step.what}": ${err.message}\n--- client 1\n${c1.log.join('\n')}`);
      });
    let line = await read();
    while (/^\* \d+ RECENT$/.test(line.text)) line = await read();
    assert.match(line.text, step.expect, `client 2 after "${step.what}"\n${[...c1.log, ...c2.log].join("\n")}`);
    notes.push(line);
    steps.push(step);
    const exists = /^\* (\d+) EXISTS$/.exec(line.text);
    const expunge = /^\* (\d+) EXPUNGE$/.exec(line.text);
    const fetch = parseFetch(line.text);
    if (exists) while (view.length < Number(exists[1])) view.push({ uid: 0, flags: [] });
    else if (expunge) view.splice(Number(expunge[1]) - 1, 1);
    else if (fetch) {
      const m = view[fetch.seq - 1]!;
      if (fetch.uid !== null) m.uid = fetch.uid;
      if (fetch.flags) m.flags = fetch.flags;
    }
  };

  // 1. A message arrives through the store, as SMTP delivery will do it.
  const deliveredFrom = performance.now();
  const uid = await server.deliver('INBOX', mail(4, 'new arrival'));
  assert.equal(uid, 4);
  await observe({ what: 'delivery of UID 4', startAt: deliveredFrom, doneAt: performance.now(), expect: /^\* 4 EXISTS$/ });

  // 2. Client 1 learns of it (NOOP, as macOS Mail polls) and marks it read. Acting by UID before
  // the session has announced the message is the separate test below.
  const noop = await c1.command('NOOP');
  assert.ok(noop.untagged.some((l) => l.text === '* 4 EXISTS'), c1.log.join('\n'));
  let r = await c1.command('UID STORE 4 +FLAGS (\\Seen)');
  await observe({ what: 'UID STORE 4 +FLAGS (\\Seen)', startAt: r.sentAt, doneAt: r.tagged.at, expect: /^\* 4 FETCH \(.*FLAGS \(\\Seen( \\Recent)?\).*\)$/ });

  // 3. Client 1 moves another one to a folder.
  r = await c1.command('UID MOVE 1 Projects');
  await observe({ what: 'UID MOVE 1 Projects', startAt: r.sentAt, doneAt: r.tagged.at, expect: /^\* 1 EXPUNGE$/ });

  // 4. Client 1 deletes a third: STORE \Deleted, then EXPUNGE.
  r = await c1.command('UID STORE 2 +FLAGS.SILENT (\\Deleted)');
  await observe({ what: 'UID STORE 2 +FLAGS.SILENT (\\Deleted)', startAt: r.sentAt, doneAt: r.tagged.at, expect: /^\* 1 FETCH \(.*FLAGS \(\\Deleted\).*\)$/ });
  r = await c1.command('EXPUNGE');
  await observe({ what: 'EXPUNGE', startAt: r.sentAt, doneAt: r.tagged.at, expect: /^\* 1 EXPUNGE$/ });

  // Two figures per step: from the tagged OK (issue 3's definition; negative when client 2 hears
  // of it before client 1 gets its own answer) and from the moment the command was sent (bounds
  // the server's work plus both deliveries; not skewed by a late tagged OK).
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  const figures = steps.map((s, i) => ({
    what: s.what,
    afterOk: round(notes[i]!.at - s.doneAt),
    afterSend: round(notes[i]!.at - s.startAt),
    okAfterSend: round(s.doneAt - s.startAt),
  }));
  for (const f of figures) {
    t.diagnostic(
      `${f.what}: client 2 notified ${f.afterOk} ms after the tagged OK, ${f.afterSend} ms after the command ` +
        `was sent (tagged OK itself took ${f.okAfterSend} ms; target ${TARGET_MS} ms)`,
    );
  }
  const slow = figures.filter((f) => f.afterOk > LIMIT_MS || f.afterSend > LIMIT_MS);
  assert.deepEqual(slow, [], `notifications slower than ${LIMIT_MS} ms`);
  assert.deepEqual(c2.unread.map((l) => l.text).filter((x) => !/RECENT$/.test(x)), [], 'no further notifications');

  c2.send('DONE');
  const done = await c2.next();
  assert.equal(done.text, 'idle1 OK IDLE terminated');

  // Client 2's notification-built view matches its own fresh FETCH...
  const expected: View = [
    { uid: 3, flags: ['\\Flagged'] },
    { uid: 4, flags: ['\\Seen'] },
  ];
  assert.deepEqual(view, expected, 'client 2 view built from the notifications');
  assert.deepEqual(viewOf((await c2.command('UID FETCH 1:* (UID FLAGS)')).untagged), expected);

  // ...and a third client connecting afterwards sees the same state.
  const c3 = await login('three');
  const ex = await c3.command('EXAMINE INBOX');
  assert.ok(ex.untagged.some((l) => l.text === '* 2 EXISTS'), ex.untagged.map((l) => l.text).join('\n'));
  assert.deepEqual(viewOf((await c3.command('UID FETCH 1:* (UID FLAGS)')).untagged), expected);
  const st = await c3.command('STATUS Projects (MESSAGES)');
  assert.deepEqual(st.untagged.map((l) => l.text), ['* STATUS Projects (MESSAGES 1)']);
  for (const c of [c1, c2, c3]) await c.command('LOGOUT');
});

// Thunderbird-style: the IDLE connection learns of UID 5, another connection of the same client
// acts on it at once with a UID command, before its own session has announced the message. EXISTS
// may be sent at any time (RFC 3501 §7.3.1; only EXPUNGE is restricted, §7.4.1), so the server
// announces it and then applies the command: a UID that exists in the mailbox is not
// "non-existent" (RFC 3501 §6.4.8).
test('two clients: a UID command on a message delivered since the last sync acts on it', async () => {
  const c1 = await login('four');
  const c2 = await login('five');
  await c1.command('SELECT INBOX');
  await c2.command('SELECT INBOX');
  c2.send('idle2 IDLE');
  assert.match((await c2.next()).text, /^\+ /);
  const uid = await server.deliver('INBOX', mail(5, 'acted on at once'));
  let line = await c2.next(2_000);
  assert.match(line.text, /^\* \d+ EXISTS$/);

  const r = await c1.command(`UID STORE ${uid} +FLAGS (\\Answered)`);
  const texts = r.untagged.map((l) => l.text);
  const exists = texts.findIndex((x) => /^\* \d+ EXISTS$/.test(x));
  const fetch = texts.findIndex((x) => new RegExp(`^\\* \\d+ FETCH \\(.*UID ${uid}\\b.*\\\\Answered`).test(x));
  const inbox = await server.mailbox('INBOX');
  const stored = await server.store.messages.get(inbox.id, uid);
  assert.ok(
    exists >= 0 && fetch > exists && stored?.flags.includes('\\Answered'),
    `UID STORE ${uid} was not applied (stored flags: ${stored?.flags.join(' ')})\n${c1.log.slice(-6).join('\n')}`,
  );
  do line = await c2.next(2_000);
  while (/RECENT$/.test(line.text));
  assert.match(line.text, /FETCH \(.*\\Answered/);
  c2.send('DONE');
  await c2.next();
});

// Each response line is a separate socket write. Without TCP_NODELAY, Nagle's algorithm holds
// every write that follows an unacknowledged one until the peer's delayed ACK (~40 ms on Linux):
// the tagged OK of any multi-line answer, and an IDLE notification sent just after "+ idling".
// That alone eats most of the 50 ms target. The minimum of several tries keeps CI noise out.
test('two clients: a multi-line answer is not held back by Nagle (TCP_NODELAY or one write)', async (t) => {
  const c = await login('six');
  const gaps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await c.command(i % 2 ? 'EXAMINE INBOX' : 'SELECT INBOX');
    const first = r.untagged[0];
    assert.ok(first, 'a multi-line answer');
    gaps.push(Math.round((r.tagged.at - first.at) * 10) / 10);
  }
  t.diagnostic(`first untagged line -> tagged OK: ${gaps.join(', ')} ms`);
  assert.ok(Math.min(...gaps) < 20, `the tagged OK trails the untagged lines by ${gaps.join(', ')} ms (Nagle + delayed ACK)`);
  await c.command('LOGOUT');
});
