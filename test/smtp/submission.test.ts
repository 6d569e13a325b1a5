/**
 * Submission (587 STARTTLS, 465 implicit TLS) over raw sockets, exact reply lines: AUTH
 * required, AUTH hidden and refused before STARTTLS under auth.plaintext = tls-only, failed AUTH
 * (per connection and the node-wide limiter shared with IMAP/POP3), sender ownership (envelope
 * and From header, aliases allowed), the sending rate, remote recipients with and without the
 * outbound queue, and the Sent copy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SmtpLineClient } from '../helpers/smtp-client.ts';
import { ALICE, BOB, PASSWORD, plainAuth, startSmtpTestServer, stripTrace, type SmtpTestServer } from '../helpers/smtp-env.ts';

const MESSAGE = 'From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: lunch\r\nMessage-ID: <sub1@example.org>\r\n\r\nNoon?\r\n';

async function open(port: number, ca?: Buffer): Promise<SmtpLineClient> {
  const c = await SmtpLineClient.open(port, ca ? { tls: { ca } } : {});
  assert.equal((await c.reply())?.last, '220 localhost ESMTP postkontor');
  return c;
}

async function login(c: SmtpLineClient, user = ALICE): Promise<void> {
  assert.match(await c.cmd('EHLO client.example'), /^250 SIZE/);
  assert.equal(await c.cmd(`AUTH PLAIN ${plainAuth(user, PASSWORD)}`), '235 2.7.0 Authentication successful');
}

async function send(c: SmtpLineClient, from: string, to: string[], body: string): Promise<string> {
  const mail = await c.cmd(`MAIL FROM:<${from}>`);
  if (!mail.startsWith('250')) return mail;
  for (const r of to) {
    const rcpt = await c.cmd(`RCPT TO:<${r}>`);
    if (!rcpt.startsWith('250')) return rcpt;
  }
  assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  c.write(`${body}.\r\n`);
  return (await c.reply())!.last;
}

describe('submission with the default policy and no outbound queue', () => {
  let server: SmtpTestServer;
  const clients: SmtpLineClient[] = [];
  before(async () => {
    server = await startSmtpTestServer({ config: { smtp: { 'send-rate': 3 } } });
    await server.store.aliases.add('sales@example.org', ALICE);
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });
  const client = async (): Promise<SmtpLineClient> => {
    const c = await open(server.ports.submission!);
    clients.push(c);
    return c;
  };

  test('nothing goes without AUTH', async () => {
    const c = await client();
    assert.match(await c.cmd('EHLO client.example'), /^250 SIZE/);
    assert.equal(await c.cmd('MAIL FROM:<alice@example.org>'), '530 5.7.0 Authentication required');
    assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '530 5.7.0 Authentication required');
    assert.equal(await c.cmd('DATA'), '530 5.7.0 Authentication required');
  });

  test('wrong passwords: 535, the third closes the connection with 421', async () => {
    const c = await client();
    assert.match(await c.cmd('EHLO client.example'), /^250 SIZE/);
    assert.equal(await c.cmd(`AUTH PLAIN ${plainAuth(ALICE, 'nope')}`), '535 5.7.8 Authentication credentials invalid');
    assert.equal(await c.cmd(`AUTH PLAIN ${plainAuth('ghost@example.org', 'nope')}`), '535 5.7.8 Authentication credentials invalid');
    c.write('AUTH LOGIN\r\n');
    assert.equal((await c.reply())!.last, '334 VXNlcm5hbWU6');
    assert.equal(await c.cmd(Buffer.from(ALICE).toString('base64')), '334 UGFzc3dvcmQ6');
    assert.equal(await c.cmd(Buffer.from('still wrong').toString('base64')), '421 4.7.0 too many failed logins; closing connection');
    assert.ok(await c.waitClosed());
    // A proxy authorization identity (authzid) is not allowed.
    const d = await client();
    assert.match(await d.cmd('EHLO client.example'), /^250 SIZE/);
    const proxied = Buffer.from(`${BOB}\0${ALICE}\0${PASSWORD}`).toString('base64');
    assert.equal(await d.cmd(`AUTH PLAIN ${proxied}`), '535 5.7.8 Authentication credentials invalid');
    assert.equal(await d.cmd(`AUTH PLAIN ${plainAuth(ALICE, PASSWORD)}`), '235 2.7.0 Authentication successful');
    assert.equal(await d.cmd(`AUTH PLAIN ${plainAuth(ALICE, PASSWORD)}`), '503 5.5.1 Error: No identity changes permitted');
  });

  test('the envelope sender and every From address must be the account\'s own or an alias of it', async () => {
    const c = await client();
    await login(c);
    assert.equal(await c.cmd('MAIL FROM:<bob@example.org>'), '553 5.7.1 <bob@example.org>: sender address not owned by alice@example.org');
    assert.equal(await c.cmd('MAIL FROM:<>'), '553 5.7.1 <>: sender address not owned by alice@example.org');
    assert.equal(await c.cmd('MAIL FROM:<alice@elsewhere.net>'), '553 5.7.1 <alice@elsewhere.net>: sender address not owned by alice@example.org');
    const forged = MESSAGE.replace('From: Alice <alice@example.org>', 'From: Bob <bob@example.org>');
    assert.equal(await send(c, ALICE, [BOB], forged), '553 5.7.1 From header address <bob@example.org> is not owned by alice@example.org');
    const two = MESSAGE.replace('From: Alice <alice@example.org>', 'From: alice@example.org, ceo@example.org');
    assert.equal(await send(c, ALICE, [BOB], two), '553 5.7.1 From header address <ceo@example.org> is not owned by alice@example.org');
    // Owning the domain's catch-all does not make every address of the domain one's own.
    await server.store.aliases.add('@example.org', ALICE);
    assert.equal(await c.cmd('MAIL FROM:<ceo@example.org>'), '553 5.7.1 <ceo@example.org>: sender address not owned by alice@example.org');
    await server.store.aliases.remove('@example.org');
    const asAlias = MESSAGE.replace('From: Alice <alice@example.org>', 'From: Sales <SALES@example.org>');
    assert.match(await send(c, 'sales@example.org', [BOB], asAlias), /^250 2\.6\.0 \S+ message accepted$/);
    assert.equal((await server.messages(BOB, 'INBOX')).length, 1);
  });

  test('remote recipients are refused while there is no outbound queue', async () => {
    const c = await client();
    await login(c);
    assert.equal(await c.cmd('MAIL FROM:<alice@example.org>'), '250 2.1.0 Accepted');
    assert.equal(await c.cmd('RCPT TO:<carol@elsewhere.net>'), '451 4.3.0 outbound delivery is not available yet');
    assert.equal(await c.cmd('RCPT TO:<nobody@example.org>'), '550 5.1.1 <nobody@example.org>: no such user here');
  });

  test('a local recipient gets the message with a Received header; the sender gets a read copy in Sent', async () => {
    const c = await client();
    await login(c);
    const inbox = (await server.messages(BOB, 'INBOX')).length;
    const sent = (await server.messages(ALICE, 'Sent')).length;
    assert.match(await send(c, ALICE, [BOB], MESSAGE), /^250 2\.6\.0 \S+ message accepted$/);
    const stored = (await server.messages(BOB, 'INBOX'))[inbox]!;
    const { trace, rest } = stripTrace(stored);
    assert.equal(rest.toString('latin1'), MESSAGE);
    assert.match(trace, /^Received: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby localhost \(postkontor\) with ESMTPA id \S+\r\n\tfor <bob@example\.org>; .+\r\n$/);
    const sentCopies = await server.messages(ALICE, 'Sent');
    assert.equal(sentCopies.length, sent + 1);
    assert.equal(sentCopies[sent]!.toString('latin1'), MESSAGE, 'the Sent copy is the message as submitted');
    assert.deepEqual((await server.flags(ALICE, 'Sent'))[sent], ['\\Seen']);
    // sent.save-copy = false: no copy.
    await server.store.settings.set(server.alice.id, 'sent.save-copy', 'false');
    assert.match(await send(c, ALICE, [BOB], MESSAGE), /^250 /);
    assert.equal((await server.messages(ALICE, 'Sent')).length, sent + 1);
    await server.store.settings.reset(server.alice.id, 'sent.save-copy');
  });

  test('the per-account sending rate answers 450 4.7.1 once used up', async () => {
    // send-rate = 3 per hour; earlier tests in this suite already sent 3 (alias, Sent, no copy).
    const c = await client();
    await login(c);
    assert.match(await c.cmd('MAIL FROM:<alice@example.org>'), /^450 4\.7\.1 sending rate limit reached \(3 messages per hour\); try again in \d+ minutes?$/);
    // Another account has its own budget.
    const d = await client();
    await login(d, BOB);
    assert.equal(await d.cmd('MAIL FROM:<bob@example.org>'), '250 2.1.0 Accepted');
  });
});

describe('submission under auth.plaintext = tls-only, with an outbound queue (test double)', () => {
  let server: SmtpTestServer;
  const clients: SmtpLineClient[] = [];
  before(async () => {
    server = await startSmtpTestServer({ config: { auth: { plaintext: 'tls-only' } }, outbound: true });
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });

  test('before STARTTLS AUTH is not offered and refused before any credentials are sent', async () => {
    const c = await open(server.ports.submission!);
    clients.push(c);
    c.write('EHLO client.example\r\n');
    const ehlo = (await c.reply())!.lines;
    assert.ok(!ehlo.some((l) => l.includes('AUTH')), ehlo.join('\n'));
    assert.ok(ehlo.includes('250-STARTTLS'));
    assert.equal(await c.cmd('AUTH PLAIN'), '538 5.7.11 Encryption required for requested authentication mechanism; use STARTTLS first');
    assert.equal(await c.cmd('MAIL FROM:<alice@example.org>'), '530 5.7.0 Authentication required');
    assert.equal(await c.starttls(server.certPem), '220 2.0.0 Ready to start TLS');
    c.write('EHLO client.example\r\n');
    const after = (await c.reply())!.lines;
    assert.ok(after.includes('250-AUTH PLAIN LOGIN'), after.join('\n'));
    assert.ok(!after.includes('250-STARTTLS'));
    assert.equal(await c.cmd(`AUTH PLAIN ${plainAuth(ALICE, PASSWORD)}`), '235 2.7.0 Authentication successful');
  });

  test('failed logins are limited node-wide, with IMAP and POP3 (the shared limiter)', async () => {
    for (let i = 0; i < 10; i++) await server.context.loginLimiter.recordFailure('127.0.0.1', 'someone@example.org');
    const c = await open(server.ports.submissions!, server.certPem);
    clients.push(c);
    assert.match(await c.cmd('EHLO client.example'), /^250 SIZE/);
    assert.match(await c.cmd(`AUTH PLAIN ${plainAuth(ALICE, PASSWORD)}`), /^454 4\.7\.0 too many failed logins; try again in \d+ minutes?$/);
    await server.context.loginLimiter.recordSuccess('127.0.0.1');
  });

  test('465 (implicit TLS): remote recipients go to the outbound queue with the trace header, local ones to INBOX', async () => {
    const c = await open(server.ports.submissions!, server.certPem);
    clients.push(c);
    c.write('EHLO client.example\r\n');
    const ehlo = (await c.reply())!.lines;
    assert.ok(ehlo.includes('250-AUTH PLAIN LOGIN') && !ehlo.includes('250-STARTTLS'), ehlo.join('\n'));
    assert.equal(await c.cmd(`AUTH PLAIN ${plainAuth(ALICE, PASSWORD)}`), '235 2.7.0 Authentication successful');
    assert.equal(await c.cmd('MAIL FROM:<alice@example.org> RET=HDRS ENVID=e42'), '250 2.1.0 Accepted');
    assert.equal(await c.cmd('RCPT TO:<carol@elsewhere.net> NOTIFY=FAILURE,DELAY'), '250 2.1.5 Accepted');
    assert.equal(await c.cmd('RCPT TO:<dave@elsewhere.net>'), '250 2.1.5 Accepted');
    assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted');
    assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
    c.write(`${MESSAGE}.\r\n`);
    assert.match((await c.reply())!.last, /^250 2\.6\.0 /);
    const queued = server.outbound!.queued;
    assert.equal(queued.length, 1);
    const q = queued[0]!;
    assert.equal(q.sender, ALICE);
    assert.deepEqual(q.recipients, ['carol@elsewhere.net', 'dave@elsewhere.net']);
    assert.equal(q.accountId, server.alice.id);
    assert.deepEqual(q.dsn, { ret: 'HDRS', envid: 'e42', notify: { 'carol@elsewhere.net': ['FAILURE', 'DELAY'] } });
    const { trace, rest } = stripTrace(q.raw);
    assert.equal(rest.toString('latin1'), MESSAGE);
    assert.match(trace, /with ESMTPSA id \S+\r\n\t\(version=TLSv1\.3 cipher=TLS_\w+\); /);
    assert.equal(stripTrace((await server.messages(BOB, 'INBOX')).at(-1)!).rest.toString('latin1'), MESSAGE);
    assert.equal((await server.messages(ALICE, 'Sent')).at(-1)!.toString('latin1'), MESSAGE);
  });

  test('a queue that cannot take the message: 451, and nothing is delivered locally', async () => {
    server.outbound!.fail = true;
    const c = await open(server.ports.submissions!, server.certPem);
    clients.push(c);
    await login(c);
    const inbox = (await server.messages(BOB, 'INBOX')).length;
    assert.equal(await send(c, ALICE, ['carol@elsewhere.net', BOB], MESSAGE), '451 4.3.0 could not queue the message; try again later');
    assert.equal((await server.messages(BOB, 'INBOX')).length, inbox);
    server.outbound!.fail = false;
  });

  test('port 25: an unauthenticated client may not relay, even with an outbound queue', async () => {
    const c = await open(server.ports.smtp!);
    clients.push(c);
    assert.match(await c.cmd('EHLO client.example'), /^250 SIZE/);
    assert.equal(await c.cmd('MAIL FROM:<alice@example.org>'), '250 2.1.0 Accepted');
    assert.equal(await c.cmd('RCPT TO:<carol@elsewhere.net>'), '554 5.7.1 relay access denied');
  });
});
