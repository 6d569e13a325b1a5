/**
 * The POP3 session in process, on a real store: login paths, the commands and their -ERR texts,
 * byte-exact RETR/TOP (large messages streamed), UPDATE rules, the lock, STLS, pipelining and
 * autologout. The transcript and interop suites cover more; this is the module's own smoke test.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import { crlfLength } from '../../src/mime/crlf.ts';
import { pop3Protocol } from '../../src/protocols/pop3/index.ts';
import type { Account } from '../../src/store/types.ts';
import { startImapTestServer, type ImapTestServer } from '../helpers/imap-server.ts';

const PASSWORD = 'pop-secret';
let server: ImapTestServer;
let seq = 0;

before(async () => {
  server = await startImapTestServer({ also: { pop3: pop3Protocol }, timeouts: { pop3IdleMs: 60_000 } });
  await server.store.domains.add('example.org');
});
after(() => server.close());

async function newAccount(): Promise<Account> {
  return server.store.accounts.create({ address: `pop${++seq}@example.org`, passwordHash: await hashPassword(PASSWORD) });
}

async function deliver(account: Account, raw: string | Buffer, role: 'inbox' | 'archive' = 'inbox', internalDate?: number): Promise<number> {
  const mb = (await server.store.mailboxes.byRole(account.id, role))!;
  const r = await server.store.messages.append(account.id, mb.id, {
    raw: typeof raw === 'string' ? Buffer.from(raw) : raw,
    ...(internalDate === undefined ? {} : { internalDate }),
  });
  return r.id;
}

/** A raw POP3 client: reads status lines and multi-line answers as bytes. */
class Client {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  closed = false;

  constructor(public socket: Socket) {
    this.listen(socket);
  }

  static async open(port = server.ports.pop3!): Promise<Client> {
    const c = new Client(connect(port, '127.0.0.1'));
    assert.equal(await c.line(), '+OK postkontor POP3 ready');
    return c;
  }

  listen(socket: Socket): void {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  private async until(find: () => number): Promise<Buffer> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const end = find();
      if (end >= 0) {
        const out = this.buf.subarray(0, end);
        this.buf = this.buf.subarray(end);
        return out;
      }
      if (this.closed) throw new Error(`closed; buffered: ${this.buf.toString()}`);
      if (Date.now() > deadline) throw new Error(`timeout; buffered: ${this.buf.toString().slice(0, 500)}`);
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 200).unref();
      });
    }
  }

  async line(): Promise<string> {
    const raw = await this.until(() => {
      const i = this.buf.indexOf('\r\n');
      return i < 0 ? -1 : i + 2;
    });
    return raw.subarray(0, -2).toString();
  }

  /** A multi-line answer's body, still dot-stuffed, without the terminator. */
  async multi(): Promise<Buffer> {
    const raw = await this.until(() => {
      if (this.buf.subarray(0, 3).toString() === '.\r\n') return 3;
      const i = this.buf.indexOf('\r\n.\r\n');
      return i < 0 ? -1 : i + 5;
    });
    return raw.subarray(0, raw.length === 3 ? 0 : -3);
  }

  send(text: string): void {
    this.socket.write(`${text}\r\n`);
  }

  async cmd(text: string): Promise<string> {
    this.send(text);
    return this.line();
  }

  async list(text: string): Promise<string[]> {
    const first = await this.cmd(text);
    assert.match(first, /^\+OK/, `${text}: ${first}`);
    const body = (await this.multi()).toString();
    return body === '' ? [] : body.slice(0, -2).split('\r\n');
  }

  async login(account: Account, name = account.address): Promise<string> {
    assert.equal(await this.cmd(`USER ${name}`), '+OK send PASS');
    return this.cmd(`PASS ${PASSWORD}`);
  }

  async waitClosed(): Promise<void> {
    await this.until(() => (this.closed ? this.buf.length : -1));
  }
}

function unstuff(body: Buffer): Buffer {
  const text = body.toString('latin1');
  return Buffer.from(text.split('\r\n').map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n'), 'latin1');
}

test('CAPA before and after login', async () => {
  const account = await newAccount();
  const c = await Client.open();
  assert.deepEqual(await c.list('CAPA'), [
    'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE 0 USER', 'USER', 'SASL PLAIN LOGIN', 'STLS', 'IMPLEMENTATION postkontor',
  ]);
  assert.equal(await c.login(account), '+OK logged in; maildrop has 0 messages (0 octets)');
  assert.deepEqual(await c.list('CAPA'), ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'IMPLEMENTATION postkontor']);
  assert.equal(await c.cmd('QUIT'), '+OK postkontor POP3 server signing off (0 messages deleted)');
  await c.waitClosed();
});

