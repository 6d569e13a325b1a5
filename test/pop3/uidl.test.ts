/**
 * UIDL is permanent (RFC 1939 §7; "leave messages on server" clients depend on it): the same
 * message has the same UIDL in every session, after other messages were deleted, and after an
 * IMAP client moved it out of INBOX and back (new IMAP UID, same UIDL); a UIDL is never reused,
 * even when the newest message (the highest id) was deleted before the next delivery.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { imapSelect, plainMessage, PopClient, startPopServer, type PopTestServer } from '../helpers/pop3-env.ts';

let server: PopTestServer | undefined;
const clients: { destroy?: () => void; close?: () => void }[] = [];

after(async () => {
  for (const c of clients) (c.destroy ?? c.close)?.call(c);
  await server?.close();
});

/** One session's UIDL answer as Message-ID -> UIDL (read with TOP n 0). */
async function uidlsById(s: PopTestServer): Promise<Map<string, string>> {
  const c = await PopClient.login('pop', s.popPort, s.user, s.password);
  clients.push(c);
  const out = new Map<string, string>();
  for (const [n, id] of await c.uidl()) {
    const top = await c.multi(`TOP ${n} 0`);
    const mid = /^Message-ID: (.*)$/im.exec(top.body.toString('utf8'))?.[1]?.trim() ?? `?${n}`;
    out.set(mid, id);
  }
  await c.ok('QUIT');
  return out;
}

test('UIDL: stable across sessions, deletions and IMAP MOVE out and back; never reused', async () => {
  server = await startPopServer();
  for (let i = 1; i <= 5; i++) await server.deliver('INBOX', plainMessage(i));
  const seen = new Set<string>();

  const first = await uidlsById(server);
  assert.equal(first.size, 5);
  for (const id of first.values()) seen.add(id);
  assert.equal(seen.size, 5, 'unique');
  assert.deepEqual(await uidlsById(server), first, 'the same in a second session');

  // Delete message 2 over POP and message 4 over IMAP: the others keep theirs.
  const p = await PopClient.login('dele', server.popPort, server.user, server.password);
  clients.push(p);
  await p.ok('DELE 2');
  await p.ok('QUIT');
  const imap = await imapSelect(server, 'imap');
  clients.push(imap);
  await imap.command('UID STORE 4 +FLAGS.SILENT (\\Deleted)');
  await imap.command('EXPUNGE');
  const afterDelete = await uidlsById(server);
  const kept = ['<plain1@example.net>', '<plain3@example.net>', '<plain5@example.net>'];
  assert.deepEqual([...afterDelete.keys()].sort(), kept);
  for (const mid of kept) assert.equal(afterDelete.get(mid), first.get(mid), `${mid} keeps its UIDL after deletions`);

  // IMAP moves message 3 to Archive and back: a new IMAP UID, the same UIDL.
  await imap.command('UID MOVE 3 Archive');
  const inArchive = await uidlsById(server);
  assert.deepEqual([...inArchive.keys()].sort(), ['<plain1@example.net>', '<plain5@example.net>']);
  await imap.command('SELECT Archive');
  await imap.command('MOVE 1 INBOX');
  await imap.command('SELECT INBOX');
  const inbox = await server.mailbox('INBOX');
  assert.deepEqual(
    (await server.store.messages.list(inbox.id)).map((m) => m.uid),
    [1, 5, 6],
    'message 3 is back in INBOX under a new IMAP UID',
  );
  const back = await uidlsById(server);
  for (const mid of kept) assert.equal(back.get(mid), first.get(mid), `${mid} keeps its UIDL (MOVE out and back)`);

  // Delete the newest message (the highest id), then deliver: the new UIDL is new.
  const newest = back.get('<plain5@example.net>')!;
  const d = await PopClient.login('dele2', server.popPort, server.user, server.password);
  clients.push(d);
  const numbers = await d.uidl();
  const n5 = numbers.find(([, id]) => id === newest)![0];
  await d.ok(`DELE ${n5}`);
  await d.ok('QUIT');
  await server.deliver('INBOX', plainMessage(6, 'after the newest was deleted'));
  // And one via IMAP APPEND-like store append into another mailbox, then MOVE into INBOX.
  await server.deliver('Archive', plainMessage(7, 'moved in later'));
  await imap.command('SELECT Archive');
  await imap.command('MOVE 1:* INBOX');
  const last = await uidlsById(server);
  for (const mid of ['<plain6@example.net>', '<plain7@example.net>']) {
    const id = last.get(mid);
    assert.ok(id, `${mid} listed`);
    assert.ok(!seen.has(id), `${mid}: UIDL ${id} was never used before (earlier: ${[...seen].join(' ')})`);
    seen.add(id);
  }
  assert.equal(new Set(last.values()).size, last.size, 'unique within the session');
  for (const mid of ['<plain1@example.net>', '<plain3@example.net>']) assert.equal(last.get(mid), first.get(mid));
});
