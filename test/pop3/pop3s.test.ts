/**
 * POP3S (implicit TLS, RFC 8314 §3.3): the same server behind TLS from the first byte. No STLS
 * is offered (the connection is already encrypted) and password logins are, under every policy.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { startPopServer, type PopTestServer } from '../helpers/pop3-env.ts';

let server: PopTestServer;
before(async () => {
  server = await startPopServer();
});
after(async () => {
  await server.close();
});

/** Sends each command after the previous answer ended; returns the whole conversation's answers. */
async function talk(socket: TLSSocket, commands: readonly { line: string; multi?: boolean }[]): Promise<string[]> {
  let buffered = '';
  const answers: string[] = [];
  let wanted: { multi: boolean; resolve: (text: string) => void } | null = null;
  const check = (): void => {
    if (!wanted) return;
    const end = wanted.multi && buffered.startsWith('+OK') ? buffered.indexOf('\r\n.\r\n') : buffered.indexOf('\r\n');
    if (end === -1) return;
    const len = end + (wanted.multi && buffered.startsWith('+OK') ? 5 : 2);
    const text = buffered.slice(0, len);
    buffered = buffered.slice(len);
    const w = wanted;
    wanted = null;
    w.resolve(text);
  };
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    buffered += d;
    check();
  });
  const next = (multi: boolean): Promise<string> =>
    new Promise((resolve) => {
      wanted = { multi, resolve };
      check();
    });
  answers.push(await next(false));
  for (const c of commands) {
    socket.write(`${c.line}\r\n`);
    answers.push(await next(c.multi ?? false));
  }
  return answers;
}

test('POP3S: greeting over TLS, CAPA without STLS, AUTH PLAIN, byte-exact RETR, QUIT applies DELE', async () => {
  const raw = 'Subject: over TLS\r\n\r\n.starts with a dot\r\nend\r\n';
  await server.deliver('INBOX', raw);
  await server.deliver('INBOX', 'Subject: second\r\n\r\nkeep me\r\n');
  // rejectUnauthorized:false only because this is the test's own self-signed certificate.
  const socket = connect({ host: '127.0.0.1', port: server.popsPort, rejectUnauthorized: false, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  assert.ok(socket.encrypted);
  const plain = Buffer.from(`\0${server.user}\0${server.password}`).toString('base64');
  const [greeting, capa, auth, retr, dele, quit] = await talk(socket, [
    { line: 'CAPA', multi: true },
    { line: `AUTH PLAIN ${plain}` },
    { line: 'RETR 1', multi: true },
    { line: 'DELE 1' },
    { line: 'QUIT' },
  ]);
  assert.equal(greeting, '+OK postkontor POP3 ready\r\n');
  const caps = capa!.split('\r\n');
  assert.ok(caps.includes('USER') && caps.includes('SASL PLAIN LOGIN'), capa);
  assert.ok(!caps.includes('STLS'), 'no STLS on an encrypted connection');
  assert.match(auth!, /^\+OK logged in; maildrop has 2 messages \(\d+ octets\)\r\n$/);
  assert.equal(retr, `+OK ${raw.length} octets\r\n${raw.replace('\r\n.starts', '\r\n..starts')}.\r\n`);
  assert.equal(dele, '+OK message 1 deleted\r\n');
  assert.equal(quit, '+OK postkontor POP3 server signing off (1 message deleted)\r\n');
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const left = await server.store.messages.list((await server.mailbox('INBOX')).id);
  assert.equal(left.length, 1);
});

test('POP3S: STLS is refused on an encrypted connection', async () => {
  const socket = connect({ host: '127.0.0.1', port: server.popsPort, rejectUnauthorized: false, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const [, stls, quit] = await talk(socket, [{ line: 'STLS' }, { line: 'QUIT' }]);
  assert.equal(stls, '-ERR STLS not available: the connection is already encrypted\r\n');
  assert.equal(quit, '+OK postkontor POP3 server signing off\r\n');
  socket.destroy();
});
