/**
 * PROXY protocol on the real listeners (startServer): a trusted balancer's v1 and v2 headers put
 * the client's address into the session registry, the log and the protocols' own output (SMTP's
 * EHLO reply), on plain and implicit-TLS listeners alike; bytes sent right behind the header reach
 * the protocol; a malformed header closes the connection; an untrusted peer and a listener left
 * out of `listeners` are served as if PROXY were off. The header reader itself is tested on
 * socket pairs below (chunking, timeout, early close).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { LISTENER_NAMES, resolveConfig, type ListenerName } from '../../src/core/config-schema.ts';
import { createLogger } from '../../src/core/log.ts';
import { encodeProxyV1, encodeProxyV2 } from '../../src/core/proxy-protocol.ts';
import { ProxyHeaderError, readProxyHeader } from '../../src/server/listener-socket.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { freePorts, tempDir } from '../cli/run-cli.ts';

const ON: ListenerName[] = ['imap', 'imaps', 'pop3', 'smtp', 'http'];

let dir: { path: string; cleanup(): Promise<void> };
let server: RunningServer;
let ports: Record<ListenerName, number>;
const logLines: Record<string, unknown>[] = [];

before(async () => {
  dir = await tempDir();
  const free = await freePorts(ON.length);
  ports = Object.fromEntries(LISTENER_NAMES.map((n) => [n, ON.includes(n) ? (free[ON.indexOf(n)] ?? 0) : 0])) as Record<ListenerName, number>;
  // pop3 is left out of `listeners`: it takes no header even from the balancer.
  const file = { proxy: { trusted: ['127.0.0.1', '10.0.0.0/8'], listeners: ['imap', 'imaps', 'smtp', 'http'] as ListenerName[] } };
  const config = resolveConfig(join(dir.path, 'data'), file, { ports, hostname: 'mail.test' }, 'unused');
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').trim().split('\n')) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  server = await startServer({ config, log: createLogger({ level: 'debug', destination }) });
});

after(async () => {
  await server?.close();
  await dir.cleanup();
});

/** Reads until `pattern` matches what arrived (or the socket ends), bounded. */
function readUntil(socket: Socket, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(text)}`)), 5000);
    const finish = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(text);
    };
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (pattern.test(text)) finish();
    };
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('error', reject);
  });
}

async function connectFrom(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const s = netConnect({ host: '127.0.0.1', port, localAddress });
  await once(s, 'connect');
  return s;
}

function sessionOn(listener: ListenerName): { remoteAddress: string; remotePort: number } | undefined {
  return server.context.sessions.list().find((e) => e.listener === listener);
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond());
}

describe('PROXY protocol on the listeners', () => {
  test('IMAP, v1 with the first command in the same packet: the registry and the log show the client', async () => {
    const s = await connectFrom(ports.imap);
    const header = encodeProxyV1({ family: 'IPv4', sourceAddress: '203.0.113.7', sourcePort: 40001, destinationAddress: '127.0.0.1', destinationPort: 143 });
    s.write(Buffer.concat([header, Buffer.from('a1 CAPABILITY\r\n')]));
    const text = await readUntil(s, /a1 OK[^\r\n]*\r\n/);
    assert.match(text, /^\* OK \[CAPABILITY IMAP4rev1 [^\r\n]*\r\n\* CAPABILITY IMAP4rev1 /);
    assert.deepEqual(sessionOn('imap') && { a: sessionOn('imap')?.remoteAddress, p: sessionOn('imap')?.remotePort }, { a: '203.0.113.7', p: 40001 });
    s.write('a2 LOGOUT\r\n');
    await readUntil(s, /a2 OK/);
    s.destroy();
    const opened = logLines.find((r) => r.msg === 'connection opened' && r.proto === 'imap' && r.remote === '203.0.113.7');
    assert.ok(opened, 'log line with the client address');
    assert.equal(opened.port, 40001);
    assert.equal(opened.via, '127.0.0.1');
  });

  test('SMTP, v2 (IPv6 client, a TLV): the EHLO reply names the client', async () => {
    const s = await connectFrom(ports.smtp);
    s.write(
      encodeProxyV2(
        { family: 'IPv6', sourceAddress: '2001:db8::42', sourcePort: 50000, destinationAddress: '2001:db8::25', destinationPort: 25 },
        [{ type: 0x04, value: Buffer.from('noop') }],
      ),
    );
    assert.match(await readUntil(s, /^220 .*\r\n/), /^220 mail\.test ESMTP/);
    s.write('EHLO client.test\r\n');
    assert.match(await readUntil(s, /^250 .*\r\n/m), /^250-mail\.test Nice to meet you, \[2001:db8::42\]\r\n/);
    assert.equal(sessionOn('smtp')?.remoteAddress, '2001:db8::42');
    s.write('QUIT\r\n');
    await readUntil(s, /^221 /m);
    s.destroy();
  });

  test('IMAPS: the header in cleartext, then TLS on the same socket', async () => {
    const raw = await connectFrom(ports.imaps);
    raw.write(encodeProxyV2({ family: 'IPv4', sourceAddress: '198.51.100.23', sourcePort: 61000, destinationAddress: '10.0.0.1', destinationPort: 993 }));
    // rejectUnauthorized:false only because this is the test's own self-signed certificate.
    const s = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' });
    assert.match(await readUntil(s, /\r\n/), /^\* OK \[CAPABILITY IMAP4rev1 [^\]]*AUTH=PLAIN/);
    const entry = sessionOn('imaps');
    assert.deepEqual([entry?.remoteAddress, entry?.remotePort], ['198.51.100.23', 61000]);
    assert.ok(logLines.some((r) => r.msg === 'connection opened' && r.proto === 'imaps' && r.remote === '198.51.100.23' && r.secure === true));
    s.write('a LOGOUT\r\n');
    await readUntil(s, /a OK/);
    s.destroy();
  });

  test('HTTP: /health through the balancer (the header and the request in one write)', async () => {
    const s = await connectFrom(ports.http);
    const header = encodeProxyV1({ family: 'IPv4', sourceAddress: '192.0.2.80', sourcePort: 1234, destinationAddress: '127.0.0.1', destinationPort: 80 });
    s.write(Buffer.concat([header, Buffer.from('GET /health HTTP/1.1\r\nHost: mail.test\r\nConnection: close\r\n\r\n')]));
    const text = await readUntil(s, /\{"status":"ok"\}/);
    assert.match(text, /^HTTP\/1\.1 200 /);
    s.destroy();
    assert.ok(logLines.some((r) => r.msg === 'connection opened' && r.proto === 'http' && r.remote === '192.0.2.80' && r.via === '127.0.0.1'));
  });

  test('HTTP: a TLS-terminating balancer\'s X-Forwarded-Proto is believed; without it a password over plain http from afar is refused', async () => {
    const body = JSON.stringify({ address: 'nobody@mail.test', password: 'not-this' });
    const post = async (forwarded: boolean): Promise<string> => {
      const s = await connectFrom(ports.http);
      const header = encodeProxyV1({ family: 'IPv4', sourceAddress: '192.0.2.81', sourcePort: 4321, destinationAddress: '127.0.0.1', destinationPort: 443 });
      const request =
        `POST /api/session HTTP/1.1\r\nHost: mail.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        `${forwarded ? 'X-Forwarded-Proto: https\r\n' : ''}Connection: close\r\n\r\n${body}`;
      s.write(Buffer.concat([header, Buffer.from(request)]));
      const text = await readUntil(s, /\}$/);
      s.destroy();
      return text;
    };
    // auth.plaintext (tls-or-loopback) is checked before the password: 403 insecure vs 401.
    assert.match(await post(false), /^HTTP\/1\.1 403 [\s\S]*"insecure"/);
    assert.match(await post(true), /^HTTP\/1\.1 401 [\s\S]*"credentials"/);
  });

  test('v2 LOCAL (the balancer\'s own check) keeps the balancer\'s address', async () => {
    const s = await connectFrom(ports.imap);
    s.write(encodeProxyV2(null));
    await readUntil(s, /\r\n/);
    assert.equal(sessionOn('imap')?.remoteAddress, '127.0.0.1');
    s.destroy();
    await until(() => sessionOn('imap') === undefined);
  });

  test('a malformed header closes the connection before any greeting; logged at info', async () => {
    for (const bad of ['PROXY TCP4 203.0.113.1 nonsense 1 2\r\n', 'a1 LOGIN user pass\r\n']) {
      const s = await connectFrom(ports.imap);
      s.write(bad);
      assert.equal(await readUntil(s, /$^/), '');
      s.destroy();
    }
    const refused = logLines.filter((r) => r.msg === 'PROXY header refused; closing');
    assert.deepEqual(
      refused.map((r) => [r.level, r.proto, r.remote, r.reason]),
      [
        [30, 'imap', '127.0.0.1', 'v1: bad IPv4 destination address'],
        [30, 'imap', '127.0.0.1', 'not a PROXY protocol header'],
      ],
    );
    assert.equal(server.context.sessions.list().length, 0);
  });

  test('an untrusted peer and a listener not in `listeners` are served without a header', async () => {
    // 127.0.0.2 is loopback too, but not in `trusted`.
    const s = await connectFrom(ports.imap, '127.0.0.2');
    assert.match(await readUntil(s, /\r\n/), /^\* OK /);
    assert.equal(sessionOn('imap')?.remoteAddress, '127.0.0.2');
    s.destroy();
    // POP3 is not in `listeners`: even from the balancer a header is just a bad command there.
    const p = await connectFrom(ports.pop3);
    assert.match(await readUntil(p, /\r\n/), /^\+OK /);
    p.write(encodeProxyV1(null));
    assert.match(await readUntil(p, /\r\n/), /^-ERR /);
    assert.equal(sessionOn('pop3')?.remoteAddress, '127.0.0.1');
    p.destroy();
  });
});

