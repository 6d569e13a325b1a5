/**
 * Submission files a copy in Sent; the client then APPENDs its own copy to Sent, as most IMAP
 * clients do (here imapflow, the way Thunderbird behaves: same Message-ID, Date and sender,
 * its copy still carrying the Bcc header). The second copy is recognised and stored once:
 * APPENDUID names the copy already there, and an idling client sees no second EXISTS.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { SmtpLineClient } from '../helpers/smtp-client.ts';
import { ALICE, BOB, PASSWORD, plainAuth, startSmtpTestServer, type SmtpTestServer } from '../helpers/smtp-env.ts';

const HEADERS = `From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <dedupe-1@example.org>\r\nSubject: lunch\r\n`;
const SUBMITTED = `${HEADERS}\r\nNoon?\r\n`;
const CLIENT_COPY = `Bcc: carol@example.org\r\n${HEADERS}\r\nNoon?\r\n`;

let server: SmtpTestServer;
before(async () => {
  server = await startSmtpTestServer();
});
after(async () => {
  await server.close();
});

async function submit(body: string): Promise<void> {
  const c = await SmtpLineClient.open(server.ports.submission!);
  try {
    await c.reply();
    assert.match(await c.cmd('EHLO client.example'), /^250 /);
    assert.equal(await c.cmd(`AUTH PLAIN ${plainAuth(ALICE, PASSWORD)}`), '235 2.7.0 Authentication successful');
    assert.equal(await c.cmd(`MAIL FROM:<${ALICE}>`), '250 2.1.0 Accepted');
    assert.match(await c.cmd(`RCPT TO:<${BOB}>`), /^250 /);
    assert.match(await c.cmd('DATA'), /^354 /);
    c.write(`${body}.\r\n`);
    assert.match((await c.reply())!.last, /^250 2\.6\.0 /);
  } finally {
    c.close();
  }
}

test("the client's own APPEND to Sent of a message just submitted is stored once", async () => {
  await submit(SUBMITTED);
  const sent = await server.messages(ALICE, 'Sent');
  assert.equal(sent.length, 1);
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    // STARTTLS with the test server's own certificate as the trusted CA (verification stays on).
    tls: { ca: [server.certPem], servername: 'localhost' },
    auth: { user: ALICE, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('Sent');
    const existing = await client.fetchOne('*', { uid: true });
    assert.ok(existing);
    lock.release();
    const appended = await client.append('Sent', Buffer.from(CLIENT_COPY), ['\\Seen']);
    assert.ok(appended);
    assert.equal(appended.uid, existing.uid, 'APPENDUID names the copy filed at submission');
    assert.equal((await server.messages(ALICE, 'Sent')).length, 1);
    // A different message with a reused Message-ID (another Date) is never refused or merged.
    const reused = CLIENT_COPY.replace('10:00:00', '11:30:00');
    const other = await client.append('Sent', Buffer.from(reused), ['\\Seen']);
    assert.ok(other && other.uid !== existing.uid);
    assert.equal((await server.messages(ALICE, 'Sent')).length, 2);
  } finally {
    await client.logout();
  }
});
