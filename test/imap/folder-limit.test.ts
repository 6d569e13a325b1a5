/**
 * imap.folder-limit (Gmail's "limit IMAP folders to N messages"): SELECT shows only the newest N
 * messages; older ones stay on the server (STATUS still counts them) and reappear when the limit
 * goes; the setting is read at SELECT, so a change applies without a restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startInteropServer, type InteropServer } from '../helpers/interop-env.ts';
import { LineClient } from '../helpers/interop-lines.ts';
import { sampleMessage } from '../helpers/messages.ts';

let server: InteropServer;

before(async () => {
  server = await startInteropServer();
  const inbox = await server.mailbox('INBOX');
  for (let i = 0; i < 1003; i += 59) {
    const batch = Array.from({ length: Math.min(59, 1003 - i) }, (_, k) => ({ raw: sampleMessage(i + k) }));
    await server.store.messages.appendMany(server.account.id, inbox.id, batch);
  }
});
after(() => server.close());

test('SELECT shows the newest N messages under imap.folder-limit', async () => {
  await server.store.settings.set(server.account.id, 'imap.folder-limit', '1000');
  const c = await LineClient.open('c', server.port);
  await c.next();
  await c.command(`LOGIN ${server.user} ${server.password}`);
  const sel = await c.command('SELECT INBOX');
  assert.ok(sel.untagged.some((l) => l.text === '* 1000 EXISTS'), sel.untagged.map((l) => l.text).join('\n'));
  const first = await c.command('FETCH 1 (UID)');
  assert.equal(first.untagged[0]?.text, '* 1 FETCH (UID 4)', 'the three oldest are hidden');
  const status = await c.command('STATUS INBOX (MESSAGES)');
  assert.equal(status.untagged[0]?.text, '* STATUS INBOX (MESSAGES 1003)');
  await server.store.settings.set(server.account.id, 'imap.folder-limit', '0');
  const again = await c.command('SELECT INBOX');
  assert.ok(again.untagged.some((l) => l.text === '* 1003 EXISTS'));
  await c.command('LOGOUT');
});
