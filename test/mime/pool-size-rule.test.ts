/**
 * Messages of POOL_MIN_BYTES or more are verified and indexed on a worker-pool thread, smaller
 * ones in the calling thread (src/mime/worker-pool.ts). Both ways must give the same result:
 * the same Authentication-Results (the pool thread asks this thread's DNS function) and the
 * same stored MIME index, for a message just below and one well above the threshold.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createLogger } from '../../src/core/log.ts';
import { INDEX_TASKS, storeIndexOf } from '../../src/mime/index-pool.ts';
import { storeIndexTask } from '../../src/mime/index-tasks.ts';
import { PoolUnavailable, POOL_MIN_BYTES, runOnPool, warmWorkerPool } from '../../src/mime/worker-pool.ts';
import { verifyFully } from '../../src/protocols/smtp/auth-tasks.ts';
import { AUTH_TASKS, verifyForDelivery } from '../../src/protocols/smtp/authentication-results.ts';
import { memoryDns } from '../helpers/smtp-env.ts';

const log = createLogger({ level: 'silent' });
const dns = memoryDns({ 'sender.example': { TXT: [['v=spf1 ip4:127.0.0.1 -all']] }, '_dmarc.sender.example': { TXT: [['v=DMARC1; p=reject']] } });

function message(bytes: number): Buffer {
  const head = 'From: <a@sender.example>\r\nTo: <b@example.org>\r\nSubject: size rule\r\nMessage-ID: <s@sender.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  let body = '';
  while (head.length + body.length < bytes) body += 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n';
  return Buffer.from(`${head}${body}--b1--\r\n`);
}

// The pool threads load their task modules first; until then big messages run here too.
before(async () => {
  warmWorkerPool([AUTH_TASKS, INDEX_TASKS]);
  for (const end = Date.now() + 20_000; ; ) {
    try {
      await runOnPool(INDEX_TASKS, 'storeIndexTask', message(POOL_MIN_BYTES * 2));
      await runOnPool(AUTH_TASKS, 'verifyTask', { raw: message(POOL_MIN_BYTES * 2), remoteAddress: '127.0.0.1', helo: 'h', sender: '', hostname: 'h', dns: { servers: ['127.0.0.1:9'] }, trace: '' });
      return;
    } catch (err) {
      if (!(err instanceof PoolUnavailable) || Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

for (const size of [POOL_MIN_BYTES - 4096, POOL_MIN_BYTES * 3]) {
  test(`a ${Math.round(size / 1024)} KB message: the same verdict and index in-thread and on the pool`, async () => {
    const raw = message(size);
    const input = { raw, remoteAddress: '127.0.0.1', helo: 'mx.sender.example', sender: 'a@sender.example', hostname: 'mx.example.org', dns };
    const reference = await verifyFully(input);
    const verified = await verifyForDelivery(input, 'Received: test\r\n', log);
    assert.equal(verified.auth.headers, reference.headers);
    assert.match(verified.auth.headers, /spf=pass/);
    assert.equal(verified.auth.quarantine, reference.quarantine);
    assert.deepEqual(verified.stored, Buffer.concat([Buffer.from(reference.headers + 'Received: test\r\n'), raw]));
    assert.deepEqual(await storeIndexOf(verified.stored), await storeIndexTask(verified.stored));
  });
}
