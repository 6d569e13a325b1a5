/**
 * Two `postkontor serve` processes on different ports sharing one fresh PostgreSQL database
 * (issue 7, "Done when"; docs/scaling.md quotes the figures this prints):
 *
 * - A client on node 1 IDLEs on INBOX while, on node 2, SMTP delivers, an IMAP client marks a
 *   message read, moves one, deletes one (\Deleted, then UID EXPUNGE), and a POP3 client downloads
 *   with pop.after-retrieve=archive. The idler sees every change, in order; the time from the
 *   node-2 client's 250/OK/+OK to the idler's untagged response is measured (p50/p99 printed;
 *   p50 under 100 ms asserted, p99 too under PK_E2E_STRICT_LATENCY=1).
 * - A failed login on node 1 counts on node 2 (one failed-login limiter for the cluster), and a
 *   web session made on node 1 is valid on node 2 (and ends on both when signed out on one).
 * - Node 1 is killed with SIGKILL while a burst of SMTP deliveries to it is in flight (and while
 *   it holds a POP3 maildrop lock), then started again: every message that got 250 is stored
 *   exactly once, none is stored twice, and the POP3 lock is free.
 *
 * Skips where no PostgreSQL answers (fails instead under CI=true).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/ports.ts';
import { freePorts, tempDir } from '../cli/run-cli.ts';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/pg-db.ts';
import { LineClient, type Line } from './line-client.ts';
import { ServeProcess } from './serve-process.ts';
import { startTestDns, type TestDnsServer } from './dns-server.ts';

const USER = 'idle@cluster.test';
const PASSWORD = 'cluster-pw-3f9a';
const VICTIM = 'victim@cluster.test';
const ROUNDS = 25;
/**
 * The target: each change seen within 100 ms. The median must meet it on any machine; the p99 is
 * held to it under PK_E2E_STRICT_LATENCY=1 (a quiet machine), else only to 500 ms, since a
 * 2-vCPU machine running other suites at once (load average 10+) puts scheduling stalls of over
 * 100 ms into any process, the single-node IDLE tests' included.
 */
const LATENCY_TARGET_MS = 100;
const P99_LIMIT_MS = process.env.PK_E2E_STRICT_LATENCY === '1' ? LATENCY_TARGET_MS : 500;

interface NodePorts {
  readonly smtp: number;
  readonly imap: number;
  readonly pop3: number;
  readonly http: number;
}

/** One `postkontor serve` on the shared PostgreSQL store. */
class PgNode extends ServeProcess {
  constructor(
    readonly name: string,
    readonly dir: string,
    override readonly ports: NodePorts,
  ) {
    super(name, join(dir, 'data'), join(dir, 'postkontor.toml'), ports);
  }

