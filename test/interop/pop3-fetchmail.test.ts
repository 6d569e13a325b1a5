/**
 * Interop: fetchmail (Debian package) as a one-shot (`-f rcfile --nodetach`, no daemon), UIDL
 * bookkeeping on (`--uidl`, `set idfile` in a temp dir), each message handed to an MDA script
 * that writes it to a file.
 *
 * - `--keep`: every message arrives byte-exact and the server keeps them; a second run downloads
 *   nothing (fetchmail's idfile holds the UIDLs); after a new delivery a third run downloads only
 *   that one: UIDLs stay stable across sessions.
 * - `--nokeep`: every message arrives byte-exact and is deleted from the server (DELE + QUIT);
 *   the next run finds no mail.
 *
 * What fetchmail itself changes, and how the comparison allows for it: with an MDA it prepends
 * its own `Received:` header field (`set invisible` does not suppress it for MDA delivery); the
 * test checks that field names fetchmail and strips exactly that one field. `no stripcr` keeps
 * the CRLF line ends and `no rewrite` leaves addresses alone, so everything after that field is
 * compared byte for byte with the CRLF form of what was delivered. Note that fetchmail 6.4 reads
 * messages with `TOP n 99999999`, not RETR.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  dir = tempDir('pk-interop-fetchmail-');
  version = toolVersion('fetchmail');
});

after(async () => {
  await server?.close();
  dir?.remove();
});

function needFetchmail(t: TestContext): boolean {
  return requireTool(t, version, 'fetchmail not installed: apt-get install fetchmail');
}

interface Setup {
  readonly rc: string;
  readonly out: string;
  readonly home: string;
}

/** A fresh rcfile (mode 600), idfile, MDA script and output directory under `name`. */
function setup(name: string): Setup {
  const home = join(dir.path, name);
  const out = join(home, 'out');
  mkdirSync(out, { recursive: true });
  const mda = join(home, 'mda.sh');
  // One file per message, numbered in delivery order.
  writeFileSync(mda, `#!/bin/sh\nn=$(ls "${out}" | wc -l)\ncat > "${out}/$(printf %04d $((n + 1))).eml"\n`);
  chmodSync(mda, 0o755);
  const rc = join(home, 'fetchmailrc');
  writeFileSync(
    rc,
    [
      'set no syslog',
      `set idfile "${join(home, 'fetchids')}"`,
      `poll 127.0.0.1 service ${server.popPort} protocol pop3 uidl auth password timeout 30`,
      `  user "${server.user}" there with password "${server.password}" is "postkontor" here`,
      // sslproto '': no opportunistic STLS (the test certificate is self-signed; plain on loopback).
      `  options no stripcr no rewrite sslproto '' mda "${mda}"`,
      '',
    ].join('\n'),
  );
  chmodSync(rc, 0o600);
  return { rc, out, home };
}

/** One fetchmail run; exit 0 = mail retrieved, 1 = no mail (fetchmail(1) EXIT CODES). */
async function fetchmail(s: Setup, flags: string[], expectCode: 0 | 1): Promise<RunResult> {
  const r = await run('fetchmail', ['-f', s.rc, '--nodetach', '--uidl', '-v', ...flags], {
    timeoutMs: 120_000,
    env: { ...process.env, HOME: s.home, FETCHMAILHOME: s.home },
  });
  assert.equal(r.code, expectCode, describeRun(`fetchmail ${flags.join(' ')}`, r));
  return r;
}

/** The files the MDA wrote, in order. */
function delivered(s: Setup): Buffer[] {
  return readdirSync(s.out)
    .sort()
    .map((f) => readFileSync(join(s.out, f)));
}

/** Strips the one Received: field fetchmail prepends (checked to be fetchmail's). */
function stripFetchmailReceived(got: Buffer, what: string): Buffer {
  const text = got.toString('latin1');
  const m = /^Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*/.exec(text);
  assert.ok(m, `${what}: fetchmail's Received: field is the first line\n${text.slice(0, 300)}`);
  assert.match(m[0], /fetchmail/, `${what}: the first field is fetchmail's own`);
  return got.subarray(Buffer.byteLength(m[0], 'latin1'));
}

function assertSame(got: Buffer[], want: Buffer[]): void {
  assert.equal(got.length, want.length, 'messages written by the MDA');
  for (const [i, raw] of want.entries()) {
    const body = stripFetchmailReceived(got[i]!, `message ${i + 1}`);
    const expected = crlfForm(raw);
    assert.equal(body.length, expected.length, `message ${i + 1}: length`);
    assert.ok(body.equals(expected), `message ${i + 1}: bytes differ from the CRLF form of what was delivered`);
  }
}

async function inboxUids(): Promise<number[]> {
  const inbox = await server.mailbox('INBOX');
  return (await server.store.messages.list(inbox.id)).map((m) => m.uid);
}

const keepMessages = [plainMessage(1), dotMessage(2), bigMessage(20 * 1024 * 1024, 'fetchmail-big')];
const laterMessage = plainMessage(4, 'Arrived between two runs');

test('fetchmail --keep: byte-exact download, server copies kept, a second run downloads nothing new', async (t) => {
  if (!needFetchmail(t)) return;
  for (const raw of keepMessages) await server.deliver('INBOX', raw);
  const s = setup('keep');

  const first = await fetchmail(s, ['--keep'], 0);
  t.diagnostic(`first --keep run (3 messages, one of 20 MB): ${first.ms} ms`);
  assertSame(delivered(s), keepMessages);
  assert.deepEqual(await inboxUids(), [1, 2, 3], 'the server kept every message');
  const ids = readFileSync(join(s.home, 'fetchids'), 'utf8');
  assert.equal(ids.trim().split('\n').length, 3, `fetchmail remembered three UIDLs:\n${ids}`);

  const second = await fetchmail(s, ['--keep'], 1);
  assert.equal(delivered(s).length, 3, `the second run downloaded nothing\n${describeRun('second run', second)}`);
  assert.match(second.stderr.toString() + second.stdout.toString(), /3 seen/);

  // A new message: a third run downloads it and only it (the old UIDLs did not change).
  await server.deliver('INBOX', laterMessage);
  await fetchmail(s, ['--keep'], 0);
  const all = delivered(s);
  assert.equal(all.length, 4, 'only the new message was downloaded');
  assertSame(all.slice(3), [laterMessage]);
  assert.deepEqual(await inboxUids(), [1, 2, 3, 4]);
});

test('fetchmail --nokeep: byte-exact download, then the messages are gone from the server', async (t) => {
  if (!needFetchmail(t)) return;
  // Whatever the first test left (or, if it skipped, nothing), plus a fresh dotted message.
  await server.deliver('INBOX', dotMessage(5));
  const inbox = await server.mailbox('INBOX');
  const before = await server.store.messages.list(inbox.id);
  const want = await Promise.all(before.map(async (m) => (await server.store.messages.open(m.blobHash)).read()));
  const s = setup('nokeep');

  const first = await fetchmail(s, ['--nokeep'], 0);
  assertSame(delivered(s), want);
  assert.match(first.stdout.toString() + first.stderr.toString(), new RegExp(`DELE ${want.length}`));
  assert.deepEqual(await inboxUids(), [], 'every downloaded message was deleted at QUIT');
  const [last] = await server.store.pop.recentDownloads(server.account.id, 1);
  assert.equal(last?.deleted, want.length, `the session ended with QUIT: ${JSON.stringify(last)}`);

  const second = await fetchmail(s, ['--nokeep'], 1);
  assert.match(second.stdout.toString() + second.stderr.toString(), /No mail/);
  assert.equal(delivered(s).length, want.length);
});
