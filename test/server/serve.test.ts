/**
 * `postkontor serve` as an operator runs it: the startup screen, every listener's "not yet
 * available" answer (TLS ones included), the CLI working on the same data dir meanwhile, a clean
 * SIGTERM, the self-signed certificate made once and reused, and each startup failure as one
 * stderr line with exit 1.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { stat, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { freePorts, runCli, spawnCli, tempDir } from '../cli/run-cli.ts';

interface Serving {
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: Promise<number | null>;
}

/** Spawns `serve` and waits for its "ready" line (or its exit, on failure). */
async function serve(args: string[]): Promise<Serving> {
  const child = spawnCli(['serve', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await Promise.race([
    exit,
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (stdout.includes('ready; Ctrl-C stops the server')) resolve();
      };
      child.stdout?.on('data', check);
    }),
  ]);
  return {
    child,
    exit,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

/** Reads from a connected socket until the server closes it. */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** Logs out of an IMAP session right after its greeting and reads until the server closes. */
function logoutAfterGreeting(socket: Socket): Promise<string> {
  socket.once('data', () => socket.write('a LOGOUT\r\n'));
  return readAll(socket);
}

/** POP3: CAPA and QUIT pipelined after the greeting (RFC 2449 PIPELINING). */
function capaThenQuit(socket: Socket): Promise<string> {
  socket.once('data', () => socket.write('CAPA\r\nQUIT\r\n'));
  return readAll(socket);
}

function ehloThenQuit(socket: Socket): Promise<string> {
  socket.once('data', () => socket.write('EHLO serve.test\r\nQUIT\r\n'));
  return readAll(socket);
}

function httpGet(port: number, path = '/health'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PORT_FLAGS = ['imap', 'imaps', 'pop3', 'pop3s', 'smtp', 'submission', 'submissions', 'http'] as const;
type Ports = Record<(typeof PORT_FLAGS)[number], number>;

describe('postkontor serve', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let data: string;
  let firstFingerprint = '';

  before(async () => {
    dir = await tempDir();
    data = join(dir.path, 'data');
  });
  after(async () => {
    await dir.cleanup();
  });

  test('starts, lists its listeners, serves IMAP, POP3 and SMTP, answers /health on HTTP, stops on SIGTERM', async () => {
    const free = await freePorts(8);
    const ports = Object.fromEntries(PORT_FLAGS.map((p, i) => [p, free[i] ?? 0])) as Ports;
    ports.pop3s = 0; // 0 disables a listener
    const configPath = join(dir.path, 'postkontor.toml');
    // The file sets the hostname and an SMTP port; the flag's SMTP port wins.
    await writeFile(configPath, 'hostname = "file.example"\nsmtp-port = 1\n[auth]\nplaintext = "tls-only"\n');
    const flags = PORT_FLAGS.flatMap((p) => [`--${p}-port`, String(ports[p])]);
    const s = await serve(['--data', data, '--config', configPath, ...flags]);
    try {
      const screen = s.stdout;
      assert.match(screen, /^postkontor 0\.1\.0$/m);
      assert.match(screen, new RegExp(`^ {2}data +${data}$`, 'm'));
      assert.match(screen, new RegExp(`^ {2}store +sqlite ${join(data, 'postkontor.db')}$`, 'm'));
      assert.match(screen, /^ {2}hostname +file\.example$/m);
      assert.match(screen, new RegExp(`self-signed certificate created: ${join(data, 'tls', 'cert.pem')}`));
      assert.match(screen, /plaintext passwords: tls-only/);
      assert.match(screen, /^ {2}bind +127\.0\.0\.1 \(loopback only/m);
      const rows: [string, string, string][] = [
        ['IMAP', String(ports.imap), 'STARTTLS'],
        ['IMAPS', String(ports.imaps), 'implicit TLS'],
        ['POP3', String(ports.pop3), 'STARTTLS'],
        ['SMTP', String(ports.smtp), 'STARTTLS'],
        ['Submission', String(ports.submission), 'STARTTLS'],
        ['Submissions', String(ports.submissions), 'implicit TLS'],
        ['HTTP', String(ports.http), 'none'],
      ];
      for (const [label, port, mode] of rows) {
        assert.match(screen, new RegExp(`^ {2}${label} +127\\.0\\.0\\.1 +${port} +${mode}$`, 'm'), label);
      }
      assert.match(screen, /^ {2}POP3S +- +off +-$/m);
      firstFingerprint = /sha256 ([0-9A-F:]+)/.exec(screen)?.[1] ?? '';

      const [imap, imaps, pop3, smtp, submission, submissions, http] = await Promise.all([
        logoutAfterGreeting(netConnect({ host: '127.0.0.1', port: ports.imap })),
        // rejectUnauthorized:false only because this is the test's own self-signed certificate.
        logoutAfterGreeting(tlsConnect({ host: '127.0.0.1', port: ports.imaps, rejectUnauthorized: false, servername: 'localhost' })),
        capaThenQuit(netConnect({ host: '127.0.0.1', port: ports.pop3 })),
        ehloThenQuit(netConnect({ host: '127.0.0.1', port: ports.smtp })),
        ehloThenQuit(netConnect({ host: '127.0.0.1', port: ports.submission })),
        // rejectUnauthorized:false only because this is the test's own self-signed certificate.
        ehloThenQuit(tlsConnect({ host: '127.0.0.1', port: ports.submissions, rejectUnauthorized: false, servername: 'localhost' })),
        httpGet(ports.http),
      ]);
      // IMAP is served: plain IMAP offers STARTTLS and, under auth.plaintext = "tls-only", no
      // password login before it; IMAPS offers logins.
      const bye = '* BYE postkontor logging out\r\na OK LOGOUT completed\r\n';
      assert.match(imap, /^\* OK \[CAPABILITY IMAP4rev1 [^\]]*\bSTARTTLS LOGINDISABLED\] postkontor ready\r\n/);
      assert.ok(imap.endsWith(bye));
      assert.match(imaps, /^\* OK \[CAPABILITY IMAP4rev1 [^\]]*\bAUTH=PLAIN AUTH=LOGIN\] postkontor ready\r\n/);
      assert.doesNotMatch(imaps, /STARTTLS/);
      assert.ok(imaps.endsWith(bye));
      // POP3 likewise: STLS, and neither USER nor SASL before it under "tls-only".
      assert.equal(
        pop3,
        [
          '+OK postkontor POP3 ready',
          '+OK capability list follows',
          'TOP',
          'UIDL',
          'RESP-CODES',
          'AUTH-RESP-CODE',
          'PIPELINING',
          'EXPIRE 0 USER',
          'STLS',
          'IMPLEMENTATION postkontor',
          '.',
          '+OK postkontor POP3 server signing off',
          '',
        ].join('\r\n'),
      );
      // SMTP and submission offer STARTTLS and, under "tls-only", no AUTH before it; 465 offers
      // AUTH and no STARTTLS.
      const ehlo = (extensions: string[]): string =>
        [
          '220 file.example ESMTP postkontor',
          '250-file.example Nice to meet you, [127.0.0.1]',
          ...['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', ...extensions].map((e) => `250-${e}`),
          '250 SIZE 67108864',
          '221 2.0.0 Bye',
          '',
        ].join('\r\n');
      assert.equal(smtp, ehlo(['STARTTLS']));
      assert.equal(submission, ehlo(['STARTTLS']));
      assert.equal(submissions, ehlo(['AUTH PLAIN LOGIN']));
      assert.equal(http.status, 200);
      assert.deepEqual(JSON.parse(http.body), { status: 'ok' });

      // The CLI works on the data dir the server holds open: no SQLITE_BUSY.
      const [d1, d2] = await Promise.all([
        runCli(['domain', 'add', 'example.org', '--data', data]),
        runCli(['domain', 'add', 'example.net', '--data', data]),
      ]);
      assert.deepEqual([d1.code, d1.stderr, d2.code, d2.stderr], [0, '', 0, '']);
      const u = await runCli(['user', 'add', 'a@example.org', '--password', 'pw-in-serve', '--data', data]);
      assert.deepEqual([u.code, u.stderr], [0, '']);

      s.child.kill('SIGTERM');
      assert.equal(await s.exit, 0);
      // stderr is JSON log lines only; each connection line carries proto and cid.
      const records = s.stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const opened = records.filter((r) => r.msg === 'connection opened');
      assert.equal(opened.length, 7);
      for (const r of opened) {
        assert.equal(typeof r.proto, 'string');
        assert.match(String(r.cid), /^[A-Za-z0-9_-]{8}$/);
      }
      assert.deepEqual(
        new Set(opened.map((r) => r.proto)),
        new Set(['imap', 'imaps', 'pop3', 'smtp', 'submission', 'submissions', 'http']),
      );
      assert.ok(records.some((r) => r.msg === 'server stopped'));
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  test('the self-signed certificate is made once (key mode 0600) and reused', async () => {
    const keyStat = await stat(join(data, 'tls', 'key.pem'));
    assert.equal(keyStat.mode & 0o777, 0o600);
    const cert = new X509Certificate(await readFile(join(data, 'tls', 'cert.pem')));
    assert.equal(cert.fingerprint256, firstFingerprint);
    assert.match(cert.subjectAltName ?? '', /DNS:file\.example/);
    const [imap] = await freePorts(1);
    const off = PORT_FLAGS.filter((p) => p !== 'imap').flatMap((p) => [`--${p}-port`, '0']);
    const s = await serve(['--data', data, '--imap-port', String(imap), ...off]);
    try {
      assert.match(s.stdout, new RegExp(`self-signed certificate: ${join(data, 'tls', 'cert.pem')}`));
      assert.doesNotMatch(s.stdout, /created/);
      assert.equal(/sha256 ([0-9A-F:]+)/.exec(s.stdout)?.[1], firstFingerprint);
      s.child.kill('SIGINT');
      assert.equal(await s.exit, 0, `stdout: ${s.stdout}\nstderr: ${s.stderr}`);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  test('startup failures are one line and exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    const off = PORT_FLAGS.filter((p) => p !== 'imap').flatMap((p) => [`--${p}-port`, '0']);
    const badKey = join(dir.path, 'bad-key.toml');
    const badPort = join(dir.path, 'bad-port.toml');
    const noCert = join(dir.path, 'no-cert.toml');
    const junkCert = join(dir.path, 'junk-cert.toml');
    await writeFile(badKey, 'imap-port = 1143\n[tls]\ncertificate = "x.pem"\n');
    await writeFile(badPort, 'imap-port = "many"\n');
    await writeFile(noCert, '[tls]\ncert = "missing/cert.pem"\nkey = "missing/key.pem"\n');
    await writeFile(join(dir.path, 'junk.pem'), 'not a certificate\n');
    await writeFile(junkCert, '[tls]\ncert = "junk.pem"\nkey = "junk.pem"\n');
    try {
      const [inUse, key, port, cert, junk, missingConfig] = await Promise.all([
        serve(['--data', data, '--imap-port', String(busy), ...off]),
        serve(['--data', data, '--config', badKey]),
        serve(['--data', data, '--config', badPort]),
        serve(['--data', data, '--config', noCert]),
        serve(['--data', data, '--config', junkCert]),
        serve(['--data', data, '--config', join(dir.path, 'nope.toml')]),
      ]);
      const expect = async (s: Serving, line: string | RegExp): Promise<void> => {
        assert.equal(await s.exit, 1);
        assert.equal(s.stdout, '');
        if (typeof line === 'string') assert.equal(s.stderr, `postkontor: ${line}\n`);
        else assert.match(s.stderr, line);
      };
      await expect(inUse, `cannot listen on 127.0.0.1:${busy} (IMAP): address already in use`);
      await expect(key, `${badKey}: unknown key "tls.certificate"`);
      await expect(port, `${badPort}: imap-port: expected a port number from 0 to 65535 (0 disables the listener)`);
      await expect(cert, `cannot read TLS certificate ${join(dir.path, 'missing', 'cert.pem')}: no such file`);
      await expect(junk, /^postkontor: invalid TLS certificate or key \([^\n]*junk\.pem[^\n]*\): [^\n]+\n$/);
      await expect(missingConfig, `cannot read config file ${join(dir.path, 'nope.toml')}: no such file`);
    } finally {
      blocker.close();
    }
  });
});
