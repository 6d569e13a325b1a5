/**
 * A POP3 session without input for pop3IdleMs is closed without UPDATE (RFC 1939 §3), and its
 * lock released; shutdown tells sessions why before closing.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import { pop3Protocol } from '../../src/protocols/pop3/index.ts';
import { startImapTestServer } from '../helpers/imap-server.ts';

/** Everything the server sends until it closes the connection. */
function transcript(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(out));
  });
}

test('autologout: closed silently, without UPDATE; the lock is released', async () => {
  const server = await startImapTestServer({ also: { pop3: pop3Protocol }, timeouts: { pop3IdleMs: 300 } });
  try {
    await server.store.domains.add('example.org');
    const account = await server.store.accounts.create({ address: 'idle@example.org', passwordHash: await hashPassword('pw-idle') });
    const inbox = (await server.store.mailboxes.byRole(account.id, 'inbox'))!;
    await server.store.messages.append(account.id, inbox.id, { raw: Buffer.from('Subject: x\r\n\r\nx\r\n') });
    const socket = connect(server.ports.pop3!, '127.0.0.1');
    const done = transcript(socket);
    socket.write('USER idle@example.org\r\nPASS pw-idle\r\nDELE 1\r\n');
    const out = await done;
    assert.equal(
      out,
      '+OK postkontor POP3 ready\r\n+OK send PASS\r\n+OK logged in; maildrop has 1 message (17 octets)\r\n+OK message 1 deleted\r\n',
    );
    assert.equal((await server.store.messages.list(inbox.id)).length, 1, 'nothing applied');
    const lock = await server.store.pop.lock(account.id);
    assert.ok(lock, 'lock released');
    await lock.release();
  } finally {
    await server.close();
  }
});

test('shutdown says why and applies nothing', async () => {
  const server = await startImapTestServer({ also: { pop3: pop3Protocol } });
  const socket = connect(server.ports.pop3!, '127.0.0.1');
  const done = transcript(socket);
  await new Promise((r) => socket.once('data', r));
  await server.close();
  assert.match(await done, /\r\n-ERR \[SYS\/TEMP\] server shutting down\r\n$/);
});
