/**
 * Figure 3: throughput of a fixed client load against one node, then the same load split across
 * two nodes (clients alternate between them), both nodes on one PostgreSQL database. 16 IMAP
 * clients, one account each (`load01@` … `load16@`), each with one command in flight (a closed
 * loop, as real clients are), for a fixed time; ops/s is commands completed over that time.
 *
 * Two loads:
 * - **append**: `APPEND INBOX {10240+}` of 10 KB messages (LITERAL+): the write path, as a
 *   delivery or a client saving to Sent would take it; each one a durable commit.
 * - **read mix**, what a provider's IMAP traffic mostly is (clients listing and reading mail, with
 *   some flag writes), per 10 commands: 3 × `UID FETCH a:a+19 (UID FLAGS RFC822.SIZE ENVELOPE)`
 *   (a page of the message list), 4 × `UID FETCH n (BODY.PEEK[])` (opening a 10 KB message), 2 ×
 *   `UID STORE n +FLAGS/-FLAGS (\Seen)` (marking read: a commit, a NOTIFY to the other node), 1 ×
 *   `STATUS INBOX (MESSAGES UNSEEN UIDNEXT)` (polling).
 *
 * Before every timed run the bench waits until `blob_text_pending` is empty (the nodes'
 * full-text indexers caught up), so a run does not carry the indexing of the previous one. CPU
 * seconds per run come from /proc: each node process, the bench database's PostgreSQL backends,
 * PostgreSQL's background processes, and this process (the load generator, which shares the two
 * cores with them).
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ImapClient } from '../imap/client.ts';
import { percentile, sleep } from '../shared/proc.ts';
import { benchMessage10k } from './appends.ts';
import { cpuSeconds, machineBusy, machineJiffies, pgCpuBetween, pgCpuSnapshot } from './cpu.ts';
import type { BenchNode } from './nodes.ts';
import { loadUser, PASSWORD } from './setup.ts';

export type LoadKind = 'append' | 'read';

export interface LoadRun {
  readonly kind: LoadKind;
  readonly nodes: 1 | 2;
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU seconds used during the run. */
  readonly cpu: { readonly nodes: number[]; readonly pgBackends: number; readonly pgBackground: number; readonly generator: number };
  /** Share of the whole machine's CPU that was busy (every process, other users' too), 0..1. */
  readonly machineBusy: number;
}

/** A small deterministic PRNG (mulberry32), so every run draws the same commands. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPEND_HEAD = (n: number): string => {
  const raw = benchMessage10k(n);
  return `APPEND INBOX {${raw.length}+}\r\n${raw.toString('latin1')}`;
};

/** The read mix's commands for client `k`, cycling through a fixed pattern of 10. */
function readCommands(k: number, messages: number): () => string {
  const random = rng(1000 + k);
  const pattern = ['list', 'body', 'store', 'body', 'list', 'body', 'store', 'list', 'body', 'status'] as const;
  let i = 0;
  let flip = 0;
  return () => {
    const what = pattern[i++ % pattern.length]!;
    const uid = 1 + Math.floor(random() * messages);
    switch (what) {
      case 'list': {
        const from = 1 + Math.floor(random() * Math.max(1, messages - 19));
        return `UID FETCH ${from}:${from + 19} (UID FLAGS RFC822.SIZE ENVELOPE)`;
      }
      case 'body':
        return `UID FETCH ${uid} (BODY.PEEK[])`;
      case 'store':
        return `UID STORE ${uid} ${flip++ % 2 === 0 ? '+' : '-'}FLAGS (\\Seen)`;
      case 'status':
        return 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)';
    }
  };
}

/** Waits until no blob waits for full-text indexing (at most 120 s). */
export async function indexersCaughtUp(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    const deadline = performance.now() + 120_000;
    while (performance.now() < deadline) {
      const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM blob_text_pending');
      if (Number(r.rows[0]!.n) === 0) return;
      await sleep(200);
    }
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface LoadOptions {
  readonly clients: number;
  readonly seconds: number;
  /** Messages each load account's INBOX started with (the read mix draws UIDs from them). */
  readonly messages: number;
}

/** One timed run of `kind` with the clients spread over `nodes` (client k on nodes[k % n]). */
export async function loadRun(
  kind: LoadKind,
  nodes: readonly BenchNode[],
  all: readonly BenchNode[],
  db: { url: string; name: string },
  o: LoadOptions,
  round: number,
): Promise<LoadRun> {
  const clients = await Promise.all(
    Array.from({ length: o.clients }, (_, k) => ImapClient.session(nodes[k % nodes.length]!.port, loadUser(k), PASSWORD, 'INBOX')),
  );
  try {
    await indexersCaughtUp(db.url);
    const latencies: number[] = [];
    const nodeCpu0 = all.map((n) => cpuSeconds(n.pid));
    const pg0 = await pgCpuSnapshot(db.name);
    const gen0 = process.cpuUsage();
    const machine0 = machineJiffies();
    const t0 = performance.now();
    const end = t0 + o.seconds * 1000;
    let appended = 0;
    await Promise.all(
      clients.map(async (c, k) => {
        const next = kind === 'read' ? readCommands(k + 100 * round, o.messages) : () => APPEND_HEAD(10_000_000 + round * 1_000_000 + k * 50_000 + appended++);
        while (performance.now() < end) {
          const s = performance.now();
          await c.ok(next());
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const gen = process.cpuUsage(gen0);
    const busy = machineBusy(machine0, machineJiffies());
    const pgCpu = pgCpuBetween(pg0, await pgCpuSnapshot(db.name));
    const nodeCpu = all.map((n, i) => cpuSeconds(n.pid) - nodeCpu0[i]!);
    latencies.sort((a, b) => a - b);
    return {
      kind,
      nodes: nodes.length as 1 | 2,
      ops: latencies.length,
      seconds,
      opsPerSecond: latencies.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      cpu: { nodes: nodeCpu, pgBackends: pgCpu.backends, pgBackground: pgCpu.background, generator: (gen.user + gen.system) / 1e6 },
      machineBusy: busy,
    };
  } finally {
    await Promise.all(clients.map((c) => c.ok('LOGOUT').catch(() => undefined)));
    for (const c of clients) c.close();
  }
}