test('transaction commands, byte-exact RETR and TOP, precise errors, UPDATE', async () => {
  const account = await newAccount();
  await server.store.settings.set(account.id, 'imap.expunge-action', 'trash');
  const m1 = 'Subject: one\nFrom: a@b\n\n.dot line\nbare lf\n..two\nlast line no newline';
  const m2 = 'Subject: two\r\n\r\nbody\r\n';
  const m3 = 'Subject: three\r\n\r\nx\r\n';
  const ids = [await deliver(account, m1), await deliver(account, m2), await deliver(account, m3)];
  const sizes = [m1, m2, m3].map((m) => crlfLength(Buffer.from(m)));
  const total = sizes.reduce((a, b) => a + b, 0);
  const c = await Client.open();
  assert.equal(await c.cmd('STAT'), '-ERR STAT not allowed in this state: log in first');
  assert.equal(await c.cmd('PASS x'), '-ERR PASS must follow a successful USER');
  assert.equal(await c.login(account), `+OK logged in; maildrop has 3 messages (${total} octets)`);
  assert.equal(await c.cmd('STAT'), `+OK 3 ${total}`);
  assert.deepEqual(await c.list('LIST'), sizes.map((s, i) => `${i + 1} ${s}`));
  assert.deepEqual(await c.list('UIDL'), ids.map((id, i) => `${i + 1} ${id}`));
  assert.equal(await c.cmd('LIST 2'), `+OK 2 ${sizes[1]}`);
  assert.equal(await c.cmd(`UIDL 3`), `+OK 3 ${ids[2]}`);

  assert.equal(await c.cmd('RETR 1'), `+OK ${sizes[0]} octets`);
  const body = await c.multi();
  const crlf = Buffer.from(`${m1.replace(/\n/g, '\r\n')}\r\n`);
  assert.deepEqual(unstuff(body), crlf);
  assert.equal(crlf.length, sizes[0]);
  assert.match(body.toString(), /\r\n\.\.dot line\r\n/);
  assert.match(body.toString(), /\r\n\.\.\.two\r\n/);

  assert.equal(await c.cmd('TOP 1 0'), '+OK top of message follows');
  assert.equal((await c.multi()).toString(), 'Subject: one\r\nFrom: a@b\r\n\r\n');
  assert.equal(await c.cmd('TOP 1 1'), '+OK top of message follows');
  assert.equal((await c.multi()).toString(), 'Subject: one\r\nFrom: a@b\r\n\r\n..dot line\r\n');

  assert.equal(await c.cmd('RETR 4'), '-ERR no such message 4; the maildrop has 3 messages');
  assert.equal(await c.cmd('RETR 0'), '-ERR no such message 0; the maildrop has 3 messages');
  assert.equal(await c.cmd('RETR x'), '-ERR invalid message number "x"');
  assert.equal(await c.cmd('RETR'), '-ERR RETR needs a message number');
  assert.equal(await c.cmd('RETR 1 2'), '-ERR too many arguments for RETR');
  assert.equal(await c.cmd('TOP 1'), '-ERR TOP needs a message number and a line count');
  assert.equal(await c.cmd('TOP 1 -1'), '-ERR invalid line count "-1"');
  assert.equal(await c.cmd('FOO'), '-ERR unknown command "FOO"');
  assert.equal(await c.cmd(''), '-ERR empty command line');
  assert.equal(await c.cmd('USER x'), '-ERR USER not allowed in this state: already logged in');
  assert.equal(await c.cmd(`NOOP ${'x'.repeat(300)}`), '-ERR line too long');
  assert.equal(await c.cmd('NOOP'), '+OK');

  assert.equal(await c.cmd('DELE 2'), '+OK message 2 deleted');
  assert.equal(await c.cmd('DELE 2'), '-ERR message 2 already deleted');
  assert.equal(await c.cmd('RETR 2'), '-ERR message 2 already deleted');
  assert.equal(await c.cmd('STAT'), `+OK 2 ${sizes[0]! + sizes[2]!}`);
  assert.deepEqual(await c.list('LIST'), [`1 ${sizes[0]}`, `3 ${sizes[2]}`]);
  assert.equal(await c.cmd('RSET'), `+OK maildrop has 3 messages (${total} octets)`);
  assert.equal(await c.cmd('DELE 3'), '+OK message 3 deleted');
  assert.equal(await c.cmd('QUIT'), '+OK postkontor POP3 server signing off (1 message deleted)');
  await c.waitClosed();

  // classic + expunge-action trash: DELE 3 went to Trash; RETR 1 with after-retrieve keep stays.
  const inbox = (await server.store.mailboxes.byRole(account.id, 'inbox'))!;
  const trash = (await server.store.mailboxes.byRole(account.id, 'trash'))!;
  assert.equal((await server.store.messages.list(inbox.id)).length, 2);
  assert.equal((await server.store.messages.list(trash.id)).length, 1);
  const history = await server.store.pop.recentDownloads(account.id, 5);
  assert.equal(history.length, 1);
  assert.equal(history[0]!.retrieved, 1);
  assert.equal(history[0]!.deleted, 1);
});

