/**
 * Interop: getmail6 (`getmail --rcfile --getmaildir`), SimplePOP3Retriever into a Maildir.
 *
 * - `read_all = false`, `delete = false`: every message lands in the Maildir byte-exact and the
 *   server keeps it; a second run downloads nothing new (getmail's oldmail file holds the UIDLs);
 *   after a new delivery a third run downloads only that one.
 * - `delete = true`: what is downloaded is deleted from the server (DELE + QUIT).
 *
 * What getmail itself changes, and how the comparison allows for it: `delivered_to = false` and
 * `received = false` turn off its Delivered-To and Received fields, but it always writes a
 * `Return-Path:` first line (`<unknown>` for POP) and stores the message with the platform's
 * line ends (LF, as Maildir expects). The test strips exactly that first line and compares the
 * rest byte for byte against what was delivered with CRLF turned into LF. Header lines are kept
 * under 78 octets, as Python's email generator may refold longer ones. getmail refuses to
 * deliver as root: then the Maildir is made world-writable and the rcfile says `user = nobody`.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { describeRun, requireTool, run, toolVersion, type RunResult } from '../helpers/interop-env.ts';
import { bigMessage, crlfForm, dotMessage, plainMessage, startPopServer, type PopTestServer } from '../helpers/pop3-env.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let server: PopTestServer;
let dir: { path: string; remove: () => void };
let version: string | null;

before(async () => {
  server = await startPopServer();
  dir = tempDir('pk-interop-getmail-');
  version = toolVersion('getmail');
});

after(async () => {
  await server?.close();
  dir?.remove();
});

function needGetmail(t: TestContext): boolean {
  return requireTool(t, version, 'getmail6 not installed: apt-get install getmail6');
}

interface Setup {
  readonly rc: string;
  readonly maildir: string;
  readonly getmaildir: string;
}

function setup(name: string, opts: { delete: boolean }): Setup {
  const home = join(dir.path, name);
  const maildir = join(home, 'Maildir');
  const getmaildir = join(home, 'getmail');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  mkdirSync(getmaildir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // getmail delivers as `nobody`: it must reach the Maildir and write into it.
    for (const d of [dir.path, home]) chmodSync(d, 0o755);
    for (const d of [maildir, ...['cur', 'new', 'tmp'].map((s) => join(maildir, s))]) chmodSync(d, 0o777);
  }
  const rc = join(home, 'getmailrc');
  writeFileSync(
    rc,
    [
      '[retriever]',
      'type = SimplePOP3Retriever',
      'server = 127.0.0.1',
      `port = ${server.popPort}`,
      `username = ${server.user}`,
      `password = ${server.password}`,
      '',
      '[destination]',
      'type = Maildir',
      `path = ${maildir}/`,
      ...(asRoot ? ['user = nobody'] : []),
      '',
      '[options]',
      'verbose = 2',
      'read_all = false',
      `delete = ${opts.delete}`,
      'delivered_to = false',
      'received = false',
      '',
    ].join('\n'),
  );
  chmodSync(rc, 0o600);
  return { rc, maildir, getmaildir };
}

/**
 * getmail6 6.18's own race: a SIGCHLD that arrives while it installs its handler for a delivery
 * child crashes it (AttributeError on `_ForkingBase__orig_handler`, getmailcore/baseclasses.py).
 * It crashed before QUIT, so the server applied nothing (POP3 deletes only in UPDATE): the local
 * state (Maildir, getmail's oldmail files) is put back as it was and the run repeated, once.
 */
const GETMAIL_SIGCHLD_RACE = '_ForkingBase__orig_handler';

function localState(s: Setup): { maildir: Set<string>; oldmail: Map<string, Buffer> } {
  const maildir = new Set(['cur', 'new', 'tmp'].flatMap((sub) => readdirSync(join(s.maildir, sub)).map((f) => join(s.maildir, sub, f))));
  const oldmail = new Map(readdirSync(s.getmaildir).map((f) => [join(s.getmaildir, f), readFileSync(join(s.getmaildir, f))] as const));
  return { maildir, oldmail };
}

function restore(s: Setup, before: ReturnType<typeof localState>): void {
  const now = localState(s);
  for (const f of now.maildir) if (!before.maildir.has(f)) rmSync(f, { force: true });
  for (const f of now.oldmail.keys()) if (!before.oldmail.has(f)) rmSync(f, { force: true });
  for (const [f, bytes] of before.oldmail) writeFileSync(f, bytes);
}

