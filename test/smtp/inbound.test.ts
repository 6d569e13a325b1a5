/**
 * The MTA listener (port 25) over raw sockets, exact reply lines: capabilities, every RCPT
 * refusal (open relay probes, unknown user, full mailbox, recipient limit), SIZE at MAIL FROM
 * and during DATA, commands out of order and malformed input, an over-long line (answered, the
 * session goes on), and the trace headers (Received, Authentication-Results) on what is stored.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SmtpLineClient } from '../helpers/smtp-client.ts';
import { BOB, memoryDns, startSmtpTestServer, stripTrace, TEST_MAX_BYTES, type SmtpTestServer } from '../helpers/smtp-env.ts';

let server: SmtpTestServer;
const clients: SmtpLineClient[] = [];

before(async () => {
  server = await startSmtpTestServer({
    config: { smtp: { 'max-recipients': 3 } },
    dns: memoryDns({
      'example.net': { TXT: [['v=spf1 ip4:127.0.0.1 -all']] },
      'strict.test': { TXT: [['v=spf1 -all']] },
      '_dmarc.strict.test': { TXT: [['v=DMARC1; p=reject']] },
    }),
  });
  // 500 bytes used of a 1000-byte quota.
  const full = await server.store.accounts.create({ address: 'full@example.org', passwordHash: 'x' });
  const inbox = await server.store.mailboxes.get(full.id, 'INBOX');
  await server.store.messages.append(full.id, inbox!.id, { raw: Buffer.from(`Subject: filler\r\n\r\n${'f'.repeat(500 - 21)}`) });
  await server.store.accounts.setQuota('full@example.org', 1000);
});

after(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

async function mta(ehlo = true): Promise<SmtpLineClient> {
  const c = await SmtpLineClient.open(server.ports.smtp!);
  clients.push(c);
  assert.equal((await c.reply())?.last, '220 localhost ESMTP postkontor');
  if (ehlo) assert.equal(await c.cmd('EHLO client.example'), '250 SIZE 200000');
  return c;
}

const MESSAGE = 'From: Leo <leo@example.net>\r\nTo: bob@example.org\r\nSubject: hello\r\nMessage-ID: <in1@example.net>\r\n\r\nHi Bob.\r\n';

test('EHLO announces PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES, DSN, STARTTLS and SIZE', async () => {
  const c = await mta(false);
  c.write('EHLO client.example\r\n');
  assert.deepEqual((await c.reply())?.lines, [
    '250-localhost Nice to meet you, [127.0.0.1]',
    '250-PIPELINING',
    '250-8BITMIME',
    '250-SMTPUTF8',
    '250-ENHANCEDSTATUSCODES',
    '250-DSN',
    // Loopback may send passwords under the default auth.plaintext (tls-or-loopback).
    '250-AUTH PLAIN LOGIN',
    '250-STARTTLS',
    `250 SIZE ${TEST_MAX_BYTES}`,
  ]);
});

test('open relay probes from an unauthenticated client are refused', async () => {
  const c = await mta();
  assert.equal(await c.cmd('MAIL FROM:<spammer@example.net>'), '250 2.1.0 Accepted');
  const probes: [string, string][] = [
    ['RCPT TO:<victim@elsewhere.net>', '554 5.7.1 relay access denied'],
    ['RCPT TO:<VICTIM@ELSEWHERE.NET>', '554 5.7.1 relay access denied'],
    // A source route through us is stripped to its final address (RFC 5321 §4.1.2, appendix C).
    ['RCPT TO:<@example.org:victim@elsewhere.net>', '554 5.7.1 relay access denied'],
    ['RCPT TO:<victim@[192.0.2.1]>', '554 5.7.1 relay access denied'],
    ['RCPT TO:<victim@localhost>', '554 5.7.1 relay access denied'],
    // The %-hack and a second @ never reach another domain.
    ['RCPT TO:<victim%elsewhere.net@example.org>', '550 5.1.1 <victim%elsewhere.net@example.org>: no such user here'],
    ['RCPT TO:<victim@elsewhere.net@example.org>', '501 5.1.3 Error: Bad recipient address syntax'],
    ['RCPT TO:<"victim@elsewhere.net">', '501 5.1.3 Error: Bad recipient address syntax'],
  ];
  for (const [line, want] of probes) assert.equal(await c.cmd(line), want, line);
  assert.equal(await c.cmd('DATA'), '503 5.5.1 Error: need RCPT command');
  assert.equal(await c.cmd('QUIT'), '221 2.0.0 Bye');
  assert.equal((await server.messages(BOB, 'INBOX')).length, 0);
});

test('unknown users, full mailboxes and the recipient limit are refused at RCPT', async () => {
  const c = await mta();
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net> SIZE=2000'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd('RCPT TO:<nobody@example.org>'), '550 5.1.1 <nobody@example.org>: no such user here');
  assert.equal(await c.cmd('RCPT TO:<postmaster>'), '550 5.1.1 <postmaster>: no such user here');
  // 2000 bytes can never fit a 1000-byte quota.
  assert.equal(await c.cmd('RCPT TO:<full@example.org>'), '552 5.2.2 <full@example.org>: message exceeds the mailbox quota');
  assert.equal(await c.cmd('RSET'), '250 2.0.0 Flushed');
  // 600 more bytes do not fit the 500 left: the mailbox is full for this message (may pass later).
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net> SIZE=600'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd('RCPT TO:<full@example.org>'), '452 4.2.2 <full@example.org>: mailbox full');
  for (const n of [1, 2, 3]) assert.equal(await c.cmd(`RCPT TO:<bob+${n}@example.org>`), `550 5.1.1 <bob+${n}@example.org>: no such user here`);
  await server.store.aliases.add('a1@example.org', BOB);
  await server.store.aliases.add('a2@example.org', BOB);
  assert.equal(await c.cmd(`RCPT TO:<${BOB}>`), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('RCPT TO:<a1@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('RCPT TO:<a2@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted', 'a repeated recipient is not counted again');
  assert.equal(await c.cmd('RCPT TO:<nobody@example.org>'), '452 4.5.3 too many recipients (at most 3 per message)');
  assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  c.write(`${MESSAGE}.\r\n`);
  assert.match((await c.reply())!.last, /^250 2\.6\.0 \S+ message accepted$/);
  // bob and his two aliases: one copy.
  const inbox = await server.messages(BOB, 'INBOX');
  assert.equal(inbox.length, 1);
  // Several recipients: no `for` clause in Received.
  assert.doesNotMatch(stripTrace(inbox[0]!).trace, /\bfor </);
  await server.store.accounts.remove('full@example.org');
});

test('SIZE over the limit is refused at MAIL FROM and again during DATA; the session goes on', async () => {
  const c = await mta();
  assert.equal(await c.cmd(`MAIL FROM:<leo@example.net> SIZE=${TEST_MAX_BYTES + 1}`), `552 5.3.4 Error: message exceeds fixed maximum message size ${TEST_MAX_BYTES}`);
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net> SIZE=100'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  const before = (await server.messages(BOB, 'INBOX')).length;
  c.write(`Subject: big\r\n\r\n${'x'.repeat(998)}\r\n`.repeat(1).concat(`${'y'.repeat(998)}\r\n`.repeat(250)) + '.\r\n');
  assert.equal((await c.reply())!.last, `552 5.3.4 Error: message exceeds fixed maximum message size ${TEST_MAX_BYTES}`);
  assert.equal(await c.cmd('NOOP'), '250 2.0.0 OK');
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '250 2.1.0 Accepted');
  assert.equal((await server.messages(BOB, 'INBOX')).length, before);
});

test('commands out of order and malformed input get precise replies', async () => {
  const c = await mta(false);
  const exchanges: [string, string][] = [
    ['MAIL FROM:<leo@example.net>', '503 5.5.1 Error: send HELO/EHLO first'],
    ['EHLO', '501 Error: syntax: EHLO hostname'],
    ['EHLO bad host', '501 Error: syntax: EHLO hostname'],
    ['EHLO client.example', '250 SIZE 200000'],
    ['RCPT TO:<bob@example.org>', '503 5.5.1 Error: need MAIL command'],
    ['DATA', '503 5.5.1 Error: need RCPT command'],
    ['MAIL FROM:<bad address>', '501 5.1.7 Error: Bad sender address syntax'],
    ['MAIL FROM:leo@example.net', '501 5.1.7 Error: Bad sender address syntax'],
    ['MAIL FROM:<leo@example.net> SIZE=abc', '501 5.5.4 Error: Bad message size syntax'],
    ['MAIL FROM:<leo@example.net> BODY=BINARYMIME', '501 5.5.4 Invalid BODY parameter value. Must be 7BIT or 8BITMIME'],
    ['MAIL FROM:<leo@example.net> BODY=8BITMIME SMTPUTF8', '250 2.1.0 Accepted'],
    ['MAIL FROM:<other@example.net>', '503 5.5.1 Error: nested MAIL command'],
    ['RCPT TO:<>', '501 5.1.3 Error: Bad recipient address syntax'],
    ['RCPT TO:<bob@example.org> NOTIFY=BOGUS', '501 5.5.4 Error: NOTIFY parameter must be NEVER, SUCCESS, FAILURE, or DELAY'],
    ['XYZZY', '500 5.5.2 Error: command not recognized'],
    ['AUTH CRAM-MD5', '504 5.5.4 Error: Unrecognized authentication type'],
    ['RSET', '250 2.0.0 Flushed'],
    ['NOOP', '250 2.0.0 OK'],
  ];
  for (const [line, want] of exchanges) assert.equal(await c.cmd(line), want, line);
});

test('an over-long command line gets 500 5.5.2 and the session goes on at the next line (RFC 5321 §4.5.3.1.4)', async () => {
  const c = await mta();
  assert.equal(await c.cmd(`NOOP ${'x'.repeat(20_000)}`), '500 5.5.2 line too long');
  assert.equal(await c.cmd('NOOP'), '250 2.0.0 OK');
  // In the middle of a transaction too: the envelope so far survives.
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd(`RCPT TO:<${'y'.repeat(5000)}@example.org>`), '500 5.5.2 line too long');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('RSET'), '250 2.0.0 Flushed');
});

test('a delivered message carries Received and Authentication-Results and is otherwise byte-exact', async () => {
  const c = await mta();
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  const before = (await server.messages(BOB, 'INBOX')).length;
  c.write(`${MESSAGE}..leading dot\r\n.\r\n`);
  assert.match((await c.reply())!.last, /^250 2\.6\.0 \S+ message accepted$/);
  const inbox = await server.messages(BOB, 'INBOX');
  assert.equal(inbox.length, before + 1);
  const { trace, rest } = stripTrace(inbox.at(-1)!);
  assert.equal(rest.toString('latin1'), `${MESSAGE}.leading dot\r\n`);
  assert.match(trace, /^Received-SPF: pass /m);
  assert.match(trace, /^Authentication-Results: localhost;\r\n dkim=none \(message not signed\);\r\n spf=pass .*smtp\.mailfrom=leo@example\.net/m);
  assert.match(
    trace,
    /^Received: from client\.example \(\[127\.0\.0\.1\]\)\r\n\tby localhost \(postkontor\) with ESMTP id \S+\r\n\tfor <bob@example\.org>; \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n$/m,
  );
  assert.deepEqual((await server.flags(BOB, 'INBOX')).at(-1), []);
});

test('Authentication-Results forged in our name are removed before ours is added (RFC 8601 §5)', async () => {
  const c = await mta();
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  const forged =
    'Authentication-Results: localhost;\r\n dkim=pass header.d=bank.example\r\nX-Before: 1\r\n' +
    'Authentication-Results: relay.example; spf=pass\r\nAuthentication-Results: LOCALHOST; dmarc=pass\r\n';
  c.write(`${forged}${MESSAGE}.\r\n`);
  assert.match((await c.reply())!.last, /^250 /);
  const { trace, rest } = stripTrace((await server.messages(BOB, 'INBOX')).at(-1)!);
  assert.equal(rest.toString('latin1'), `X-Before: 1\r\nAuthentication-Results: relay.example; spf=pass\r\n${MESSAGE}`, 'another server\'s field stays');
  assert.doesNotMatch(trace, /bank\.example/);
  assert.equal(trace.match(/^Authentication-Results: localhost;/gm)?.length, 1);
});

test('STARTTLS (certificate verified): Received says ESMTPS and names the TLS version and cipher', async () => {
  const c = await mta();
  assert.equal(await c.starttls(server.certPem), '220 2.0.0 Ready to start TLS');
  assert.equal(await c.cmd('EHLO client.example'), '250 SIZE 200000');
  assert.equal(await c.cmd('STARTTLS'), '503 5.5.1 Error: TLS already active');
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  c.write(`${MESSAGE}.\r\n`);
  assert.match((await c.reply())!.last, /^250 /);
  const { trace } = stripTrace((await server.messages(BOB, 'INBOX')).at(-1)!);
  assert.match(trace, /with ESMTPS id \S+\r\n\t\(version=TLSv1\.3 cipher=TLS_\w+\)\r\n\tfor <bob@example\.org>;/);
});

test('STARTTLS: plaintext pipelined after it is discarded (CVE-2011-0411) and the session starts over (RFC 3207 §4.2)', async () => {
  const c = await mta();
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '250 2.1.0 Accepted');
  assert.equal(await c.starttls(server.certPem, 'RCPT TO:<bob@example.org>\r\nNOOP\r\n'), '220 2.0.0 Ready to start TLS');
  // No reply to the injected lines; EHLO and the transaction are forgotten.
  assert.equal(await c.cmd('MAIL FROM:<leo@example.net>'), '503 5.5.1 Error: send HELO/EHLO first');
  assert.equal(await c.cmd('EHLO client.example'), '250 SIZE 200000');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '503 5.5.1 Error: need MAIL command');
  assert.equal(await c.cmd('QUIT'), '221 2.0.0 Bye');
});

test('DMARC p=reject failing: accepted, filed into Junk with dmarc=fail in Authentication-Results', async () => {
  const c = await mta();
  assert.equal(await c.cmd('MAIL FROM:<ceo@strict.test>'), '250 2.1.0 Accepted');
  assert.equal(await c.cmd('RCPT TO:<bob@example.org>'), '250 2.1.5 Accepted');
  assert.equal(await c.cmd('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  const inboxBefore = (await server.messages(BOB, 'INBOX')).length;
  c.write('From: CEO <ceo@strict.test>\r\nSubject: wire money\r\n\r\nnow\r\n.\r\n');
  assert.match((await c.reply())!.last, /^250 /);
  assert.equal((await server.messages(BOB, 'INBOX')).length, inboxBefore);
  const junk = await server.messages(BOB, 'Junk');
  assert.equal(junk.length, 1);
  assert.match(stripTrace(junk[0]!).trace, /^ dmarc=fail .*header\.from=strict\.test/m);
});
