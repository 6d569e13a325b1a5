/**
 * STARTTLS (RFC 9051 §6.2.1) on a raw socket, line by line: what the greeting announces under
 * each auth.plaintext policy, the exact OK, the handshake, CAPABILITY and LOGIN over TLS, and
 * the refusals (twice, after login). Plaintext pipelined behind STARTTLS in the same packet is
 * thrown away, never answered in the clear nor over TLS (CVE-2011-0411).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { hashPassword } from '../../src/auth/password.ts';
import { startImapTestServer, type ImapTestServer } from '../helpers/imap-server.ts';

const PRE_LOGIN = 'IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE';
const ADDRESS = 'tls@example.org';
const PASSWORD = 'pw-starttls';

/** Reads CRLF lines from a plain or TLS socket; never sleeps, every read has a deadline. */
class Lines {
  buf = '';
  closed = false;
  private wake: (() => void) | null = null;
  private readonly onData = (d: Buffer): void => {
    this.buf += d.toString('latin1');
    this.notify();
  };

  constructor(readonly socket: Socket | TLSSocket) {
    socket.on('data', this.onData);
    socket.once('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Stops reading this socket (before it is handed to TLS); returns what was left unread. */
  detach(): string {
    this.socket.off('data', this.onData);
    return this.buf;
  }

  async line(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = this.buf.indexOf('\r\n');
      if (at >= 0) {
        const l = this.buf.slice(0, at);
        this.buf = this.buf.slice(at + 2);
        return l;
      }
      if (this.closed) throw new Error(`closed; unread: ${JSON.stringify(this.buf)}`);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line within ${ms} ms; unread: ${JSON.stringify(this.buf)}`)), Math.max(0, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends a command and returns every line up to its tagged answer. */
  async command(tag: string, text: string): Promise<string[]> {
    this.socket.write(`${tag} ${text}\r\n`);
    return this.until(tag);
  }

  async until(tag: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.line();
      lines.push(l);
      if (l.startsWith(`${tag} `)) return lines;
    }
  }

  async closedByServer(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the server did not close')), Math.max(0, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

async function open(server: ImapTestServer): Promise<{ plain: Socket; lines: Lines; greeting: string }> {
  const plain = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: server.port }, () => resolve(s));
    s.once('error', reject);
  });
  plain.setNoDelay(true);
  const lines = new Lines(plain);
  return { plain, lines, greeting: await lines.line() };
}

/** Hands the plain socket to a TLS client (the test server's certificate is self-signed). */
async function handshake(plain: Socket, lines: Lines): Promise<Lines> {
  const unread = lines.detach();
  // Whatever came after the STARTTLS answer in the clear would be an injection (or a bug).
  assert.equal(unread, '', 'no plaintext after the STARTTLS answer');
  const secure = tlsConnect({ socket: plain, servername: 'localhost', rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  assert.equal(secure.authorized, false, 'self-signed, as expected in tests');
  return new Lines(secure);
}

async function startServer(plaintext?: 'tls-only'): Promise<ImapTestServer> {
  const server = await startImapTestServer(plaintext ? { config: { auth: { plaintext } } } : {});
  await server.store.domains.add('example.org');
  await server.store.accounts.create({ address: ADDRESS, passwordHash: await hashPassword(PASSWORD) });
  return server;
}

/** Waits for the server to drop a closed connection from its registry. */
async function registryEmpty(server: ImapTestServer): Promise<void> {
  const deadline = Date.now() + 5000;
  while (server.context.sessions.size > 0) {
    if (Date.now() > deadline) throw new Error(`${server.context.sessions.size} connection(s) still registered`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('auth.plaintext = tls-or-loopback (the default; the test client is on loopback)', () => {
  let server: ImapTestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  test('STARTTLS, handshake, CAPABILITY without STARTTLS, LOGIN', async () => {
    const { plain, lines, greeting } = await open(server);
    // Loopback may log in without TLS, so no LOGINDISABLED; STARTTLS is still offered.
    assert.equal(greeting, `* OK [CAPABILITY ${PRE_LOGIN} STARTTLS AUTH=PLAIN AUTH=LOGIN] postkontor ready`);
    assert.deepEqual(await lines.command('a', 'STARTTLS'), ['a OK Begin TLS negotiation now']);
    const tls = await handshake(plain, lines);
    assert.deepEqual(await tls.command('b', 'CAPABILITY'), [`* CAPABILITY ${PRE_LOGIN} AUTH=PLAIN AUTH=LOGIN`, 'b OK CAPABILITY completed']);
    const login = await tls.command('c', `LOGIN ${ADDRESS} ${PASSWORD}`);
    assert.equal(login.length, 1);
    assert.match(login[0]!, /^c OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/);
    assert.doesNotMatch(login[0]!, /STARTTLS/);
    assert.deepEqual(await tls.command('d', 'LOGOUT'), ['* BYE postkontor logging out', 'd OK LOGOUT completed']);
    await tls.closedByServer();
    // The connection leaves the registry of open sessions (the socket switch keeps its listeners).
    await registryEmpty(server);
  });

  test('plaintext pipelined behind STARTTLS in the same packet is discarded', async () => {
    const { plain, lines } = await open(server);
    plain.write('a STARTTLS\r\nb NOOP\r\n');
    assert.equal(await lines.line(), 'a OK Begin TLS negotiation now');
    const tls = await handshake(plain, lines);
    // The first thing over TLS answers our first TLS command: `b` was never run.
    assert.deepEqual(await tls.command('c', 'NOOP'), ['c OK NOOP completed']);
    const rest = await tls.command('d', 'LOGOUT');
    assert.deepEqual(rest, ['* BYE postkontor logging out', 'd OK LOGOUT completed']);
    await tls.closedByServer();
    assert.equal(tls.buf, '');
  });

  test('STARTTLS twice is refused over TLS; the session goes on', async () => {
    const { plain, lines } = await open(server);
    assert.deepEqual(await lines.command('a', 'STARTTLS'), ['a OK Begin TLS negotiation now']);
    const tls = await handshake(plain, lines);
    assert.deepEqual(await tls.command('b', 'STARTTLS'), ['b BAD TLS is already active or not offered here']);
    assert.match((await tls.command('c', `LOGIN ${ADDRESS} ${PASSWORD}`)).at(-1)!, /^c OK \[CAPABILITY .*\] Logged in$/);
    await tls.command('d', 'LOGOUT');
    await tls.closedByServer();
  });

  test('STARTTLS after a (loopback) login is a wrong-state BAD and stays plaintext', async () => {
    const { lines } = await open(server);
    assert.match((await lines.command('a', `LOGIN ${ADDRESS} ${PASSWORD}`)).at(-1)!, /^a OK \[CAPABILITY .*\] Logged in$/);
    assert.deepEqual(await lines.command('b', 'STARTTLS'), ['b BAD STARTTLS is only allowed before logging in']);
    // Still speaking plaintext IMAP on the same connection.
    assert.deepEqual(await lines.command('c', 'NOOP'), ['c OK NOOP completed']);
    assert.deepEqual(await lines.command('d', 'LOGOUT'), ['* BYE postkontor logging out', 'd OK LOGOUT completed']);
    await lines.closedByServer();
  });
});

describe('auth.plaintext = tls-only', () => {
  let server: ImapTestServer;
  before(async () => (server = await startServer('tls-only')));
  after(() => server.close());

  test('LOGINDISABLED in the clear; LOGIN refused until STARTTLS, then allowed', async () => {
    const { plain, lines, greeting } = await open(server);
    assert.equal(greeting, `* OK [CAPABILITY ${PRE_LOGIN} STARTTLS LOGINDISABLED] postkontor ready`);
    assert.deepEqual(await lines.command('a', `LOGIN ${ADDRESS} ${PASSWORD}`), [
      'a NO [PRIVACYREQUIRED] Password logins need an encrypted connection: use STARTTLS or port 993',
    ]);
    assert.deepEqual(await lines.command('b', 'AUTHENTICATE PLAIN'), [
      'b NO [PRIVACYREQUIRED] Password logins need an encrypted connection: use STARTTLS or port 993',
    ]);
    assert.deepEqual(await lines.command('c', 'STARTTLS'), ['c OK Begin TLS negotiation now']);
    const tls = await handshake(plain, lines);
    assert.deepEqual(await tls.command('d', 'CAPABILITY'), [`* CAPABILITY ${PRE_LOGIN} AUTH=PLAIN AUTH=LOGIN`, 'd OK CAPABILITY completed']);
    assert.match((await tls.command('e', `LOGIN ${ADDRESS} ${PASSWORD}`)).at(-1)!, /^e OK \[CAPABILITY .*\] Logged in$/);
    assert.deepEqual(await tls.command('f', 'LOGOUT'), ['* BYE postkontor logging out', 'f OK LOGOUT completed']);
    await tls.closedByServer();
    await registryEmpty(server);
  });

  test('pipelined LOGIN behind STARTTLS is not run in the clear nor after the handshake', async () => {
    const { plain, lines } = await open(server);
    plain.write(`a STARTTLS\r\nb LOGIN ${ADDRESS} ${PASSWORD}\r\n`);
    assert.equal(await lines.line(), 'a OK Begin TLS negotiation now');
    const tls = await handshake(plain, lines);
    // Still not authenticated: the injected LOGIN never ran.
    assert.deepEqual(await tls.command('c', 'SELECT INBOX'), ['c BAD SELECT requires authentication']);
    await tls.command('d', 'LOGOUT');
    await tls.closedByServer();
    assert.equal(tls.buf, '');
  });
});
