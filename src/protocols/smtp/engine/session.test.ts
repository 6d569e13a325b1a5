import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Logger } from '../../../core/log.ts';
import { smtpReply } from './reply.ts';
import { SmtpSession } from './session.ts';
import type { SmtpEngineConfig, SmtpHooks } from './types.ts';

/** Just enough of a net.Socket: records every write, never closes on its own. */
class FakeSocket extends EventEmitter {
  readonly writes: string[] = [];
  ended = false;
  write(data: string): boolean {
    this.writes.push(data);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  timeoutMs = 0;
  setTimeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  isPaused(): boolean {
    return false;
  }
  destroy(): void {
    this.ended = true;
  }
  send(text: string): void {
    this.emit('data', Buffer.from(text, 'latin1'));
  }
}

const noop = (): void => undefined;
const log = { isLevelEnabled: () => false, debug: noop, info: noop, warn: noop, error: noop } as unknown as Logger;
const config: SmtpEngineConfig = {
  hostname: 'mx.test',
  implicitTls: false,
  starttls: null,
  authRequired: false,
  maxMessageBytes: 1000,
  passwordAllowed: () => true,
  idleTimeoutMs: 60_000,
};

function hooks(async: boolean, messages: Buffer[] = []): SmtpHooks<null> {
  const answer = <T>(v: T): T | Promise<T> => (async ? new Promise((r) => setTimeout(() => r(v), 1)) : v);
  return {
    auth: () => answer({ user: 'u' }),
    mailFrom: (_s, from) => answer(from.address === 'refused@x.test' ? smtpReply(550, '5.7.1', 'no') : null),
    rcptTo: (_s, rcpt) => {
      if (rcpt.address === 'boom@x.test') throw new Error('boom');
      if (rcpt.address === 'bye@x.test') return answer(smtpReply(421, '4.3.0', 'going away'));
      return answer(rcpt.address.startsWith('nobody') ? smtpReply(550, '5.1.1', 'no such user') : null);
    },
    data: (_s, message) => {
      messages.push(message);
      return answer('queued');
    },
    failed: () => smtpReply(451, '4.3.0', 'internal error'),
  };
}

function open(async: boolean, messages: Buffer[] = []): FakeSocket {
  const socket = new FakeSocket();
  new SmtpSession(config, hooks(async, messages), socket as unknown as Socket, { remoteAddress: '192.0.2.1', log }, null).start();
  socket.writes.length = 0;
  return socket;
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

for (const async of [false, true]) {
  const kind = async ? 'async hooks' : 'synchronous hooks';

  test(`${kind}: a pipelined group is answered in order in one write`, async () => {
    const messages: Buffer[] = [];
    const s = open(async, messages);
    s.send('EHLO c.test\r\n');
    await settle();
    s.writes.length = 0;
    s.send('MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nRCPT TO:<nobody@x.test>\r\nRCPT TO:<c@x.test>\r\nDATA\r\n');
    await settle();
    assert.deepEqual(s.writes, ['250 2.1.0 Accepted\r\n250 2.1.5 Accepted\r\n550 5.1.1 no such user\r\n250 2.1.5 Accepted\r\n354 End data with <CR><LF>.<CR><LF>\r\n']);
    s.writes.length = 0;
    // The end of the message and the next commands in one packet: one write again.
    s.send('Subject: x\r\n\r\n..dot\r\n.\r\nNOOP\r\nQUIT\r\n');
    await settle();
    assert.deepEqual(s.writes, ['250 2.6.0 queued\r\n250 2.0.0 OK\r\n221 2.0.0 Bye\r\n']);
    assert.equal(s.ended, true);
    assert.deepEqual(messages.map((m) => m.toString()), ['Subject: x\r\n\r\n.dot\r\n']);
  });

  test(`${kind}: a hook that throws answers 451 and the session goes on; a 421 closes`, async () => {
    const s = open(async);
    s.send('EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<boom@x.test>\r\nRCPT TO:<b@x.test>\r\n');
    await settle();
    assert.deepEqual(s.writes.join('').split('\r\n').slice(-4, -1), ['250 2.1.0 Accepted', '451 4.3.0 internal error', '250 2.1.5 Accepted']);
    s.writes.length = 0;
    s.send('RCPT TO:<bye@x.test>\r\nNOOP\r\n');
    await settle();
    assert.deepEqual(s.writes, ['421 4.3.0 going away\r\n']);
    assert.equal(s.ended, true);
  });
}

test('a refused MAIL leaves no transaction behind; RCPT then needs MAIL', async () => {
  const s = open(false);
  s.send('EHLO c.test\r\nMAIL FROM:<refused@x.test> SIZE=10\r\nRCPT TO:<b@x.test>\r\nMAIL FROM:<a@x.test>\r\n');
  await settle();
  assert.deepEqual(s.writes.join('').split('\r\n').slice(-4, -1), ['550 5.7.1 no', '503 5.5.1 Error: need MAIL command', '250 2.1.0 Accepted']);
});

test('DATA over the limit: 552 after the dot, nothing handed to the hook, the session goes on', async () => {
  const messages: Buffer[] = [];
  const s = open(false, messages);
  s.send('EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n');
  await settle();
  s.writes.length = 0;
  for (let i = 0; i < 30; i++) s.send(`${'x'.repeat(98)}\r\n`);
  s.send('.\r\nNOOP\r\n');
  await settle();
  assert.deepEqual(s.writes, ['552 5.3.4 Error: message exceeds fixed maximum message size 1000\r\n250 2.0.0 OK\r\n']);
  assert.equal(messages.length, 0);
});

test('an over-long line gets 500 and the next line is a command again, even split across packets', async () => {
  const s = open(false);
  s.send(`NOOP ${'x'.repeat(3000)}`);
  s.send(`${'x'.repeat(3000)}`);
  s.send(`${'x'.repeat(10)}\r\nNO`);
  s.send('OP\r\n');
  await settle();
  assert.deepEqual(s.writes.join(''), '500 5.5.2 line too long\r\n250 2.0.0 OK\r\n');
});

test('AUTH: PLAIN after a 334, LOGIN in steps, and "*" cancels', async () => {
  const s = open(false);
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  s.send(`EHLO c.test\r\nAUTH LOGIN\r\n${b64('u')}\r\n*\r\nAUTH PLAIN\r\n${b64('\0u\0p')}\r\nAUTH PLAIN ${b64('\0u\0p')}\r\n`);
  await settle();
  assert.deepEqual(s.writes.join('').split('\r\n').slice(-7, -1), [
    '334 VXNlcm5hbWU6',
    '334 UGFzc3dvcmQ6',
    '501 5.7.0 Authentication aborted',
    '334 ',
    '235 2.7.0 Authentication successful',
    '503 5.5.1 Error: No identity changes permitted',
  ]);
});

test('fuzz: any sequence of (mutated) command lines in any chunking is answered and the session recovers', async () => {
  const corpus = [
    'EHLO c.test', 'HELO c.test', 'MAIL FROM:<a@x.test>', 'MAIL FROM:<a@x.test> SIZE=10 BODY=8BITMIME', 'RCPT TO:<b@x.test>',
    'RCPT TO:<nobody@x.test> NOTIFY=NEVER', 'DATA', 'RSET', 'NOOP', 'VRFY x', 'HELP', 'AUTH PLAIN', 'AUTH LOGIN', 'AUTH PLAIN AHUAcA==',
    'STARTTLS', '.', '..', '', 'Subject: x', '*', 'GET / HTTP/1.1', 'MAIL FROM:<a@x.test> ENVID=a+0D+0Ab',
  ];
  const mutate = fc.tuple(fc.constantFrom(...corpus), fc.nat(), fc.constantFrom('', '\r', '\n', '\0', ':', '<', '>', '=', ' ', 'x'.repeat(5000), '.', '\u00e9'));
  const line = mutate.map(([base, at, ins]) => {
    const p = base.length ? at % (base.length + 1) : 0;
    return base.slice(0, p) + ins + base.slice(p);
  });
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 25 }), fc.integer({ min: 1, max: 50 }), async (lines, chunk) => {
      const s = open(false);
      const wire = Buffer.from(`${lines.join('\r\n')}\r\n.\r\nRSET\r\n`, 'utf8');
      for (let i = 0; i < wire.length; i += chunk) s.emit('data', wire.subarray(i, i + chunk));
      await new Promise((r) => setImmediate(r));
      const replies = s.writes.join('').split('\r\n').filter((l) => l !== '');
      for (const r of replies) assert.match(r, /^\d{3}[ -]/, r);
      const last = replies.at(-1) ?? '';
      if (s.ended) assert.match(last, /^(421|221) /, `${JSON.stringify(lines)} -> ${last}`);
      else assert.equal(last, '250 2.0.0 Flushed', `${JSON.stringify(lines)} -> ${replies.slice(-3).join(' | ')}`);
    }),
    { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261129) },
  );
});

test('idle timeout: 421 4.4.2 and close; while a hook works it only re-arms; after close the socket is destroyed', async () => {
  const s = open(true);
  assert.equal(s.timeoutMs, 60_000);
  s.send('EHLO c.test\r\nMAIL FROM:<a@x.test>\r\n');
  // The MAIL hook is still pending (async, 1 ms): a timeout now is not the client's idleness.
  s.emit('timeout');
  await settle();
  assert.ok(!s.writes.join('').includes('421'));
  s.writes.length = 0;
  s.emit('timeout');
  assert.deepEqual(s.writes, ['421 4.4.2 mx.test idle timeout; closing connection\r\n']);
  assert.equal(s.ended, true);
  assert.equal(s.timeoutMs, 5000, 'a peer that never closes gets 5 s');
});

test('shutdown: 421 4.3.2 to the client, then close', () => {
  const socket = new FakeSocket();
  const session = new SmtpSession(config, hooks(false), socket as unknown as Socket, { remoteAddress: '192.0.2.1', log }, null);
  session.start();
  session.shutdown();
  assert.deepEqual(socket.writes, ['220 mx.test ESMTP postkontor\r\n', '421 4.3.2 mx.test shutting down\r\n']);
  assert.equal(socket.ended, true);
});

