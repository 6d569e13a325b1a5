import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { connectionLogger, createLogger } from './log.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').trim().split('\n'));
      done();
    },
  });
  return { lines, stream };
}

test('connection children carry proto and cid; secrets and bodies are censored', () => {
  const { lines, stream } = capture();
  const root = createLogger({ level: 'trace', destination: stream });
  const log = connectionLogger(root, 'imap', 'Ab3_x9Zq');
  log.info({ user: 'alice@example.org', password: 'hunter2-secret' }, 'login');
  log.debug({ auth: { password: 'nested-secret', mechanism: 'PLAIN' } }, 'sasl');
  log.trace({ raw: 'Subject: private\r\n\r\nbody text', body: 'more body' }, 'append');
  log.info({ req: { headers: { authorization: 'Basic c2VjcmV0', cookie: 'sid=1' } } }, 'http');
  const all = lines.join('\n');
  for (const secret of ['hunter2-secret', 'nested-secret', 'private', 'body text', 'more body', 'c2VjcmV0', 'sid=1']) {
    assert.ok(!all.includes(secret), secret);
  }
  const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of recs) {
    assert.equal(r.proto, 'imap');
    assert.equal(r.cid, 'Ab3_x9Zq');
  }
  assert.equal(recs[0]?.user, 'alice@example.org');
  assert.equal(recs[0]?.password, '[redacted]');
  assert.deepEqual(recs[1]?.auth, { password: '[redacted]', mechanism: 'PLAIN' });
});

test('pretty mode writes one human line per record', () => {
  const { lines, stream } = capture();
  const log = connectionLogger(createLogger({ destination: stream, pretty: true }), 'pop3', 'cid12345');
  log.warn({ remote: '192.0.2.1', password: 'x' }, 'too many failures');
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /^\d\d:\d\d:\d\d WARN {2}pop3\/cid12345 too many failures remote=192\.0\.2\.1 password=\[redacted\]$/);
});
