/**
 * Two real `postkontor serve` processes on loopback exchange mail (issue 5, "Done when"):
 * a.test and b.test, each with its own data dir and config file, routed to each other by
 * `[outbound.transport]`, DNS (SPF, DKIM, DMARC TXT records) from a tiny in-test DNS server that
 * both reach through `[outbound] dns-servers`, which also feeds inbound SPF/DKIM/DMARC checks.
 *
 * - alice@a.test submits (nodemailer, AUTH) to bob@b.test: it lands in bob's INBOX (imapflow)
 *   with `dkim=pass header.i=@a.test` (and `dmarc=pass ... header.d=a.test`) from B's
 *   verification of A's signature; and the reverse.
 * - B stopped (SIGTERM): A's attempt fails, the message stays queued; B started again on the same
 *   data dir and ports; A's own retry (`[outbound] first-retry = 2`: two seconds instead of five
 *   minutes) delivers it, exactly once.
 * - A recipient B does not have (550 5.1.1 at RCPT): a DSN (multipart/report) in alice's INBOX.

 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { freePorts, tempDir } from '../cli/run-cli.ts';
import { startTestDns, type TestDnsServer } from './dns-server.ts';
import { MailNode, waitForMessage } from './mail-node.ts';

const ALICE = 'alice@a.test';
const BOB = 'bob@b.test';
/** Delivery between the nodes is immediate (enqueue wakes the worker); allow for a loaded machine. */
const ARRIVAL_MS = 15_000;

/**
 * mailauth names the signer in the dkim result as `header.i=@a.test` (the signature's i=, which
 * defaults to @d=), and gives `header.d=` only in the dmarc result; accept either.
 */
const DKIM_PASS_A = /\bdkim=pass\b[^;]*header\.(?:d=|i=@)a\.test\b/;
const DKIM_PASS_B = /\bdkim=pass\b[^;]*header\.(?:d=|i=@)b\.test\b/;

function header(source: string, name: string): string[] {
  const head = source.slice(0, source.search(/\r?\n\r?\n/));
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, 'gim');
  return [...unfolded.matchAll(re)].map((m) => m[1]!.trim());
}

function subjectIs(subject: string): (source: string) => boolean {
  return (source) => header(source, 'Subject').includes(subject);
}