  async configure(storeUrl: string, dnsAddress: string): Promise<void> {
    await writeFile(
      this.configPath,
      [`hostname = "${this.name}.cluster.test"`, `store = "${storeUrl}"`, '[log]', 'level = "warn"', '[outbound]', `dns-servers = ["${dnsAddress}"]`, ''].join('\n'),
    );
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const message = (subject: string): string =>
  [`From: sender@example.net`, `To: ${USER}`, `Subject: ${subject}`, `Message-ID: <${subject}@example.net>`, '', `Body of ${subject}.`].join('\r\n');

/** An SMTP session to a node's port 25 (the `smtp` listener); `deliver` resolves at the 250 after DATA. */
class Smtp {
  private constructor(private readonly c: LineClient) {}

  static async open(port: number): Promise<Smtp> {
    const c = await LineClient.open(port);
    await c.until(/^220 /);
    await c.cmd('EHLO client.example.net', /^250 /);
    return new Smtp(c);
  }

  async deliver(to: string, subject: string): Promise<Line> {
    await this.c.cmd('MAIL FROM:<sender@example.net>', /^250 /);
    await this.c.cmd(`RCPT TO:<${to}>`, /^250 /);
    await this.c.cmd('DATA', /^354 /);
    const done = await this.c.cmd(`${message(subject)}\r\n.`, /^\d{3} /);
    if (!done.text.startsWith('250 ')) throw new Error(`DATA: ${done.text}`);
    return done;
  }

  close(): void {
    this.c.close();
  }
}

async function imapLogin(port: number, user = USER, password = PASSWORD, localAddress?: string): Promise<LineClient> {
  const c = await LineClient.open(port, localAddress);
  await c.until(/^\* OK/);
  const r = await c.cmd(`a LOGIN ${user} ${password}`, /^a (OK|NO|BAD)/);
  if (!r.text.startsWith('a OK')) throw new Error(`LOGIN: ${r.text}`);
  return c;
}

if (await requirePostgres('multi-node e2e on PostgreSQL')) {
  describe('two postkontor serve nodes on one PostgreSQL', { timeout: 180_000 }, () => {
    let dir: { path: string; cleanup(): Promise<void> };
    let database: TestDatabase;
    let dns: TestDnsServer;
    let store: Store;
    let node1: PgNode;
    let node2: PgNode;
    let accountId = 0;
    const open: { close(): void }[] = [];

    before(async () => {
      dir = await tempDir('pk-multi-');
      database = await createTestDatabase();
      dns = await startTestDns(new Map());
      // Provisioned in-process on the shared database; the nodes never see a SQLite file.
      store = await openStore({ dataDir: join(dir.path, 'admin'), storeUrl: database.url, poolSize: 2 });
      await store.domains.add('cluster.test');
      const hash = await hashPassword(PASSWORD);
      accountId = (await store.accounts.create({ address: USER, passwordHash: hash })).id;
      await store.accounts.create({ address: VICTIM, passwordHash: hash });
      await store.settings.set(accountId, 'pop.after-retrieve', 'archive');
      const p = await freePorts(8);
      node1 = new PgNode('node1', join(dir.path, 'n1'), { smtp: p[0]!, imap: p[1]!, pop3: p[2]!, http: p[3]! });
      node2 = new PgNode('node2', join(dir.path, 'n2'), { smtp: p[4]!, imap: p[5]!, pop3: p[6]!, http: p[7]! });
      for (const n of [node1, node2]) {
        await mkdir(n.dir, { recursive: true });
        await n.configure(database.url, dns.address);
      }
      await Promise.all([node1.start(), node2.start()]);
    });

    after(async () => {
      for (const c of open) c.close();
      await Promise.all([node1?.stop(), node2?.stop()]);
      await store?.close();
      await dns?.close();
      await database?.drop();
      await dir?.cleanup();
    });

    const logs = (): string => `\n--- node1 ---\n${node1.log}\n--- node2 ---\n${node2.log}`;

    test('an idler on node 1 sees every change made on node 2, in order, within 100 ms', async () => {
      const idler = await imapLogin(node1.ports.imap);
      open.push(idler);
      await idler.cmd('s SELECT INBOX', /^s OK/);
      await idler.cmd('i IDLE', /^\+ /);
      const imap = await imapLogin(node2.ports.imap);
      open.push(imap);
      await imap.cmd('s SELECT INBOX', /^s OK/);
      const smtp = await Smtp.open(node2.ports.smtp);
      open.push(smtp);

      const samples: Record<string, number[]> = { smtp: [], seen: [], move: [], deleted: [], expunge: [], pop3: [] };
      /** Waits for the idler's next untagged response matching `expect`; records the latency from `done`. */
      const observe = async (kind: string, done: Line, expect: RegExp): Promise<string> => {
        const seen = await idler.until(/^\* (?!\d+ RECENT)/, 5000).catch((err: Error) => {
          throw new Error(`${kind}: ${err.message}${logs()}`);
        });
        assert.match(seen.text, expect, `${kind}: the idler's next response, in order`);
        samples[kind]!.push(seen.at - done.at);
        return seen.text;
      };

      let uid = 0;
      let exists = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // SMTP on node 2 delivers three messages.
        for (let k = 0; k < 3; k++) {
          const done = await smtp.deliver(USER, `r${round}-m${k}`);
          await observe('smtp', done, new RegExp(`^\\* ${++exists} EXISTS$`));
        }
        const [a, b, c] = [uid + 1, uid + 2, uid + 3];
        uid += 3;
        // IMAP on node 2: mark read, move, delete.
        const seen = await imap.cmd(`f UID STORE ${a} +FLAGS.SILENT (\\Seen)`, /^f (OK|NO|BAD)/);
        assert.match(seen.text, /^f OK/);
        await observe('seen', seen, /^\* 1 FETCH \(.*FLAGS \(.*\\Seen/);
        const moved = await imap.cmd(`m UID MOVE ${b} Archive`, /^m (OK|NO|BAD)/);
        assert.match(moved.text, /^m OK/);
        await observe('move', moved, /^\* 2 EXPUNGE$/);
        exists--;
        const flagged = await imap.cmd(`d UID STORE ${c} +FLAGS.SILENT (\\Deleted)`, /^d (OK|NO|BAD)/);
        assert.match(flagged.text, /^d OK/);
        await observe('deleted', flagged, /^\* 2 FETCH \(.*FLAGS \(.*\\Deleted/);
        const expunged = await imap.cmd(`e UID EXPUNGE ${c}`, /^e (OK|NO|BAD)/);
        assert.match(expunged.text, /^e OK/);
        await observe('expunge', expunged, /^\* 2 EXPUNGE$/);
        exists--;
        // POP3 on node 2 downloads the one message left; after-retrieve=archive moves it at QUIT.
        await imap.cmd('n NOOP', /^n OK/);
        const pop = await LineClient.open(node2.ports.pop3);
        open.push(pop);
        await pop.until(/^\+OK/);
        await pop.cmd(`USER ${USER}`, /^[+-]/);
        assert.match((await pop.cmd(`PASS ${PASSWORD}`, /^[+-]/)).text, /^\+OK/);
        assert.match((await pop.cmd('STAT', /^[+-]/)).text, /^\+OK 1 /);
        await pop.cmd('RETR 1', /^\.$/);
        const quit = await pop.cmd('QUIT', /^[+-]/);
        assert.match(quit.text, /^\+OK/);
        pop.close();
        await observe('pop3', quit, /^\* 1 EXPUNGE$/);
        exists--;
        await imap.cmd('n NOOP', /^n OK/);
      }
      assert.equal(exists, 0);
      idler.send('DONE');
      await idler.until(/^i OK/);

      const all = Object.values(samples).flat().sort((x, y) => x - y);
      const line = (name: string, xs: number[]): string => {
        const s = [...xs].sort((x, y) => x - y);
        return `${name}: n=${s.length} p50=${percentile(s, 50).toFixed(1)} ms p99=${percentile(s, 99).toFixed(1)} ms max=${s.at(-1)!.toFixed(1)} ms`;
      };
      console.log(`multi-node IDLE latency (node-2 reply → node-1 untagged response)`);
      console.log(`  ${line('all', all)}`);
      for (const [kind, xs] of Object.entries(samples)) console.log(`    ${line(kind, xs)}`);
      assert.equal(all.length, ROUNDS * 8);
      assert.ok(percentile(all, 50) < LATENCY_TARGET_MS, `p50 ${percentile(all, 50).toFixed(1)} ms`);
      assert.ok(percentile(all, 99) < P99_LIMIT_MS, `p99 ${percentile(all, 99).toFixed(1)} ms (limit ${P99_LIMIT_MS} ms)`);
      const archive = (await store.mailboxes.byRole(accountId, 'archive'))!;
      assert.equal((await store.messages.list(archive.id)).length, ROUNDS * 2, 'moved and POP-archived messages are in Archive');
    });

    test('a failed login on node 1 counts on node 2', async () => {
      // From 127.0.0.2, so the other tests' address (127.0.0.1) is not limited.
      const from = '127.0.0.2';
      for (let failures = 0; failures < 10; ) {
        const c = await LineClient.open(node1.ports.imap, from);
        await c.until(/^\* OK/);
        for (let k = 0; k < 3 && failures < 10; k++, failures++) {
          assert.match((await c.cmd(`a${k} LOGIN ${VICTIM} wrong-${failures}`, /^a\d (OK|NO|BAD)/)).text, /AUTHENTICATIONFAILED/);
        }
        c.close();
      }
      const c = await LineClient.open(node2.ports.imap, from);
      open.push(c);
      await c.until(/^\* OK/);
      const r = await c.cmd(`a LOGIN ${VICTIM} ${PASSWORD}`, /^a (OK|NO|BAD)/);
      assert.match(r.text, /^a NO \[UNAVAILABLE\] Too many failed logins/, 'node 2 knows the failures made on node 1');
      c.close();
      const other = await imapLogin(node2.ports.imap, VICTIM, PASSWORD);
      other.close();
    });

    test('a web session made on node 1 is valid on node 2, and signing out on node 2 ends it on node 1', async () => {
      const url = (n: PgNode, path: string): string => `http://127.0.0.1:${n.ports.http}${path}`;
      const signIn = await fetch(url(node1, '/api/session'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ address: USER, password: PASSWORD }),
      });
      assert.equal(signIn.status, 200, await signIn.clone().text());
      const { csrf } = (await signIn.json()) as { csrf: string };
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      assert.match(cookie, /^pk_session=/);
      const on2 = await fetch(url(node2, '/api/session'), { headers: { cookie } });
      assert.equal(on2.status, 200);
      assert.equal(((await on2.json()) as { csrf: string }).csrf, csrf);
      const out = await fetch(url(node2, '/api/session'), { method: 'DELETE', headers: { cookie } });
      assert.equal(out.status, 204);
      assert.equal((await fetch(url(node1, '/api/session'), { headers: { cookie } })).status, 401, 'signed out everywhere');
    });

    test('node 1 killed (SIGKILL) mid-delivery and restarted: every message that got 250 is there exactly once', async () => {
      // A POP3 session on node 1 holds the maildrop lock when it dies.
      const pop = await LineClient.open(node1.ports.pop3);
      open.push(pop);
      await pop.until(/^\+OK/);
      await pop.cmd(`USER ${USER}`, /^[+-]/);
      assert.match((await pop.cmd(`PASS ${PASSWORD}`, /^[+-]/)).text, /^\+OK/);

      const acknowledged = new Set<string>();
      const attempted = new Set<string>();
      let killed = false;
      const KILL_AFTER = 60;
      const sender = async (conn: number): Promise<void> => {
        let smtp: Smtp;
        try {
          smtp = await Smtp.open(node1.ports.smtp);
        } catch {
          return;
        }
        open.push(smtp);
        for (let i = 0; i < 100 && !killed; i++) {
          const subject = `burst-${conn}-${i}`;
          attempted.add(subject);
          try {
            await smtp.deliver(USER, subject);
          } catch {
            return;
          }
          acknowledged.add(subject);
          if (acknowledged.size === KILL_AFTER && !killed) {
            killed = true;
            await node1.kill();
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, conn) => sender(conn)));
      assert.ok(killed, 'node 1 was killed during the burst');
      assert.ok(attempted.size > acknowledged.size, 'deliveries were in flight when it died');
      await node1.start();

      // The lock the dead node held went with its database connection.
      const pop2 = await LineClient.open(node2.ports.pop3);
      open.push(pop2);
      await pop2.until(/^\+OK/);
      await pop2.cmd(`USER ${USER}`, /^[+-]/);
      assert.match((await pop2.cmd(`PASS ${PASSWORD}`, /^[+-]/)).text, /^\+OK/, 'the maildrop lock is free');
      await pop2.cmd('QUIT', /^[+-]/);

      const counts = new Map<string, number>();
      for (const mb of await store.mailboxes.list(accountId)) {
        const uids = (await store.messages.list(mb.id)).map((m) => m.uid);
        for (const s of await store.messages.summaries(mb.id, uids)) counts.set(s.subject, (counts.get(s.subject) ?? 0) + 1);
      }
      const missing = [...acknowledged].filter((s) => counts.get(s) !== 1);
      assert.deepEqual(missing, [], `acknowledged but not stored exactly once${logs()}`);
      const twice = [...counts].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], 'nothing stored twice');
      const unacknowledged = [...attempted].filter((s) => !acknowledged.has(s) && counts.has(s)).length;
      console.log(
        `kill -9 mid-delivery: ${acknowledged.size} acknowledged (all stored once), ${attempted.size - acknowledged.size} in flight, ${unacknowledged} of those stored anyway`,
      );
      // Node 1 serves again.
      const again = await imapLogin(node1.ports.imap);
      again.close();
    });
  });
}
