/**
 * Interop: mbsync (Debian's isync) keeps a local Maildir and the server in sync both ways:
 * server mail lands locally (count and bytes), local mail and folders are uploaded, flags travel
 * both ways, deletions on either side are propagated, and a sync with nothing to do changes
 * nothing. The tests run in order and share one server and one Maildir, as a real user's would.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import {
  describeRun,
  requireTool,
  run,
  startInteropServer,
  toolVersion,
  type InteropServer,
} from '../helpers/interop-env.ts';
import { tempDir } from '../helpers/temp-dir.ts';

let server: InteropServer;
let dir: { path: string; remove: () => void };
let version: string | null;
let config = '';
let maildir = '';

const msg = (n: number, subject: string): Buffer =>
  Buffer.from(
    `From: Judy <judy@example.net>\r\nTo: alice@example.org\r\nSubject: ${subject}\r\n` +
      `Date: Sat, 7 Nov 2026 10:0${n}:00 +0000\r\nMessage-ID: <mb${n}@example.net>\r\n\r\n` +
      `Body of message ${n}.\r\nSecond line.\r\n`,
  );
const M1 = msg(1, 'unread on the server');
const M2 = msg(2, 'read on the server');
const M3 = msg(3, 'flagged on the server');
const M4 = msg(4, 'archived');

/** `isync 1.4.4` -> [1, 4]. */
function parseVersion(v: string): [number, number] {
  const m = /(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** The mbsyncrc for this isync: Far/Near from 1.4 (Master/Slave before), TLSType from 1.5. */
function mbsyncrc(v: string): string {
  const [major, minor] = parseVersion(v);
  const atLeast = (a: number, b: number): boolean => major > a || (major === a && minor >= b);
  const tls = atLeast(1, 5) ? 'TLSType None' : 'SSLType None';
  const [far, near] = atLeast(1, 4) ? ['Far', 'Near'] : ['Master', 'Slave'];
  return [
    'IMAPAccount postkontor',
    'Host 127.0.0.1',
    `Port ${server.port}`,
    `User ${server.user}`,
    `Pass ${server.password}`,
    tls,
    'AuthMechs LOGIN',
    '',
    'IMAPStore remote',
    'Account postkontor',
    '',
    'MaildirStore local',
    `Path ${maildir}/`,
    `Inbox ${maildir}/INBOX`,
    'SubFolders Verbatim',
    '',
    'Channel postkontor',
    `${far} :remote:`,
    `${near} :local:`,
    'Patterns *',
    'Create Both',
    'Expunge Both',
    'SyncState *',
    '',
  ].join('\n');
}

before(async () => {
  server = await startInteropServer();
  dir = tempDir('pk-interop-mbsync-');
  maildir = join(dir.path, 'Mail');
  mkdirSync(maildir);
  version = toolVersion('mbsync', ['--version']);
  if (version !== null) {
    config = join(dir.path, 'mbsyncrc');
    writeFileSync(config, mbsyncrc(version), { mode: 0o600 });
  }
  await server.deliver('INBOX', M1);
  await server.deliver('INBOX', M2, ['\\Seen']);
  await server.deliver('INBOX', M3, ['\\Flagged']);
  await server.deliver('Archive', M4, ['\\Seen']);
});

after(async () => {
  await server?.close();
  dir?.remove();
});

const transcripts: string[] = [];

/** One `mbsync -a` run; fails with its verbose output (and the earlier runs') on a non-zero exit. */
async function sync(): Promise<string> {
  const r = await run('mbsync', ['-V', '-c', config, '-a'], {
    env: { ...process.env, HOME: dir.path },
    timeoutMs: 20_000,
  });
  const text = describeRun(`mbsync -V -c mbsyncrc -a (run ${transcripts.length + 1})`, r);
  transcripts.push(text);
  assert.equal(r.code, 0, text);
  return text;
}

interface LocalMessage {
  readonly path: string;
  readonly uid: number | null;
  readonly flags: string;
  readonly body: Buffer;
}

/** The messages of a local Maildir folder, by near-side UID (files without U= last). */
function local(folder: string): LocalMessage[] {
  const out: LocalMessage[] = [];
  for (const sub of ['new', 'cur']) {
    const d = join(maildir, folder, sub);
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      const uid = /,U=(\d+)/.exec(name);
      const info = /:2,([A-Z]*)$/.exec(name);
      out.push({
        path: join(d, name),
        uid: uid ? Number(uid[1]) : null,
        flags: info ? info[1]! : '',
        body: readFileSync(join(d, name)),
      });
    }
  }
  return out.sort((a, b) => (a.uid ?? Infinity) - (b.uid ?? Infinity));
}

/**
 * Maildir files use LF. mbsync adds an `X-TUID` header to every message it propagates (either
 * way, even with UIDPLUS) to find it again after an interruption; it is mbsync's, not ours.
 */
function asMaildir(raw: Buffer): string {
  return raw.toString('utf8').replace(/\r\n/g, '\n');
}
function fromMaildir(file: Buffer): string {
  return file.toString('utf8').replace(/^X-TUID: .*\n/m, '');
}
function withoutTuid(raw: Buffer): string {
  return raw.toString('utf8').replace(/^X-TUID: .*\r\n/m, '');
}

interface ServerMessage {
  readonly uid: number;
  readonly flags: string[];
  readonly body: Buffer;
}

async function remote(mailbox: string): Promise<ServerMessage[]> {
  const mb = await server.mailbox(mailbox);
  const out: ServerMessage[] = [];
  for (const m of await server.store.messages.list(mb.id)) {
    const blob = await server.store.messages.open(m.blobHash);
    out.push({ uid: m.uid, flags: [...m.flags].sort(), body: await blob.read() });
  }
  return out;
}

function needMbsync(t: TestContext): boolean {
  return requireTool(t, version, 'mbsync not installed: apt-get install isync');
}

/** Which local message carries this subject. */
function find(folder: string, subject: string): LocalMessage {
  const m = local(folder).find((x) => x.body.toString('utf8').includes(`Subject: ${subject}\n`));
  assert.ok(m, `no local message "${subject}" in ${folder}: ${local(folder).map((x) => x.path).join(', ')}`);
  return m;
}

/** Renames a Maildir file into cur/ with the given flags (Maildir info `:2,FLAGS`). */
function setLocalFlags(m: LocalMessage, flags: string): void {
  const base = m.path.replace(/^.*\//, '').replace(/:2,[A-Z]*$/, '');
  renameSync(m.path, join(m.path, '..', '..', 'cur', `${base}:2,${flags}`));
}

test('mbsync: server messages land in the local Maildir (count, flags, bytes)', async (t) => {
  if (!needMbsync(t)) return;
  await sync();
  const inbox = local('INBOX');
  assert.equal(inbox.length, 3, transcripts.join('\n'));
  const want: [Buffer, string][] = [
    [M1, ''],
    [M2, 'S'],
    [M3, 'F'],
  ];
  for (const [i, [raw, flags]] of want.entries()) {
    assert.equal(inbox[i]!.flags, flags, `flags of local message ${i + 1}`);
    assert.equal(fromMaildir(inbox[i]!.body), asMaildir(raw), `bytes of local message ${i + 1}`);
  }
  const archive = local('Archive');
  assert.equal(archive.length, 1);
  assert.equal(fromMaildir(archive[0]!.body), asMaildir(M4));
  for (const f of ['Sent', 'Drafts', 'Trash', 'Junk']) assert.ok(existsSync(join(maildir, f, 'cur')), `${f} created locally`);
});

test('mbsync: a message and a folder created locally are uploaded', async (t) => {
  if (!needMbsync(t)) return;
  const written = 'From: alice@example.org\nTo: kim@example.net\nSubject: written offline\n' +
    'Date: Sat, 7 Nov 2026 11:00:00 +0000\nMessage-ID: <offline1@example.org>\n\nDrafted on the train.\n';
  writeFileSync(join(maildir, 'INBOX', 'new', '1794000000.offline1.laptop'), written);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, 'Projects', sub), { recursive: true });
  const inProject = 'From: alice@example.org\nSubject: project note\n\nA note.\n';
  writeFileSync(join(maildir, 'Projects', 'cur', '1794000001.note1.laptop:2,S'), inProject);
  await sync();

  const inbox = await remote('INBOX');
  assert.equal(inbox.length, 4, transcripts.join('\n'));
  const up = inbox[3]!;
  assert.equal(up.uid, 4);
  assert.equal(withoutTuid(up.body), written.replace(/\n/g, '\r\n'), 'uploaded with CRLF line ends');
  assert.deepEqual(up.flags, []);
  const projects = await remote('Projects');
  assert.equal(projects.length, 1, 'the local folder was created on the server with its message');
  assert.equal(withoutTuid(projects[0]!.body), inProject.replace(/\n/g, '\r\n'));
  assert.deepEqual(projects[0]!.flags, ['\\Seen']);
  assert.ok(find('INBOX', 'written offline').uid !== null, 'the local file got its UID');
});

