/**
 * Interop: curl's imap:// URLs (RFC 5092 style, as libcurl implements them): LIST of the
 * mailboxes, FETCH of a message by UID and by sequence number (byte-exact), of a section, a custom
 * command (UID SEARCH, STATUS), an upload (APPEND) checked through the store, and STARTTLS.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import {
  describeRun,
  requireTool,
  run,
  startInteropServer,
  toolVersion,
  type InteropServer,
  type RunResult,
} from '../helpers/interop-env.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let server: InteropServer;
let dir: { path: string; remove: () => void };
let version: string | null;

const MSG1 = Buffer.from(
  'From: Grace <grace@example.net>\r\nTo: alice@example.org\r\nSubject: Curl report one\r\n' +
    'Date: Fri, 6 Nov 2026 07:00:00 +0000\r\nMessage-ID: <c1@example.net>\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' +
    'Line one.\r\nGr\u00fc\u00dfe, line two.\r\n',
  'utf8',
);
const MSG2 = Buffer.from(
  'From: Heidi <heidi@example.net>\r\nTo: alice@example.org\r\nSubject: Something else\r\n' +
    'Date: Fri, 6 Nov 2026 07:05:00 +0000\r\n\r\nSecond body.\r\n',
);

before(async () => {
  server = await startInteropServer();
  dir = tempDir('pk-interop-curl-');
  version = toolVersion('curl');
  await server.deliver('INBOX', MSG1);
  await server.deliver('INBOX', MSG2);
});

after(async () => {
  await server?.close();
  dir?.remove();
});

const url = (path = ''): string => `imap://127.0.0.1:${server.port}/${path}`;

/** Runs curl with the account's credentials; fails the test with curl's -v trace on error. */
async function curl(args: string[]): Promise<RunResult> {
  const r = await run('curl', ['-sS', '-v', '--max-time', '15', '-u', `${server.user}:${server.password}`, ...args], {
    timeoutMs: 20_000,
  });
  assert.equal(r.code, 0, describeRun(`curl ${args.join(' ')}`, r));
  return r;
}

function needCurl(t: TestContext): boolean {
  return requireTool(t, version, 'curl not installed: apt-get install curl');
}

test('curl: list mailboxes', async (t) => {
  if (!needCurl(t)) return;
  const r = await curl([url()]);
  const lines = r.stdout.toString().trim().split(/\r?\n/);
  assert.deepEqual(lines, [
    '* LIST (\\HasNoChildren) "/" INBOX',
    '* LIST (\\HasNoChildren \\Archive) "/" Archive',
    '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
    '* LIST (\\HasNoChildren \\Junk) "/" Junk',
    '* LIST (\\HasNoChildren \\Sent) "/" Sent',
    '* LIST (\\HasNoChildren \\Trash) "/" Trash',
  ]);
});

test('curl: fetch a message by UID and by sequence number, byte-exact', async (t) => {
  if (!needCurl(t)) return;
  const byUid = await curl([url('INBOX;UID=1')]);
  assert.ok(byUid.stdout.equals(MSG1), `UID=1 bytes differ:\n${byUid.stdout.toString('utf8')}`);
  const bySeq = await curl([url('INBOX;MAILINDEX=2')]);
  assert.ok(bySeq.stdout.equals(MSG2), `MAILINDEX=2 bytes differ:\n${bySeq.stdout.toString('utf8')}`);
});

test('curl: fetch a section (HEADER, TEXT)', async (t) => {
  if (!needCurl(t)) return;
  const split = MSG1.indexOf('\r\n\r\n') + 4;
  const header = await curl([url('INBOX;UID=1;SECTION=HEADER')]);
  assert.equal(header.stdout.toString('utf8'), MSG1.subarray(0, split).toString('utf8'));
  const text = await curl([url('INBOX;UID=1;SECTION=TEXT')]);
  assert.ok(text.stdout.equals(MSG1.subarray(split)), `TEXT differs:\n${text.stdout.toString('utf8')}`);
});

test('curl: custom commands (UID SEARCH, STATUS)', async (t) => {
  if (!needCurl(t)) return;
  const found = await curl([url('INBOX'), '-X', 'UID SEARCH SUBJECT "curl report"']);
  assert.equal(found.stdout.toString().trim(), '* SEARCH 1');
  const none = await curl([url('INBOX'), '-X', 'UID SEARCH SUBJECT nothing-matches-this']);
  assert.equal(none.stdout.toString().trim(), '* SEARCH');
  const status = await curl([url(), '-X', 'STATUS INBOX (MESSAGES UIDNEXT)']);
  assert.equal(status.stdout.toString().trim(), '* STATUS INBOX (MESSAGES 2 UIDNEXT 3)');
});

test('curl: upload (APPEND) with -T, checked through the store', async (t) => {
  if (!needCurl(t)) return;
  const upload = Buffer.from(
    'From: alice@example.org\r\nTo: ivan@example.net\r\nSubject: Uploaded by curl\r\n' +
      'Date: Fri, 6 Nov 2026 08:00:00 +0000\r\nMessage-ID: <up1@example.org>\r\n\r\nSent copy.\r\n',
  );
  const file = join(dir.path, 'upload.eml');
  writeFileSync(file, upload);
  const r = await curl(['-T', file, url('Sent')]);
  assert.match(r.stderr.toString(), /APPEND Sent/i, 'curl sent APPEND');
  const sent = await server.mailbox('Sent');
  const msgs = await server.store.messages.list(sent.id);
  assert.equal(msgs.length, 1);
  const blob = await server.store.messages.open(msgs[0]!.blobHash);
  assert.ok((await blob.read()).equals(upload), 'stored bytes equal the uploaded file');
  // And back out through IMAP.
  const back = await curl([url('Sent;UID=1')]);
  assert.ok(back.stdout.equals(upload));
});

test('curl: STARTTLS (--ssl-reqd) then FETCH', async (t) => {
  if (!needCurl(t)) return;
  const r = await curl(['--ssl-reqd', '-k', url('INBOX;UID=2')]);
  assert.match(r.stderr.toString(), /STARTTLS/);
  assert.ok(r.stdout.equals(MSG2));
});
