/**
 * Interop: Python's imaplib (stdlib) drives a full session from test/interop/python/session.py:
 * LOGIN, LIST, SELECT, APPEND, FETCH (RFC822, BODY.PEEK[HEADER.FIELDS], FLAGS), STORE, SEARCH
 * (with CHARSET UTF-8 literals), COPY, UID commands, EXPUNGE, CLOSE, EXAMINE and LOGOUT. The
 * script asserts each answer itself; this test checks its exit code and then the store.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  describeRun,
  requireTool,
  run,
  startInteropServer,
  toolVersion,
  type InteropServer,
} from '../helpers/interop-env.ts';
import { sampleMessage } from '../helpers/messages.ts';

const SCRIPT = fileURLToPath(new URL('./python/session.py', import.meta.url));

let server: InteropServer;

before(async () => {
  server = await startInteropServer();
});

after(async () => {
  await server?.close();
});

test('python imaplib: a full session asserted by the script', async (t) => {
  const version = toolVersion('python3');
  if (!requireTool(t, version, 'python3 not installed: apt-get install python3')) return;
  await server.deliver('INBOX', sampleMessage(1).toString().replace('Test message 1', 'Welcome'));

  const r = await run('python3', [SCRIPT, '127.0.0.1', String(server.port), server.user, server.password], {
    timeoutMs: 20_000,
  });
  t.diagnostic(`python3 session.py ran in ${r.ms} ms`);
  assert.equal(r.code, 0, describeRun('python3 session.py', r));
  assert.match(r.stdout.toString(), /ALL OK/);

  // What the script left behind, seen through the store.
  const inbox = await server.mailbox('INBOX');
  const left = await server.store.messages.list(inbox.id);
  assert.deepEqual(
    left.map((m) => [m.uid, [...m.flags].sort()]),
    [[3, ['\\Flagged']]],
  );
  const archive = await server.mailbox('Archive');
  const copies = await server.store.messages.list(archive.id);
  assert.deepEqual(
    copies.map((m) => [m.uid, [...m.flags].sort()]),
    [
      [1, ['\\Answered']],
      [2, ['$Python', '\\Seen']],
      [3, ['\\Flagged']],
    ],
  );
});