test('mbsync: flags travel both ways', async (t) => {
  if (!needMbsync(t)) return;
  setLocalFlags(find('INBOX', 'unread on the server'), 'S');
  const inbox = await server.mailbox('INBOX');
  await server.store.messages.storeFlags(server.account.id, inbox.id, { uids: [2], mode: 'add', flags: ['\\Flagged'] });
  await sync();

  const byUid = new Map((await remote('INBOX')).map((m) => [m.uid, m.flags]));
  assert.deepEqual(byUid.get(1), ['\\Seen'], `local S reached the server\n${transcripts.at(-1)}`);
  assert.equal(find('INBOX', 'read on the server').flags, 'FS', 'server \\Flagged reached the local file name');
});

test('mbsync: deletions travel both ways (server expunge, local trashed + expunge)', async (t) => {
  if (!needMbsync(t)) return;
  const inbox = await server.mailbox('INBOX');
  await server.store.messages.storeFlags(server.account.id, inbox.id, { uids: [3], mode: 'add', flags: ['\\Deleted'] });
  assert.deepEqual(await server.store.messages.expunge(server.account.id, inbox.id), [3]);
  const trashed = find('INBOX', 'read on the server');
  setLocalFlags(trashed, `${trashed.flags}T`);
  await sync();

  const left = local('INBOX').map((m) => fromMaildir(m.body).match(/^Subject: (.*)$/m)?.[1]);
  assert.deepEqual(left.sort(), ['unread on the server', 'written offline'], transcripts.at(-1));
  assert.deepEqual(
    (await remote('INBOX')).map((m) => m.uid),
    [1, 4],
    `the locally trashed message was expunged on the server\n${transcripts.at(-1)}`,
  );
});

test('mbsync: a second sync with no changes changes nothing', async (t) => {
  if (!needMbsync(t)) return;
  await sync(); // settles anything the previous run only recorded
  const snapshot = async (): Promise<string> => {
    const boxes = (await server.store.mailboxes.list(server.account.id)).map((b) => [b.name, b.uidNext, b.highestModseq, b.messages]);
    const files: string[] = [];
    for (const f of readdirSync(maildir).sort()) files.push(...local(f).map((m) => `${m.path} ${m.body.length}`));
    const msgs: string[] = [];
    for (const [name] of boxes) for (const m of await remote(String(name))) msgs.push(`${name} ${m.uid} ${m.flags.join(' ')}`);
    return JSON.stringify({ boxes, files, msgs }, null, 1);
  };
  const before = await snapshot();
  const out = await sync();
  assert.equal(await snapshot(), before, out);
});