test('a large message streams byte-exact', async () => {
  const account = await newAccount();
  const line = 'x'.repeat(70);
  const lines: string[] = ['Subject: big', ''];
  // A running length, not join() per line (quadratic: minutes on a slow machine).
  for (let i = 0, length = lines.join('\n').length; length < 3_000_000; i++) {
    const next = i % 1000 === 0 ? `.${line}` : line;
    lines.push(next);
    length += 1 + next.length;
  }
  const raw = Buffer.from(lines.join('\n'));
  await deliver(account, raw);
  const c = await Client.open();
  await c.login(account);
  assert.equal(await c.cmd('RETR 1'), `+OK ${crlfLength(raw)} octets`);
  const body = await c.multi();
  assert.deepEqual(unstuff(body), Buffer.from(`${lines.join('\r\n')}\r\n`));
  assert.equal(await c.cmd('TOP 1 2'), '+OK top of message follows');
  assert.equal((await c.multi()).toString(), `Subject: big\r\n\r\n..${line}\r\n${line}\r\n`);
  assert.equal(await c.cmd('QUIT'), '+OK postkontor POP3 server signing off (0 messages deleted)');
});

test('AUTH PLAIN and LOGIN: initial response, continuation, cancel, bad base64', async () => {
  const account = await newAccount();
  const plain = Buffer.from(`\0${account.address}\0${PASSWORD}`).toString('base64');
  let c = await Client.open();
  assert.deepEqual(await c.list('AUTH'), ['PLAIN', 'LOGIN']);
  assert.equal(await c.cmd('AUTH CRAM-MD5'), '-ERR unsupported authentication mechanism "CRAM-MD5"');
  assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
  assert.equal(await c.cmd('*'), '-ERR authentication cancelled');
  assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
  assert.equal(await c.cmd('not base64!'), '-ERR invalid base64 in the AUTH response');
  assert.equal(await c.cmd('AUTH PLAIN'), '+ ');
  assert.equal(await c.cmd('x'.repeat(9000)), '-ERR line too long');
  assert.equal(await c.cmd(`AUTH PLAIN ${plain}`), '+OK logged in; maildrop has 0 messages (0 octets)');
  assert.equal(await c.cmd('QUIT'), '+OK postkontor POP3 server signing off (0 messages deleted)');
  c = await Client.open();
  assert.equal(await c.cmd('AUTH LOGIN'), '+ VXNlcm5hbWU6');
  assert.equal(await c.cmd(Buffer.from(account.address).toString('base64')), '+ UGFzc3dvcmQ6');
  assert.equal(await c.cmd(Buffer.from(PASSWORD).toString('base64')), '+OK logged in; maildrop has 0 messages (0 octets)');
  assert.equal(await c.cmd('QUIT'), '+OK postkontor POP3 server signing off (0 messages deleted)');
});

test('wrong password, disabled account, maildrop in use', async () => {
  const account = await newAccount();
  const c = await Client.open();
  assert.equal(await c.cmd(`USER ${account.address}`), '+OK send PASS');
  assert.equal(await c.cmd('PASS wrong'), '-ERR [AUTH] invalid user name or password');
  assert.equal(await c.login(account), `+OK logged in; maildrop has 0 messages (0 octets)`);
  const d = await Client.open();
  assert.equal(await d.login(account), '-ERR [IN-USE] the maildrop is in use by another POP3 session; try again later');
  // A dropped connection releases the lock.
  c.socket.destroy();
  await c.waitClosed();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await d.login(account), '+OK logged in; maildrop has 0 messages (0 octets)');
  assert.equal(await d.cmd('QUIT'), '+OK postkontor POP3 server signing off (0 messages deleted)');

  await server.store.settings.set(account.id, 'pop.enabled', 'off');
  const e = await Client.open();
  assert.equal(
    await e.login(account),
    `-ERR [AUTH] POP3 is turned off for this account; turn it on in the web inbox under Settings > Forwarding and POP/IMAP, or run: postkontor settings set ${account.address} pop.enabled all`,
  );
  assert.equal(await e.cmd('QUIT'), '+OK postkontor POP3 server signing off');
});

