/**
 * Interop: curl's pop3:// URLs (libcurl's POP3 client): the listing (LIST), RETR by message
 * number with byte-exact output (curl un-stuffs the leading dots; a message made of
 * dot-stuffing traps and a 20 MB one), custom commands (`-X UIDL`, `-X 'TOP 2 0'`, `-X DELE`
 * with --head as libcurl asks for commands without a body) checked through the store, and STLS
 * (--ssl-reqd).
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { describeRun, requireTool, run, toolVersion, type RunResult } from '../helpers/interop-env.ts';
import { bigMessage, crlfForm, dotMessage, plainMessage, startPopServer, type PopTestServer } from '../helpers/pop3-env.ts';

let server: PopTestServer;
let version: string | null;
let delivered: Buffer[] = [];

before(async () => {
  server = await startPopServer();
  version = toolVersion('curl');
  delivered = [plainMessage(1), dotMessage(2), bigMessage(20 * 1024 * 1024, 'curl-big')];
  for (const raw of delivered) await server.deliver('INBOX', raw);
});

after(async () => {
  await server?.close();
});

const url = (path = ''): string => `pop3://127.0.0.1:${server.popPort}/${path}`;

async function curl(args: string[]): Promise<RunResult> {
  const r = await run('curl', ['-sS', '-v', '--max-time', '60', '-u', `${server.user}:${server.password}`, ...args], {
    timeoutMs: 70_000,
  });
  assert.equal(r.code, 0, describeRun(`curl ${args.join(' ')}`, r));
  return r;
}

function needCurl(t: TestContext): boolean {
  return requireTool(t, version, 'curl not installed: apt-get install curl');
}

async function inboxUids(): Promise<number[]> {
  const inbox = await server.mailbox('INBOX');
  return (await server.store.messages.list(inbox.id)).map((m) => m.uid);
}

test('curl pop3: the listing is LIST with CRLF sizes', async (t) => {
  if (!needCurl(t)) return;
  const r = await curl([url()]);
  assert.match(r.stderr.toString(), /> LIST\r?\n/);
  assert.deepEqual(
    r.stdout.toString().trimEnd().split('\r\n'),
    delivered.map((m, i) => `${i + 1} ${crlfForm(m).length}`),
  );
});

test('curl pop3: RETR by number is byte-exact (leading dots un-stuffed, 20 MB)', async (t) => {
  if (!needCurl(t)) return;
  for (const [i, raw] of delivered.entries()) {
    const r = await curl([url(String(i + 1))]);
    assert.match(r.stderr.toString(), new RegExp(`> RETR ${i + 1}\\r?\\n`));
    const want = crlfForm(raw);
    assert.equal(r.stdout.length, want.length, `message ${i + 1}: length`);
    assert.ok(r.stdout.equals(want), `message ${i + 1}: bytes differ\n${i === 1 ? JSON.stringify(r.stdout.toString()) : ''}`);
    if (i === 2) t.diagnostic(`20 MB RETR through curl: ${r.ms} ms`);
  }
});

test('curl pop3: custom commands -X UIDL and -X "TOP 2 0"', async (t) => {
  if (!needCurl(t)) return;
  const uidl = await curl([url(), '-X', 'UIDL']);
  const rows = uidl.stdout.toString().trimEnd().split('\r\n').map((l) => l.split(' '));
  assert.deepEqual(
    rows.map((r) => r[0]),
    ['1', '2', '3'],
  );
  assert.equal(new Set(rows.map((r) => r[1])).size, 3, 'distinct UIDLs');
  const top = await curl([url(), '-X', 'TOP 2 0']);
  const dots = crlfForm(delivered[1]!);
  assert.equal(top.stdout.toString(), dots.subarray(0, dots.indexOf('\r\n\r\n') + 4).toString());
  assert.deepEqual(await inboxUids(), [1, 2, 3], 'RETR/UIDL/TOP sessions changed nothing (after-retrieve=keep)');
});

test('curl pop3: -X DELE --head on a message removes it at QUIT', async (t) => {
  if (!needCurl(t)) return;
  const r = await curl([url('2'), '-X', 'DELE', '--head']);
  const trace = r.stderr.toString();
  assert.match(trace, /> DELE 2\r?\n/);
  // curl 7.88 sends QUIT when it closes its connection cache at exit, outside the -v trace; the
  // download history (written only by an UPDATE after QUIT) shows the session ended with QUIT.
  const [last] = await server.store.pop.recentDownloads(server.account.id, 1);
  assert.equal(last?.deleted, 1, `the session ended with QUIT and one DELE: ${JSON.stringify(last)}`);
  assert.deepEqual(await inboxUids(), [1, 3]);
  const list = await curl([url()]);
  assert.deepEqual(
    list.stdout.toString().trimEnd().split('\r\n'),
    [`1 ${crlfForm(delivered[0]!).length}`, `2 ${crlfForm(delivered[2]!).length}`],
    'the maildrop renumbers at the next session',
  );
});

test('curl pop3: STLS (--ssl-reqd) then RETR', async (t) => {
  if (!needCurl(t)) return;
  const r = await curl(['--ssl-reqd', '-k', url('1')]);
  assert.match(r.stderr.toString(), /> STLS\r?\n/);
  assert.ok(r.stdout.equals(crlfForm(delivered[0]!)));
});
