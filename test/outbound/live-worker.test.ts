/**
 * The worker's own loop on the real clock with a short back-off: an enqueue wakes it at once,
 * a receiver that is down makes it retry by itself, and the message arrives once it is back.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startFakeMx } from './fake-mx.ts';
import { message, outboundConfig, outboundEnv } from './outbound-env.ts';

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a stopped receiver is retried on a short back-off, and the mail arrives once it is back', async () => {
  const mx = await startFakeMx();
  const env = await outboundEnv(
    {
      config: outboundConfig({ transport: { 'b.test': `127.0.0.1:${mx.port}` } }),
      autoStart: true,
      policy: { firstRetryMs: 100, maxRetryMs: 200 },
      maxSleepMs: 1000,
    },
    { realClock: true },
  );
  try {
    const t = Date.now();
    await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test'], raw: message('live-1') });
    await until('the first delivery', () => mx.received.length === 1);
    assert.ok(Date.now() - t < 2000, 'an enqueue wakes the worker at once');

    await mx.stop();
    const { id } = await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test'], raw: message('live-2') });
    await until('two failed attempts', async () => ((await env.store.queue.get(Number(id)))?.attempts ?? 0) >= 2);
    await mx.start();
    await until('the delivery after the receiver came back', () => mx.received.length === 2);
    assert.match(mx.received[1]!.raw.toString(), /Subject: live-2/);
    await until('an empty queue', async () => (await env.store.queue.list()).length === 0);
  } finally {
    await env.close();
    await mx.close();
  }
});
