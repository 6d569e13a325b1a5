/** `postkontor domain dkim` and `postkontor queue list|retry|delete`, run as a user types them. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open-store.ts';
import { runCli, tempDir } from '../cli/run-cli.ts';
import { message } from './outbound-env.ts';

describe('postkontor domain dkim and queue', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  const cli = (...args: string[]) => runCli([...args, '--data', dir.path]);
  before(async () => {
    dir = await tempDir('pk-cli-outbound-');
  });
  after(async () => dir.cleanup());

  test('domain dkim creates a key once, prints the TXT record, rotates on request', async () => {
    assert.equal((await cli('domain', 'add', 'a.test')).code, 0);
    const first = await cli('domain', 'dkim', 'a.test');
    assert.equal(first.stderr, '');
    assert.equal(first.code, 0);
    const [head, record, ...rest] = first.stdout.split('\n');
    assert.match(head!, /^DKIM key pk\d{8} created for a\.test; publish:$/);
    assert.match(record!, /^pk\d{8}\._domainkey\.a\.test TXT "v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}"$/);
    assert.deepEqual(rest, ['']);
    const again = await cli('domain', 'dkim', 'a.test');
    assert.equal(again.stdout.split('\n')[1], record, 'the same key again');
    assert.match(again.stdout, /^DKIM key pk\d{8} of a\.test; publish:/);
    const rotated = await cli('domain', 'dkim', 'a.test', '--rotate');
    assert.match(rotated.stdout, /^DKIM key pk\d{8}n2 created for a\.test/);
    const missing = await cli('domain', 'dkim', 'nowhere.test');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'postkontor: domain nowhere.test does not exist (postkontor domain add nowhere.test)\n');
  });

  test('queue list, retry and delete', async () => {
    assert.deepEqual(await cli('queue', 'list'), { code: 0, stdout: 'the queue is empty\n', stderr: '' });
    const store = await openStore({ dataDir: dir.path });
    const item = await store.queue.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test', 'carol@c.test'], raw: message('cli') });
    const [claimed] = await store.queue.claim('w', 1000, 1);
    await store.queue.finish(claimed!.id, 'w', {
      recipients: [
        { address: 'bob@b.test', status: 'delivered', reply: '250 2.0.0 OK' },
        { address: 'carol@c.test', status: 'pending', reply: '451 4.3.0 try later' },
      ],
      nextAttemptAt: Date.now() + 3_600_000,
      lastError: '451 4.3.0 try later',
    });
    await store.close();

    const list = await cli('queue', 'list');
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^${item.id}  age \\d+s  \\d+ bytes  from <alice@a\\.test>  attempts 1  next in (59m|1h00m)$`));
    assert.deepEqual(lines.slice(1), [
      '  delivered <bob@b.test>  250 2.0.0 OK',
      '  pending   <carol@c.test>  451 4.3.0 try later',
      '  last error: 451 4.3.0 try later',
    ]);
    assert.deepEqual(await cli('queue', 'retry', String(item.id)), { code: 0, stdout: `queued message ${item.id} will be retried now\n`, stderr: '' });
    assert.match((await cli('queue', 'list')).stdout, /attempts 1 {2}next now$/m);
    assert.deepEqual(await cli('queue', 'delete', String(item.id)), { code: 0, stdout: `queued message ${item.id} deleted\n`, stderr: '' });
    assert.deepEqual(await cli('queue', 'delete', String(item.id)), { code: 1, stdout: '', stderr: `postkontor: no queued message ${item.id}\n` });
    assert.deepEqual(await cli('queue', 'retry', '999'), { code: 1, stdout: '', stderr: 'postkontor: no queued message 999\n' });
    const bad = await cli('queue', 'retry', 'abc');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^postkontor: invalid queue id "abc"/);
    const help = await runCli(['help', 'queue']);
    for (const c of ['queue list', 'queue retry', 'queue delete']) assert.match(help.stdout, new RegExp(`^ {2}${c} `, 'm'));
  });
});