async function getmail(s: Setup): Promise<RunResult> {
  const before = localState(s);
  let r = await run('getmail', ['--rcfile', s.rc, '--getmaildir', s.getmaildir], { timeoutMs: 180_000 });
  if (r.code !== 0 && r.stderr.toString().includes(GETMAIL_SIGCHLD_RACE)) {
    console.log(`# getmail6 crashed on its own SIGCHLD race (${GETMAIL_SIGCHLD_RACE}); local state restored, running it again`);
    restore(s, before);
    r = await run('getmail', ['--rcfile', s.rc, '--getmaildir', s.getmaildir], { timeoutMs: 180_000 });
  }
  assert.equal(r.code, 0, describeRun('getmail', r));
  return r;
}

/** Every file in the Maildir's new/, as getmail wrote it. */
function maildirFiles(s: Setup): Buffer[] {
  const newDir = join(s.maildir, 'new');
  return readdirSync(newDir).map((f) => readFileSync(join(newDir, f)));
}

/** getmail's form of a delivered message: its Return-Path line removed, LF line ends. */
function stripGetmail(got: Buffer): Buffer {
  const first = got.indexOf('\n');
  const line = got.subarray(0, first + 1).toString('latin1');
  assert.match(line, /^Return-Path: <[^>]*>\n$/, 'getmail writes Return-Path as the first line');
  return got.subarray(first + 1);
}

function lfForm(raw: Buffer): Buffer {
  return Buffer.from(crlfForm(raw).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}

/** Each expected message is in the Maildir exactly once (Maildir names carry no order). */
function assertSame(files: Buffer[], want: Buffer[]): void {
  assert.equal(files.length, want.length, 'messages in the Maildir');
  const got = files.map(stripGetmail);
  for (const [i, raw] of want.entries()) {
    const expected = lfForm(raw);
    const hits = got.filter((g) => g.equals(expected)).length;
    const sameLength = got.filter((g) => g.length === expected.length).length;
    assert.equal(hits, 1, `message ${i + 1} (${expected.length} octets) found byte-exact ${hits} times; ${sameLength} files of that length`);
  }
}

async function inboxUids(): Promise<number[]> {
  const inbox = await server.mailbox('INBOX');
  return (await server.store.messages.list(inbox.id)).map((m) => m.uid);
}

const keepMessages = [plainMessage(1), dotMessage(2), bigMessage(20 * 1024 * 1024, 'getmail-big')];
const laterMessage = plainMessage(4, 'Arrived between two runs');

test('getmail6 delete=false: byte-exact into a Maildir, a second run downloads nothing new', async (t) => {
  if (!needGetmail(t)) return;
  for (const raw of keepMessages) await server.deliver('INBOX', raw);
  const s = setup('keep', { delete: false });

  const first = await getmail(s);
  t.diagnostic(`first run (3 messages, one of 20 MB): ${first.ms} ms`);
  assertSame(maildirFiles(s), keepMessages);
  assert.deepEqual(await inboxUids(), [1, 2, 3], 'the server kept every message');

  const second = await getmail(s);
  assert.equal(maildirFiles(s).length, 3, `the second run downloaded nothing\n${describeRun('second run', second)}`);
  assert.match(second.stdout.toString(), /0 messages .*retrieved, 3 skipped/);

  await server.deliver('INBOX', laterMessage);
  const third = await getmail(s);
  assert.match(third.stdout.toString(), /1 messages? .*retrieved, 3 skipped/, describeRun('third run', third));
  assertSame(maildirFiles(s), [...keepMessages, laterMessage]);
  assert.deepEqual(await inboxUids(), [1, 2, 3, 4]);
});

test('getmail6 delete=true: downloaded messages are deleted from the server', async (t) => {
  if (!needGetmail(t)) return;
  await server.deliver('INBOX', dotMessage(5));
  const inbox = await server.mailbox('INBOX');
  const stored = await server.store.messages.list(inbox.id);
  const want = await Promise.all(stored.map(async (m) => (await server.store.messages.open(m.blobHash)).read()));
  const s = setup('delete', { delete: true });
  await getmail(s);
  assertSame(maildirFiles(s), want);
  assert.deepEqual(await inboxUids(), [], 'every downloaded message was deleted at QUIT');
  const again = await getmail(s);
  assert.match(again.stdout.toString(), /0 messages/);
  assert.equal(maildirFiles(s).length, want.length);
});
