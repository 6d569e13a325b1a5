/**
 * The local delivery pipeline (src/delivery/local) through inbound SMTP: forwarding with each
 * `forward.keep` choice, aliases to remote addresses, and a recipient whose mailbox filled up
 * between RCPT and DATA while another recipient's copy was stored (250, not 4xx: a retry would
 * duplicate the stored copy).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SmtpLineClient } from '../helpers/smtp-client.ts';
import { ALICE, BOB, startSmtpTestServer, stripTrace, type SmtpTestServer } from '../helpers/smtp-env.ts';

let server: SmtpTestServer;
before(async () => {
  server = await startSmtpTestServer({ outbound: true });
});
after(async () => server?.close());

const MESSAGE = 'From: leo@example.net\r\nSubject: fwd\r\n\r\nbody\r\n';

async function deliver(to: string[], body = MESSAGE): Promise<string> {
  const c = await SmtpLineClient.open(server.ports.smtp!);
  try {
    await c.reply();
    assert.match(await c.cmd('EHLO client.example'), /^250 SIZE/);
    assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '250 2.1.0 Accepted');
    for (const r of to) assert.equal(await c.cmd(`RCPT TO:<${r}>`), '250 2.1.5 Accepted', r);
    assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
    c.write(`${body}.\r\n`);
    return (await c.reply())!.last;
  } finally {
    c.close();
  }
}

test('forward.to hands the message to the outbound queue; forward.keep decides the local copy', async () => {
  await server.store.settings.set(server.bob.id, 'forward.to', 'bob@elsewhere.net');
  const cases: [string, string, readonly string[]][] = [
    ['keep', 'INBOX', []],
    ['mark-read', 'INBOX', ['\\Seen']],
    ['archive', 'Archive', []],
    ['trash', 'Trash', []],
  ];
  for (const [keep, mailbox, flags] of cases) {
    await server.store.settings.set(server.bob.id, 'forward.keep', keep);
    const queued = server.outbound!.queued.length;
    const count = (await server.messages(BOB, mailbox)).length;
    assert.match(await deliver([BOB]), /^250 2\.6\.0 /, keep);
    const q = server.outbound!.queued[queued]!;
    assert.deepEqual(q.recipients, ['bob@elsewhere.net'], keep);
    assert.equal(q.sender, 'leo@example.net', 'the original sender; the queue rewrites it');
    assert.equal(q.srsDomain, 'example.org', 'SRS into the forwarding account\'s domain');
    assert.equal(stripTrace(q.raw).rest.toString('latin1'), MESSAGE);
    assert.equal((await server.messages(BOB, mailbox)).length, count + 1, keep);
    assert.deepEqual((await server.flags(BOB, mailbox)).at(-1), flags, keep);
  }
  await server.store.settings.reset(server.bob.id, 'forward.to');
  await server.store.settings.reset(server.bob.id, 'forward.keep');
});

test('an alias to a remote address is forwarded; an alias to two accounts gives each one copy', async () => {
  await server.store.aliases.add('team@example.org', ALICE);
  await server.store.aliases.add('team@example.org', BOB);
  await server.store.aliases.add('ext@example.org', 'someone@elsewhere.net');
  const before = { alice: (await server.messages(ALICE, 'INBOX')).length, bob: (await server.messages(BOB, 'INBOX')).length };
  const queued = server.outbound!.queued.length;
  assert.match(await deliver(['team@example.org', 'alice@example.org', 'ext@example.org']), /^250 /);
  assert.equal((await server.messages(ALICE, 'INBOX')).length, before.alice + 1);
  assert.equal((await server.messages(BOB, 'INBOX')).length, before.bob + 1);
  assert.deepEqual(server.outbound!.queued.slice(queued).map((q) => [q.recipients, q.srsDomain]), [[['someone@elsewhere.net'], 'example.org']]);
});

test('one recipient over quota at DATA time, another stored: 250; all over quota: 452 4.2.2 or 552 5.2.2', async () => {
  // carol: 1500 of 2000 bytes used; dave: a 400-byte quota.
  const carol = await server.store.accounts.create({ address: 'carol@example.org', passwordHash: 'x' });
  const inbox = await server.store.mailboxes.get(carol.id, 'INBOX');
  await server.store.messages.append(carol.id, inbox!.id, { raw: Buffer.from(`Subject: f\r\n\r\n${'f'.repeat(1500 - 16)}`) });
  await server.store.accounts.setQuota('carol@example.org', 2000);
  await server.store.accounts.create({ address: 'dave@example.org', passwordHash: 'x', quotaBytes: 400 });
  const big = `${MESSAGE}${'z'.repeat(300)}\r\n`;
  const bobBefore = (await server.messages(BOB, 'INBOX')).length;
  // At RCPT (no SIZE=) carol still has room; the message itself plus trace headers does not fit.
  const queued = server.outbound!.queued.length;
  assert.match(await deliver([BOB, 'carol@example.org'], big), /^250 2\.6\.0 /);
  assert.equal((await server.messages(BOB, 'INBOX')).length, bobBefore + 1);
  assert.equal((await server.messages('carol@example.org', 'INBOX')).length, 1);
  // The sender hears of carol's failure after the 250: a DSN, with the null sender.
  const reports = server.outbound!.queued.slice(queued);
  assert.equal(reports.length, 1);
  assert.deepEqual([reports[0]!.sender, reports[0]!.recipients], ['', ['leo@example.net']]);
  const dsn = reports[0]!.raw.toString('latin1');
  assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status/);
  assert.match(dsn, /\r\nFinal-Recipient: rfc822; carol@example\.org\r\nAction: failed\r\nStatus: 5\.2\.2\r\n/);
  assert.doesNotMatch(dsn, /Final-Recipient: rfc822; bob@/);
  assert.equal(await deliver(['carol@example.org'], big), '452 4.2.2 mailbox full');
  assert.equal(await deliver(['dave@example.org'], big), '552 5.2.2 message exceeds the mailbox quota');
  assert.equal(await deliver(['carol@example.org', 'dave@example.org'], big), '452 4.2.2 mailbox full');
});
