/**
 * Interop: Python's poplib (stdlib) against the POP3 listener, driven by
 * test/interop/python/pop3_session.py. USER/PASS on loopback (the default auth.plaintext policy,
 * tls-or-loopback, allows it there, so CAPA must list USER), STAT, LIST, UIDL, RETR of every
 * message, TOP; what poplib hands back is compared byte for byte against what was delivered, in
 * CRLF form: a message full of dot-stuffing traps, one with bare LF line ends, 8-bit UTF-8 and a
 * 20 MB message. Then DELE + QUIT removes exactly the DELE'd messages from the store, and STLS
 * (RFC 2595) works with poplib.stls().
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test, type TestContext } from 'node:test';
import { describeRun, requireTool, run, toolVersion } from '../helpers/interop-env.ts';
import { bigMessage, crlfForm, dotMessage, plainMessage, startPopServer, type PopTestServer } from '../helpers/pop3-env.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const SCRIPT = fileURLToPath(new URL('./python/pop3_session.py', import.meta.url));
const BIG_BYTES = 20 * 1024 * 1024;

let server: PopTestServer;
let dir: { path: string; remove: () => void };
let version: string | null;
/** What was delivered, in maildrop order. */
let delivered: Buffer[] = [];

const BARE_LF = Buffer.from(
  'From: Lena <lena@example.net>\nTo: alice@example.org\nSubject: Bare LF\n\n.dot after a bare LF\nno final newline',
);

before(async () => {
  server = await startPopServer();
  dir = tempDir('pk-interop-poplib-');
  version = toolVersion('python3');
  delivered = [plainMessage(1), dotMessage(2), BARE_LF, bigMessage(BIG_BYTES, 'poplib-big'), plainMessage(5, 'Last one')];
  for (const raw of delivered) await server.deliver('INBOX', raw);
});

after(async () => {
  await server?.close();
  dir?.remove();
});

function needPython(t: TestContext): boolean {
  return requireTool(t, version, 'python3 not installed: apt-get install python3');
}

async function script(t: TestContext, args: string[]): Promise<Record<string, unknown>> {
  const r = await run('python3', [SCRIPT, args[0]!, '127.0.0.1', String(server.popPort), server.user, server.password, ...args.slice(1)], {
    timeoutMs: 120_000,
  });
  t.diagnostic(`pop3_session.py ${args[0]} ran in ${r.ms} ms`);
  assert.equal(r.code, 0, describeRun(`python3 pop3_session.py ${args.join(' ')}`, r));
  return JSON.parse(r.stdout.toString('utf8')) as Record<string, unknown>;
}

async function inboxUids(): Promise<number[]> {
  const inbox = await server.mailbox('INBOX');
  return (await server.store.messages.list(inbox.id)).map((m) => m.uid);
}

test('poplib: USER/PASS, STAT, LIST, UIDL, RETR of every message byte-exact (dots, bare LF, 20 MB), TOP', async (t) => {
  if (!needPython(t)) return;
  const expected = delivered.map(crlfForm);
  const out = await script(t, ['fetch', dir.path]);
  const capa = out.capa as Record<string, string[]>;
  assert.ok('USER' in capa, `CAPA lists USER on loopback: ${JSON.stringify(capa)}`);
  assert.ok('UIDL' in capa && 'TOP' in capa, JSON.stringify(capa));
  assert.deepEqual(out.stat, [expected.length, expected.reduce((a, b) => a + b.length, 0)], 'STAT: count and CRLF octets');
  assert.deepEqual(
    out.list,
    expected.map((m, i) => `${i + 1} ${m.length}`),
    'LIST sizes are the octets of the CRLF form',
  );
  const uidls = (out.uidl as string[]).map((l) => l.split(' '));
  assert.deepEqual(
    uidls.map((u) => u[0]),
    expected.map((_, i) => String(i + 1)),
  );
  const ids = uidls.map((u) => u[1]!);
  assert.equal(new Set(ids).size, ids.length, 'UIDLs are unique');
  for (const id of ids) assert.match(id, /^[\x21-\x7e]{1,70}$/, 'UIDL characters (RFC 1939 §7)');

  const retrieved = out.retrieved as { n: number; resp: string; octets: number }[];
  for (const [i, want] of expected.entries()) {
    const got = readFileSync(join(dir.path, `${i + 1}.eml`));
    assert.equal(got.length, want.length, `message ${i + 1}: length`);
    assert.ok(got.equals(want), `message ${i + 1}: bytes differ from the CRLF form of what was delivered`);
    // poplib counts the octets it read, CRLFs included and stuffing dots not: LIST's size.
    assert.equal(retrieved[i]!.octets, want.length, `message ${i + 1}: octets poplib counted`);
  }
  const big = readFileSync(join(dir.path, '4.eml'));
  t.diagnostic(`20 MB message: ${big.length} octets retrieved, byte-identical`);

  const top = out.top as { text: string };
  const header = expected[0]!.subarray(0, expected[0]!.indexOf('\r\n\r\n') + 4).toString('utf8');
  assert.equal(top.text, header, 'TOP 1 0: the header and the blank line');
  assert.match(out.quit as string, /^\+OK/);
  // RETR + QUIT with the default pop.after-retrieve=keep changes nothing.
  assert.deepEqual(await inboxUids(), [1, 2, 3, 4, 5]);
});

test('poplib: DELE + QUIT removes exactly the DELE\'d messages', async (t) => {
  if (!needPython(t)) return;
  const out = await script(t, ['dele', '2', '4']);
  assert.equal((out.dele as string[]).length, 2);
  for (const a of out.dele as string[]) assert.match(a, /^\+OK/);
  const left = [delivered[0]!, delivered[2]!, delivered[4]!].map(crlfForm);
  assert.deepEqual(out.stat_after, [3, left.reduce((a, b) => a + b.length, 0)], 'STAT leaves DELE\'d messages out');
  assert.match(out.quit as string, /^\+OK/);
  assert.deepEqual(await inboxUids(), [1, 3, 5], 'the store lost UIDs 2 and 4 and nothing else');
  const trash = await server.mailbox('Trash');
  assert.deepEqual(await server.store.messages.list(trash.id), [], 'imap.expunge-action=delete: not moved to Trash');
});

test('poplib: STLS with an unverified context, then USER/PASS', async (t) => {
  if (!needPython(t)) return;
  const out = await script(t, ['stls']);
  assert.ok((out.capa_before as string[]).includes('STLS'), `CAPA offers STLS: ${JSON.stringify(out.capa_before)}`);
  assert.match(out.stls as string, /^\+OK/);
  assert.ok(!(out.capa_after as string[]).includes('STLS'), 'no STLS after TLS');
  assert.ok((out.capa_after as string[]).includes('USER'));
  assert.match(String(out.tls), /^TLSv1\.[23]$/);
  assert.equal((out.stat as number[])[0], 3);
  assert.match(out.quit as string, /^\+OK/);
});