test('three failed logins close the connection', async () => {
  const account = await newAccount();
  const c = await Client.open();
  for (let i = 0; i < 3; i++) {
    assert.equal(await c.cmd(`USER ${account.address}`), '+OK send PASS');
    assert.equal(await c.cmd('PASS nope'), '-ERR [AUTH] invalid user name or password');
  }
  await c.waitClosed();
});

test('gmail mode lists only what no session downloaded; recent: lists the last 30 days', async () => {
  const account = await newAccount();
  await server.store.settings.set(account.id, 'pop.mode', 'gmail');
  await deliver(account, 'Subject: a\r\n\r\na\r\n');
  await deliver(account, 'Subject: b\r\n\r\nb\r\n');
  await deliver(account, 'Subject: old\r\n\r\nold\r\n', 'inbox', Date.now() - 40 * 86_400_000);
  await deliver(account, 'Subject: archived\r\n\r\nc\r\n', 'archive');
  let c = await Client.open();
  assert.match(await c.login(account), /^\+OK logged in; maildrop has 3 messages/);
  assert.deepEqual((await c.list('CAPA')).filter((l) => l.startsWith('EXPIRE')), ['EXPIRE 0']);
  assert.match(await c.cmd('RETR 1'), /^\+OK/);
  await c.multi();
  assert.equal(await c.cmd('DELE 2'), '+OK message 2 deleted');
  assert.match(await c.cmd('QUIT'), /^\+OK/);
  await c.waitClosed();
  c = await Client.open();
  assert.match(await c.login(account), /^\+OK logged in; maildrop has 1 message /);
  assert.match(await c.cmd('QUIT'), /^\+OK/);
  c = await Client.open();
  assert.match(await c.login(account, `Recent:${account.address}`), /^\+OK logged in; maildrop has 3 messages/);
  assert.deepEqual((await c.list('LIST')).length, 3);
  assert.match(await c.cmd('QUIT'), /^\+OK/);
  // after-retrieve keep: everything is still in INBOX.
  const inbox = (await server.store.mailboxes.byRole(account.id, 'inbox'))!;
  assert.equal((await server.store.messages.list(inbox.id)).length, 3);
});

test('pipelined commands are answered in order', async () => {
  const account = await newAccount();
  for (let i = 0; i < 5; i++) await deliver(account, `Subject: ${i}\r\n\r\n.${i}\r\n`);
  const c = await Client.open();
  const cmds = [`USER ${account.address}`, `PASS ${PASSWORD}`, 'STAT', ...[1, 2, 3, 4, 5].map((n) => `RETR ${n}`), 'BOGUS', 'NOOP'];
  c.socket.write(cmds.map((l) => `${l}\r\n`).join(''));
  assert.equal(await c.line(), '+OK send PASS');
  assert.match(await c.line(), /^\+OK logged in; maildrop has 5 messages/);
  assert.match(await c.line(), /^\+OK 5 \d+$/);
  for (let i = 0; i < 5; i++) {
    assert.match(await c.line(), /^\+OK \d+ octets$/);
    assert.equal((await c.multi()).toString(), `Subject: ${i}\r\n\r\n..${i}\r\n`);
  }
  assert.equal(await c.line(), '-ERR unknown command "BOGUS"');
  assert.equal(await c.line(), '+OK');
  assert.match(await c.cmd('QUIT'), /^\+OK/);
});

test('STLS: plaintext pipelined after it is discarded; refused once encrypted', async () => {
  const account = await newAccount();
  const c = await Client.open();
  c.socket.write(`STLS\r\nUSER ${account.address}\r\n`);
  assert.equal(await c.line(), '+OK begin TLS negotiation');
  c.socket.removeAllListeners('data');
  const secure = tlsConnect({ socket: c.socket, rejectUnauthorized: false });
  await new Promise<void>((r, j) => {
    secure.once('secureConnect', () => r());
    secure.once('error', j);
  });
  const t = new Client(secure);
  // The pipelined USER was dropped, so PASS has nothing to follow.
  assert.equal(await t.cmd(`PASS ${PASSWORD}`), '-ERR PASS must follow a successful USER');
  assert.equal(await t.cmd('STLS'), '-ERR STLS not available: the connection is already encrypted');
  assert.ok(!(await t.list('CAPA')).includes('STLS'));
  assert.match(await t.login(account), /^\+OK logged in/);
  assert.match(await t.cmd('QUIT'), /^\+OK/);
});
