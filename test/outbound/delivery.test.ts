/**
 * The outbound queue end to end against a fake remote SMTP server on loopback: delivery via
 * the transport map and via MX, per-recipient results, retries on a fake clock, RFC 3464
 * bounces and the delay notice, relay AUTH, and restarts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { srsReverse } from '../../src/delivery/outbound/srs.ts';
import { startFakeMx, type FakeMx } from './fake-mx.ts';
import { HOUR, MIN, message, outboundConfig, outboundEnv, type OutboundEnv } from './outbound-env.ts';

function parts(raw: Buffer): { header: string; parts: string[] } {
  const text = raw.toString('utf8');
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  assert.ok(boundary, 'a multipart boundary');
  const [header = '', ...rest] = text.split(`\r\n--${boundary}`);
  const body = rest.filter((p) => !p.startsWith('--'));
  return { header, parts: body };
}

/** Asserts the RFC 3464 shape and returns the delivery-status part's text. */
function assertDsn(raw: Buffer, original: 'message/rfc822' | 'text/rfc822-headers'): string {
  const { header, parts: ps } = parts(raw);
  assert.match(header, /^From: Mail Delivery System <MAILER-DAEMON@mx\.a\.test>$/m);
  assert.match(header, /^To: <alice@a\.test>$/m);
  assert.match(header, /^Auto-Submitted: auto-replied$/m);
  assert.match(header, /^Content-Type: multipart\/report; report-type=delivery-status; boundary=/m);
  assert.equal(ps.length, 3, 'human text, delivery-status, original');
  assert.match(ps[0]!, /^\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
  assert.match(ps[1]!, /^\r\nContent-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mx\.a\.test\r\n/);
  assert.match(ps[1]!, /^Arrival-Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/m);
  assert.ok(ps[2]!.startsWith(`\r\nContent-Type: ${original}\r\n`), ps[2]!.slice(0, 80));
  return ps[1]!;
}

describe('outbound delivery via the transport map', () => {
  let mx: FakeMx;
  let env: OutboundEnv;
  before(async () => {
    mx = await startFakeMx();
    // down.test: nothing listens there (connection refused at once: fast retries for the 5-day test).
    env = await outboundEnv({ config: outboundConfig({ transport: { 'b.test': `127.0.0.1:${mx.port}`, 'down.test': '127.0.0.1:1' } }) });
  });
  after(async () => {
    await env.close();
    await mx.close();
  });
  const reset = (): void => {
    mx.received.length = 0;
    mx.replies.clear();
  };

  test('delivers, and the item leaves the queue', async () => {
    reset();
    const raw = message('hello');
    const { id } = await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test', 'carol@b.test'], raw, accountId: env.alice.id });
    assert.match(id, /^\d+$/);
    assert.equal((await env.store.queue.get(Number(id)))?.recipients.length, 2, 'durable before enqueue resolves');
    assert.equal(await env.running.worker.runDue(), 1);
    assert.equal(mx.received.length, 1, 'one transaction for both recipients of the domain');
    assert.equal(mx.received[0]!.from, 'alice@a.test');
    assert.deepEqual([...mx.received[0]!.to].sort(), ['bob@b.test', 'carol@b.test']);
    assert.ok(mx.received[0]!.raw.toString().endsWith(raw.toString()), 'the message arrives unchanged');
    assert.equal(mx.received[0]!.secure, true, 'opportunistic STARTTLS was used');
    assert.deepEqual(await env.store.queue.list(), []);
  });

  test('forwarding: srsDomain rewrites the envelope sender with SRS, which reverses', async () => {
    reset();
    await env.running.outbound.enqueue({ sender: 'dave@far.test', recipients: ['bob@b.test'], raw: message('fwd'), srsDomain: 'a.test' });
    await env.running.worker.runDue();
    const from = mx.received[0]!.from;
    assert.match(from, /^SRS0=[^=]{4}=[A-Z2-7]{2}=far\.test=dave@a\.test$/);
    assert.equal(srsReverse(from, 'test-srs-secret', env.clock.now()), 'dave@far.test');
  });

  test('4xx: the recipient stays pending and is retried after the back-off', async () => {
    reset();
    mx.replies.set('bob@b.test', '450 4.2.0 mailbox busy');
    const t0 = env.clock.now();
    const { id } = await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test'], raw: message('busy') });
    await env.running.worker.runDue();
    let item = (await env.store.queue.get(Number(id)))!;
    assert.equal(item.attempts, 1);
    assert.equal(item.nextAttemptAt, t0 + 5 * MIN);
    assert.equal(item.recipients[0]!.status, 'pending');
    assert.match(item.recipients[0]!.reply!, /^450 4\.2\.0 mailbox busy/);
    assert.match(item.lastError!, /^450/);
    assert.equal(await env.running.worker.runDue(), 0, 'not due yet');
    env.clock.advance(5 * MIN);
    await env.running.worker.runDue();
    item = (await env.store.queue.get(Number(id)))!;
    assert.equal(item.nextAttemptAt, env.clock.now() + 10 * MIN, 'the wait doubles');
    mx.replies.clear();
    env.clock.advance(10 * MIN);
    await env.running.worker.runDue();
    assert.equal(await env.store.queue.get(Number(id)), null);
    assert.equal(mx.received.length, 1);
    assert.equal((await env.inbox()).length, 0, 'no report for a message that got through');
  });

  test('5xx: a RFC 3464 bounce lands in the sender\'s INBOX; delivered recipients are not in it', async () => {
    reset();
    mx.replies.set('nobody@b.test', '550 5.1.1 <nobody@b.test>: no such user');
    const before = (await env.inbox()).length;
    await env.running.outbound.enqueue({
      sender: 'alice@a.test',
      recipients: ['bob@b.test', 'nobody@b.test'],
      raw: message('partly'),
      dsn: { envid: 'ENV-42' },
    });
    await env.running.worker.runDue();
    assert.deepEqual(mx.received.map((r) => r.to), [['bob@b.test']]);
    assert.deepEqual(await env.store.queue.list(), []);
    const inbox = await env.inbox();
    assert.equal(inbox.length, before + 1);
    const status = assertDsn(inbox.at(-1)!, 'message/rfc822');
    assert.match(status, /^Original-Envelope-Id: ENV-42$/m);
    assert.match(status, /^Final-Recipient: rfc822; nobody@b\.test$/m);
    assert.match(status, /^Action: failed$/m);
    assert.match(status, /^Status: 5\.1\.1$/m);
    assert.match(status, /^Remote-MTA: dns; 127\.0\.0\.1$/m);
    assert.match(status, /^Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@b\.test>: no such user$/m);
    assert.doesNotMatch(status, /bob@b\.test/);
    assert.match(inbox.at(-1)!.toString(), /Subject: partly/, 'the original comes back');
  });

  test('RET=HDRS returns the header only; NOTIFY=NEVER suppresses the bounce', async () => {
    reset();
    mx.replies.set('x@b.test', '554 5.7.1 rejected');
    mx.replies.set('y@b.test', '554 5.7.1 rejected');
    const before = (await env.inbox()).length;
    await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['x@b.test'], raw: message('hdrs'), dsn: { ret: 'HDRS' } });
    await env.running.outbound.enqueue({
      sender: 'alice@a.test',
      recipients: ['y@b.test'],
      raw: message('never'),
      dsn: { notify: { 'y@b.test': ['NEVER'] } },
    });
    await env.running.worker.runDue();
    const inbox = await env.inbox();
    assert.equal(inbox.length, before + 1);
    assertDsn(inbox.at(-1)!, 'text/rfc822-headers');
    assert.doesNotMatch(inbox.at(-1)!.toString(), /Body of hdrs/);
    assert.deepEqual(await env.store.queue.list(), []);
  });

  test('a bounce is never bounced: null-sender mail that fails just goes', async () => {
    reset();
    mx.replies.set('gone@b.test', '550 5.1.1 gone');
    const before = (await env.inbox()).length;
    await env.running.outbound.enqueue({ sender: '', recipients: ['gone@b.test'], raw: message('bounce') });
    await env.running.worker.runDue();
    assert.equal((await env.inbox()).length, before);
    assert.deepEqual(await env.store.queue.list(), []);
  });

  test('a remote sender\'s bounce is queued with the null sender and delivered', async () => {
    reset();
    mx.replies.set('gone@b.test', '550 5.1.1 gone');
    await env.running.outbound.enqueue({ sender: 'dave@b.test', recipients: ['gone@b.test'], raw: message('forwarded') });
    await env.running.worker.runDue();
    const queued = await env.store.queue.list();
    assert.equal(queued.length, 1);
    assert.equal(queued[0]!.sender, '');
    assert.deepEqual(queued[0]!.recipients.map((r) => r.address), ['dave@b.test']);
    await env.running.worker.runDue();
    assert.equal(mx.received.length, 1);
    assert.equal(mx.received[0]!.from, '');
    assert.deepEqual(mx.received[0]!.to, ['dave@b.test']);
    assert.match(mx.received[0]!.raw.toString(), /report-type=delivery-status/);
  });

  test('one delay notice after 4 hours, then a bounce with 4.4.7 when 5 days are up', async () => {
    reset();
    const before = (await env.inbox()).length;
    const t0 = env.clock.now();
    const { id } = await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['slow@down.test'], raw: message('slow') });
    let attempts = 0;
    while ((await env.store.queue.get(Number(id))) !== null) {
      await env.running.worker.runDue();
      attempts++;
      const item = await env.store.queue.get(Number(id));
      if (item) env.clock.advance(item.nextAttemptAt - env.clock.now());
      assert.ok(attempts < 500, 'gives up eventually');
      if (item && item.delayNotified) {
        assert.ok(env.clock.now() - t0 >= 4 * HOUR);
      }
    }
    assert.ok(env.clock.now() - t0 >= 5 * 24 * HOUR, 'kept trying for 5 days');
    assert.ok(attempts > 100 && attempts < 140, `about one attempt an hour (${attempts})`);
    const reports = (await env.inbox()).slice(before);
    assert.equal(reports.length, 2, 'one delay notice and one bounce');
    const delayed = assertDsn(reports[0]!, 'message/rfc822');
    assert.match(reports[0]!.toString(), /^Subject: Delayed Mail/m);
    assert.match(delayed, /^Action: delayed$/m);
    assert.match(delayed, /^Status: 4\.4\.1$/m);
    assert.match(delayed, /^Will-Retry-Until: /m);
    const failed = assertDsn(reports[1]!, 'message/rfc822');
    assert.match(failed, /^Action: failed$/m);
    assert.match(failed, /^Status: 4\.4\.7$/m);
    assert.match(failed, /^Diagnostic-Code: smtp; 450 4\.4\.7 gave up after 120 hours; last error: 451 4\.4\.1 connection to 127\.0\.0\.1:1 failed/m);
  });

  test('a stopped receiver: the message waits, and arrives once the receiver is back', async () => {
    reset();
    await mx.stop();
    const { id } = await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test'], raw: message('down') });
    await env.running.worker.runDue();
    const item = (await env.store.queue.get(Number(id)))!;
    assert.equal(item.recipients[0]!.status, 'pending');
    assert.match(item.lastError!, /^451 4\.4\.1 connection to 127\.0\.0\.1:\d+ failed/);
    await mx.start();
    env.clock.advance(5 * MIN);
    await env.running.worker.runDue();
    assert.equal(mx.received.length, 1);
    assert.equal(await env.store.queue.get(Number(id)), null);
  });

  test('the queue survives a restart, and an item whose worker died is taken over when its lease ends', async () => {
    reset();
    const a = await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['bob@b.test'], raw: message('restart-1') });
    // A worker claims the item and "crashes" before finishing it.
    const claimed = await env.store.queue.claim('dead-worker', 30 * MIN, 10);
    assert.deepEqual(claimed.map((i) => String(i.id)), [a.id]);
    const b = await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['carol@b.test'], raw: message('restart-2') });
    await env.restart();
    assert.deepEqual((await env.store.queue.list()).map((i) => String(i.id)), [a.id, b.id]);
    await env.running.worker.runDue();
    assert.deepEqual(mx.received.map((r) => r.to), [['carol@b.test']], 'the leased item waits for its lease');
    env.clock.advance(30 * MIN);
    await env.running.worker.runDue();
    assert.deepEqual(mx.received.map((r) => r.to), [['carol@b.test'], ['bob@b.test']]);
    assert.deepEqual(await env.store.queue.list(), []);
  });
});

