/**
 * `[smtp] processes = 2` (src/server/smtp-processes.ts): `postkontor serve` with two SMTP
 * front-end processes sharing the MTA port, the store in the server process.
 *
 * - every message of a concurrent burst answered 250 is in the INBOX exactly once, byte for byte
 *   (plus our trace headers), and an IMAP client in IDLE on the server process sees each one;
 * - the RCPT check crosses to the server process (unknown user: 550 5.1.1; relay: 554 5.7.1);
 * - a front end killed with SIGKILL is replaced, and the other one serves meanwhile;
 * - SIGTERM stops the front ends with the server (exit 0, no process left behind), and a server
 *   killed outright takes its front ends with it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { freePorts, tempDir } from '../cli/run-cli.ts';
import { startTestDns, type TestDnsServer } from './dns-server.ts';
import { LineClient } from './line-client.ts';
import { MailNode } from './mail-node.ts';

const USER = 'alice@p.test';
/** IDLE push after 250; the strict 100 ms of issue 5 only on a quiet machine. */
const IDLE_MS = process.env.PK_E2E_STRICT_LATENCY === '1' ? 100 : 2_000;

/** Pids of the live child processes of `pid` running the SMTP front-end entry. */
function frontEnds(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('postkontor-smtp.js')) out.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out.sort((a, b) => a - b);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms${context()}`);
}

/** One message over a fresh connection; returns the final reply line. */
async function sendOne(port: number, from: string, to: string, body: string): Promise<string> {
  const c = await LineClient.open(port);
  try {
    await c.until(/^220 /);
    c.send('EHLO client.p.test');
    await c.until(/^250 /);
    c.send(`MAIL FROM:<${from}>`);
    await c.until(/^250 /);
    c.send(`RCPT TO:<${to}>`);
    const rcpt = await c.until(/^\d{3} /);
    if (!rcpt.text.startsWith('250')) return rcpt.text;
    c.send('DATA');
    await c.until(/^354 /);
    c.socket.write(body.replace(/^\./gm, '..') + '.\r\n');
    const done = await c.until(/^\d{3} /);
    c.send('QUIT');
    return done.text;
  } finally {
    c.socket.destroy();
  }
}

function message(n: string): string {
  return [`From: <sender@remote.example>`, `To: <${USER}>`, `Subject: burst ${n}`, `Message-ID: <${n}@remote.example>`, '', `Body of ${n}.`, '.dot-stuffed line', ''].join('\r\n');
}

describe('SMTP front-end processes ([smtp] processes = 2)', { timeout: 180_000 }, () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let dns: TestDnsServer;
  let node: MailNode;
  let imap: ImapFlow | null = null;
  const context = (): string => `\n--- server log ---\n${node.log}`;

  before(async () => {
    dir = await tempDir('pk-smtp-proc-');
    dns = await startTestDns(new Map([['remote.example', ['v=spf1 ip4:127.0.0.1 -all']]]));
    const [smtp, submission, imapPort] = await freePorts(3);
    node = new MailNode({ domain: 'p.test', user: USER, password: 'proc-e2e-pw-3f9', dir: dir.path, ports: { smtp: smtp!, submission: submission!, imap: imapPort! } });
    await node.provision();
    await node.writeConfig(['hostname = "mx.p.test"', '[log]', 'level = "info"', '[smtp]', 'processes = 2', '[outbound]', `dns-servers = ["${dns.address}"]`, ''].join('\n'));
    await node.start();
  });

  after(async () => {
    await imap?.logout().catch(() => imap?.close());
    await node?.stop().catch(() => undefined);
    await dns?.close();
    await dir?.cleanup();
  });

  test('two front ends run, children of the server process', () => {
    assert.equal(frontEnds(node.pid!).length, 2, `front ends: ${frontEnds(node.pid!).join(',')}${context()}`);
  });

  test('a concurrent burst: every 250 is in the INBOX once, byte-exact, pushed to IDLE', async () => {
    const idler = await LineClient.open(node.spec.ports.imap);
    await idler.until(/^\* OK/);
    idler.send(`a LOGIN ${USER} ${node.spec.password}`);
    await idler.until(/^a OK/);
    idler.send('s SELECT INBOX');
    await idler.until(/^s OK/);
    idler.send('i IDLE');
    await idler.until(/^\+ /);
    let exists = 0;
    let lastPush = 0;
    idler.onLine = (line) => {
      const m = /^\* (\d+) EXISTS/.exec(line.text);
      if (m) {
        exists = Number(m[1]);
        lastPush = line.at;
      }
    };
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}-${Date.now().toString(36)}`);
    const accepted: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          const reply = await sendOne(node.spec.ports.smtp, 'sender@remote.example', USER, message(id));
          assert.match(reply, /^250 2\.6\.0 /, `${id}: ${reply}${context()}`);
          accepted.push(performance.now());
        }
      }),
    );
    await waitFor('IDLE saw the burst', () => exists >= ids.length, 10_000, context);
    idler.send('DONE');
    idler.socket.destroy();
    const lastAccepted = Math.max(...accepted);
    assert.ok(lastPush - lastAccepted < IDLE_MS, `last EXISTS ${(lastPush - lastAccepted).toFixed(0)} ms after the last 250`);
    imap = await node.imap();
    const lock = await imap.getMailboxLock('INBOX');
    const seen = new Map<string, number>();
    for await (const m of imap.fetch('1:*', { source: true })) {
      const source = m.source!.toString('latin1');
      const id = /^Message-ID: <([^@]+)@/im.exec(source)?.[1] ?? '';
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const original = message(id);
      assert.ok(source.endsWith(original), `${id} stored byte-exact after the trace headers`);
      assert.match(source, /^Authentication-Results: mx\.p\.test;[^]*?spf=pass/im, `verified in the front end: ${source.slice(0, 600)}`);
      assert.match(source, /^Received: from client\.p\.test /im);
    }
    for (const id of ids) assert.equal(seen.get(id), 1, `${id} stored exactly once`);
    lock.release();
  });

  test('RCPT checks cross to the server process: unknown user and relay refused', async () => {
    assert.match(await sendOne(node.spec.ports.smtp, 'sender@remote.example', 'nobody@p.test', message('x')), /^550 5\.1\.1 /);
    assert.match(await sendOne(node.spec.ports.smtp, 'sender@remote.example', 'someone@elsewhere.example', message('x')), /^554 5\.7\.1 /);
  });

  test('a front end killed with SIGKILL is replaced; the other serves meanwhile', async () => {
    const before = frontEnds(node.pid!);
    assert.equal(before.length, 2);
    process.kill(before[0]!, 'SIGKILL');
    await waitFor('the killed front end is gone', () => !alive(before[0]!), 5_000, context);
    assert.match(await sendOne(node.spec.ports.smtp, 'sender@remote.example', USER, message(`after-kill-${Date.now()}`)), /^250 /);
    let replacement = 0;
    await waitFor('a new front end', () => {
      const now = frontEnds(node.pid!);
      replacement = now.find((p) => !before.includes(p)) ?? 0;
      return now.length === 2 && replacement !== 0;
    }, 60_000, context);
    await waitFor('the new front end listens', () => node.log.includes(`"pid":${replacement},"name":"postkontor","proc":"smtp","port":${node.spec.ports.smtp},"msg":"SMTP front end listening"`), 60_000, context);
    assert.match(node.log, /an SMTP process died; starting another/);
  });

  test('SIGTERM stops the front ends with the server; SIGKILL of the server takes them along', async () => {
    await imap?.logout().catch(() => imap?.close());
    imap = null;
    const pids = frontEnds(node.pid!);
    assert.equal(await node.stop(), 0);
    for (const p of pids) assert.equal(alive(p), false, `front end ${p} still running after the server stopped`);
    await node.start();
    const again = frontEnds(node.pid!);
    assert.equal(again.length, 2, context());
    await node.kill();
    await waitFor('front ends exit when the server dies', () => again.every((p) => !alive(p)), 10_000, context);
  });
});