describe('readProxyHeader on a socket pair', () => {
  async function pair(): Promise<{ client: Socket; accepted: Socket; close: () => void }> {
    const srv = createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    const accepting = once(srv, 'connection') as Promise<[Socket]>;
    const client = netConnect({ host: '127.0.0.1', port });
    const [accepted] = await accepting;
    await once(client, 'connect').catch(() => undefined);
    return {
      client,
      accepted,
      close: () => {
        client.destroy();
        accepted.destroy();
        srv.close();
      },
    };
  }

  test('a header dribbled byte by byte, the rest left for the next reader in order', async () => {
    const { client, accepted, close } = await pair();
    try {
      const wire = Buffer.concat([
        encodeProxyV2({ family: 'IPv4', sourceAddress: '203.0.113.5', sourcePort: 7, destinationAddress: '10.1.1.1', destinationPort: 25 }),
        Buffer.from('EHLO x\r\n'),
      ]);
      const reading = readProxyHeader(accepted, 2000);
      for (const byte of wire.subarray(0, 20)) {
        client.write(Buffer.from([byte]));
        await new Promise((r) => setTimeout(r, 1));
      }
      client.write(wire.subarray(20));
      const header = await reading;
      assert.equal(header.endpoints?.sourceAddress, '203.0.113.5');
      // The protocol attaches its 'data' listener later, as handlers do.
      await new Promise((r) => setTimeout(r, 20));
      let rest = '';
      accepted.on('data', (d: Buffer) => (rest += d.toString('latin1')));
      await until(() => rest.length >= wire.length - header.length);
      assert.equal(rest, wire.subarray(header.length).toString('latin1'));
    } finally {
      close();
    }
  });

  test('no header in time, or the peer closing first: ProxyHeaderError', async () => {
    const a = await pair();
    try {
      await assert.rejects(readProxyHeader(a.accepted, 50), (err) => err instanceof ProxyHeaderError && err.message === 'no PROXY header within 0.05 s');
    } finally {
      a.close();
    }
    const b = await pair();
    try {
      const reading = readProxyHeader(b.accepted, 2000);
      b.client.end('PROXY TCP4 1.2');
      await assert.rejects(reading, { message: 'connection closed before a complete PROXY header' });
    } finally {
      b.close();
    }
  });
});