/** Waits (a few seconds) for the node's outbound queue to be empty; fails showing what is left. */
async function queueEmpties(node: MailNode): Promise<void> {
  let listing = '';
  for (const end = Date.now() + 5000; Date.now() < end; ) {
    listing = await node.cli(['queue', 'list']);
    if (/the queue is empty/.test(listing)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${node.spec.domain}'s queue did not empty:\n${listing}`);
}

describe('two postkontor servers on loopback', { timeout: 120_000 }, () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let dns: TestDnsServer;
  let a: MailNode;
  let b: MailNode;
  const records = new Map<string, string[]>();
  const clients: ImapFlow[] = [];
  let aliceImap: ImapFlow;
  let bobImap: ImapFlow;
  const runId = Date.now().toString(36);

  before(async () => {
    dir = await tempDir('pk-e2e-');
    dns = await startTestDns(records);
    const p = await freePorts(6);
    a = new MailNode({
      domain: 'a.test',
      user: ALICE,
      password: 'alice-e2e-pw-5a1',
      dir: `${dir.path}/a`,
      ports: { smtp: p[0]!, submission: p[1]!, imap: p[2]! },
    });
    b = new MailNode({
      domain: 'b.test',
      user: BOB,
      password: 'bob-e2e-pw-7c3',
      dir: `${dir.path}/b`,
      ports: { smtp: p[3]!, submission: p[4]!, imap: p[5]! },
    });
    const [dkimA, dkimB] = await Promise.all([a.provision(), b.provision()]);
    // What each domain's owner would publish: the printed DKIM record, SPF for loopback (both
    // servers send from 127.0.0.1) and a strict DMARC policy.
    for (const [domain, dkim] of [['a.test', dkimA], ['b.test', dkimB]] as const) {
      records.set(dkim.name, [dkim.value]);
      records.set(domain, ['v=spf1 ip4:127.0.0.1 -all']);
      records.set(`_dmarc.${domain}`, ['v=DMARC1; p=reject; adkim=s; aspf=s']);
    }
    const config = (hostname: string, other: string, otherSmtp: number): string =>
      [
        `hostname = "${hostname}"`,
        '[log]',
        'level = "info"',
        '[outbound]',
        `dns-servers = ["${dns.address}"]`,
        'first-retry = 2',
        '[outbound.transport]',
        `"${other}" = "127.0.0.1:${otherSmtp}"`,
        '',
      ].join('\n');
    await a.writeConfig(config('mx.a.test', 'b.test', b.spec.ports.smtp));
    await b.writeConfig(config('mx.b.test', 'a.test', a.spec.ports.smtp));
    await Promise.all([a.start(), b.start()]);
    [aliceImap, bobImap] = await Promise.all([a.imap(), b.imap()]);
    clients.push(aliceImap, bobImap);
  });

  after(async () => {
    for (const c of clients) await c.logout().catch(() => c.close());
    await Promise.all([a?.stop().catch(() => undefined), b?.stop().catch(() => undefined)]);
    await dns?.close();
    await dir?.cleanup();
  });

  /** Diagnostics for an assertion: both servers' log tails and the DNS queries. */
  const context = (): string => `\n--- a.test log ---\n${a.log}\n--- b.test log ---\n${b.log}\n--- DNS queries ---\n${dns.queries.join('\n')}`;

  test('a.test → b.test: delivered to bob\'s INBOX, DKIM signed by A and verified by B', async () => {
    const subject = `hello bob ${runId}`;
    const reply = await a.submit({ to: BOB, subject, text: 'From A to B.\n', messageId: `<ab-${runId}@a.test>` });
    assert.match(reply, /^250 /);
    const source = await waitForMessage(bobImap, subjectIs(subject), ARRIVAL_MS, 'a→b message').catch((err: Error) => {
      throw new Error(err.message + context());
    });
    assert.match(header(source, 'DKIM-Signature').join('\n'), /\bd=a\.test\b/, 'A signed with its domain key');
    const ar = header(source, 'Authentication-Results').join('\n');
    assert.match(ar, /^mx\.b\.test;/m, `B is the authserv-id: ${ar}`);
    assert.match(ar, DKIM_PASS_A, `dkim=pass for a.test: ${ar}${context()}`);
    assert.match(ar, /\bspf=pass\b/, ar);
    assert.match(ar, /\bdmarc=pass\b/, ar);
    assert.match(source, /\r\nFrom A to B\.\r\n/);
  });

  test('b.test → a.test: the reverse direction, verified by A', async () => {
    const subject = `hello alice ${runId}`;
    await b.submit({ to: ALICE, subject, text: 'From B to A.\n', messageId: `<ba-${runId}@b.test>` });
    const source = await waitForMessage(aliceImap, subjectIs(subject), ARRIVAL_MS, 'b→a message').catch((err: Error) => {
      throw new Error(err.message + context());
    });
    const ar = header(source, 'Authentication-Results').join('\n');
    assert.match(ar, /^mx\.a\.test;/m, ar);
    assert.match(ar, DKIM_PASS_B, `dkim=pass for b.test: ${ar}${context()}`);
    assert.match(ar, /\bdmarc=pass\b/, ar);
  });

  test('receiver down: A queues and retries; the mail arrives once B is back', async () => {
    await b.stop();
    const subject = `while b was down ${runId}`;
    await a.submit({ to: BOB, subject, text: 'Queued at A.\n', messageId: `<down-${runId}@a.test>` });
    // A tried at once (the enqueue woke its worker), B refused the connection: deferred.
    let listing = '';
    const deadline = Date.now() + ARRIVAL_MS;
    let id: string;
    for (;;) {
      listing = await a.cli(['queue', 'list']);
      const m = /^(\d+) .*from <alice@a\.test>\s+attempts ([1-9]\d*)/m.exec(listing);
      if (m) {
        id = m[1]!;
        break;
      }
      if (Date.now() > deadline) assert.fail(`no failed attempt in A's queue:\n${listing}${context()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.match(listing, /pending\s+<bob@b\.test>/);
    assert.match(listing, /last error: 4\d\d /, listing);

    await b.start();
    bobImap.close();
    bobImap = await b.imap();
    clients.push(bobImap);
    // No nudge: A's worker sleeps until the item is due again (first-retry = 2 s) and retries.
    const source = await waitForMessage(bobImap, subjectIs(subject), ARRIVAL_MS, 'retried message').catch((err: Error) => {
      throw new Error(`${err.message}\n--- A's queue (message ${id}) ---\n${listing}${context()}`);
    });
    assert.match(header(source, 'Authentication-Results').join('\n'), DKIM_PASS_A);
    // Delivered: A's queue is empty again (the retried message exactly once in bob's INBOX).
    await queueEmpties(a);
    let copies = 0;
    for await (const m of bobImap.fetch('1:*', { source: true })) {
      if (subjectIs(subject)(m.source?.toString('utf8') ?? '')) copies++;
    }
    assert.equal(copies, 1, 'delivered once');
  });

  test('permanent failure (unknown recipient at B, 550 5.1.1): a DSN bounce in alice\'s INBOX', async () => {
    const subject = `to nobody ${runId}`;
    await a.submit({ to: 'nobody@b.test', subject, text: 'Nobody reads this.\n', messageId: `<nobody-${runId}@a.test>` });
    const dsn = await waitForMessage(
      aliceImap,
      (s) => /multipart\/report/i.test(header(s, 'Content-Type').join(' ')) && s.includes(`nobody-${runId}@a.test`),
      ARRIVAL_MS,
      'DSN for nobody@b.test',
    ).catch((err: Error) => {
      throw new Error(err.message + context());
    });
    assert.match(header(dsn, 'Content-Type').join(' '), /report-type="?delivery-status/i);
    assert.match(dsn, /^Final-Recipient: rfc822;\s*nobody@b\.test\r?$/im);
    assert.match(dsn, /^Action: failed\r?$/im);
    assert.match(dsn, /^Status: 5\.1\.1\r?$/im);
    assert.match(dsn, /^Diagnostic-Code: smtp;\s*550[ -]5\.1\.1/im);
    assert.match(dsn, new RegExp(`^Subject: ${subject}\\r?$`, 'm'), 'the original (or its header) is attached');
    // Sent and bounced once: nothing left in A's queue.
    await queueEmpties(a);
  });
});