describe('outbound routing by MX, null MX and NXDOMAIN', () => {
  let mx: FakeMx;
  let env: OutboundEnv;
  before(async () => {
    mx = await startFakeMx();
    env = await outboundEnv({
      mxPort: mx.port,
      resolveMx: async (domain) => {
        if (domain === 'c.test') return [{ exchange: '127.0.0.1', priority: 10 }, { exchange: '127.0.0.2', priority: 5 }];
        if (domain === 'nullmx.test') return [{ exchange: '', priority: 0 }];
        if (domain === 'servfail.test') throw Object.assign(new Error('queryMx ESERVFAIL'), { code: 'ESERVFAIL' });
        throw Object.assign(new Error('queryMx ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
  });
  after(async () => {
    await env.close();
    await mx.close();
  });

  test('MX by preference (the next host when one is down); null MX, NXDOMAIN fail at once; SERVFAIL waits', async () => {
    await env.running.outbound.enqueue({
      sender: 'alice@a.test',
      recipients: ['x@c.test', 'y@nullmx.test', 'z@nowhere.test', 'w@servfail.test'],
      raw: message('routes'),
    });
    await env.running.worker.runDue();
    assert.deepEqual(mx.received.map((r) => r.to), [['x@c.test']]);
    const [item] = await env.store.queue.list();
    assert.deepEqual(
      item!.recipients.map((r) => [r.address, r.status, r.reply?.slice(0, 10)]),
      [
        ['w@servfail.test', 'pending', '451 4.4.3 '],
        ['x@c.test', 'delivered', '250 Queued'],
        ['y@nullmx.test', 'failed', '556 5.1.10'],
        ['z@nowhere.test', 'failed', '550 5.1.2 '],
      ],
    );
    const [bounce] = await env.inbox();
    const status = assertDsn(bounce!, 'message/rfc822');
    assert.match(status, /^Status: 5\.1\.10$/m);
    assert.match(status, /^Status: 5\.1\.2$/m);
    assert.doesNotMatch(status, /Remote-MTA/, 'no remote MTA was involved');
  });
});

describe('outbound through a relay with AUTH', () => {
  let relay: FakeMx;
  let env: OutboundEnv;
  before(async () => {
    relay = await startFakeMx({ auth: { user: 'relayuser', pass: 'relaypass' } });
  });
  after(async () => {
    await env.close();
    await relay.close();
  });

  test('authenticates at the relay (plaintext allowed on loopback); a wrong password bounces', async () => {
    env = await outboundEnv({
      config: outboundConfig({ relay: `127.0.0.1:${relay.port}`, relayUser: 'relayuser', relayPassword: 'relaypass' }),
    });
    await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['anyone@far.test'], raw: message('relayed') });
    await env.running.worker.runDue();
    assert.equal(relay.received.length, 1);
    assert.equal(relay.received[0]!.user, 'relayuser');
    await env.restart({ config: outboundConfig({ relay: `127.0.0.1:${relay.port}`, relayUser: 'relayuser', relayPassword: 'wrong' }) });
    await env.running.outbound.enqueue({ sender: 'alice@a.test', recipients: ['anyone@far.test'], raw: message('badauth') });
    await env.running.worker.runDue();
    assert.equal(relay.received.length, 1);
    const [bounce] = await env.inbox();
    assert.match(assertDsn(bounce!, 'message/rfc822'), /^Diagnostic-Code: smtp; 535/m);
  });
});
