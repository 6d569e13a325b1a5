/**
 * Figure 1: durable appends per second through the store API (`store.messages.append`, one
 * message a call, acknowledged only once committed: SQLite's WAL fsync'd with group commit,
 * PostgreSQL with its default `synchronous_commit = on`), 10 KB messages, by 1 writer and by 16
 * concurrent writers: on one account's INBOX (as bench/store.ts), on 16 accounts, and, on
 * PostgreSQL only, on 16 accounts through two store instances (two write queues and pools, as two
 * nodes have). The PostgreSQL store and the SQLite store run in the same process and run; rounds
 * alternate between them (and which goes first), so that the machine's noise falls on both; the
 * background full-text indexers are let catch up between measurements.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/ports.ts';
import { median } from '../shared/proc.ts';
import { pgCpuBetween, pgCpuSnapshot } from './cpu.ts';

export const APPEND_SIZE = 10 * 1024;

/** Message `n`, exactly `size` bytes, CRLF line ends. */
export function benchMessage10k(n: number, size = APPEND_SIZE): Buffer {
  const head =
    `From: Bench <bench@example.org>\r\nTo: user@bench.test\r\nSubject: scaling bench ${n}\r\n` +
    `Message-ID: <${n}.scaling@bench.test>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = `message ${n} of the scaling bench `.padEnd(76, 'x') + '\r\n';
  const body = line.repeat(Math.ceil((size - head.length) / line.length));
  return Buffer.from((head + body).slice(0, size - 2) + '\r\n');
}

interface Target {
  readonly store: Store;
  readonly accountId: number;
  readonly mailboxId: number;
}

/** `total` appends by `writers` concurrent writers; writer w appends to targets[w % targets.length]. */
async function appendLoad(targets: readonly Target[], total: number, writers: number, offset: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const t = targets[w % targets.length]!;
      while (next < total) {
        const n = next++;
        await t.store.messages.append(t.accountId, t.mailboxId, { raw: benchMessage10k(offset + n), flags: n % 4 ? [] : ['\\Seen'] });
      }
    }),
  );
  return performance.now() - t0;
}

/** Counts the queries the pg driver sends from this process (statements per append). */
let pgQueries = 0;
const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const originalQuery = proto.query;
function countPgQueries(on: boolean): void {
  proto.query = on
    ? function (this: unknown, ...args: unknown[]): unknown {
        pgQueries++;
        return originalQuery.apply(this, args);
      }
    : originalQuery;
}

export interface AppendOptions {
  /** Messages per round with one writer. */
  readonly single: number;
  /** Messages per round with 16 writers. */
  readonly concurrent: number;
  readonly rounds: number;
}

export type AppendMode = 'one' | 'sixteen' | 'accounts' | 'twoStores';

export interface ModeRates {
  /** Median appends/s over the rounds. */
  readonly median: number;
  readonly rounds: number[];
  /** Median CPU ms per append: this process (the store: MIME parsing, SQL, SQLite itself) and PostgreSQL's backends. */
  readonly cpuMs: { readonly process: number; readonly pg: number };
}

export type AppendRates = Partial<Record<AppendMode, ModeRates>>;

export interface AppendResult {
  readonly postgres: AppendRates;
  readonly sqlite: AppendRates;
  /** Queries the pg driver sent per append, 16 writers on one account. */
  readonly pgQueriesPerAppend: number;
}

interface Side {
  readonly name: 'postgres' | 'sqlite';
  /** One target per account (16), on the first store; `twin` the same accounts through a second store. */
  readonly targets: Target[];
  readonly twin: Target[] | null;
  readonly rounds: Map<AppendMode, { rate: number; process: number; pg: number }[]>;
}

async function side(name: Side['name'], store: Store, twin: Store | null): Promise<Side> {
  await store.domains.add('bench.test');
  const targets: Target[] = [];
  for (let i = 0; i < 16; i++) {
    const acc = await store.accounts.create({ address: `appends${i}@bench.test`, passwordHash: 'x' });
    targets.push({ store, accountId: acc.id, mailboxId: (await store.mailboxes.get(acc.id, 'INBOX'))!.id });
  }
  return { name, targets, twin: twin ? targets.map((t) => ({ ...t, store: twin })) : null, rounds: new Map() };
}

export async function benchAppends(db: { url: string; name: string }, tmp: string, o: AppendOptions, log: (s: string) => void): Promise<AppendResult> {
  const pgStore = await openStore({ dataDir: join(tmp, 'pg-local'), storeUrl: db.url });
  const pgTwin = await openStore({ dataDir: join(tmp, 'pg-local-2'), storeUrl: db.url });
  const sqliteStore = await openStore({ dataDir: join(tmp, 'sqlite') });
  const stores = [pgStore, pgTwin, sqliteStore];
  const idle = (): Promise<void> => Promise.all(stores.map((s) => s.idle())).then(() => undefined);
  try {
    const sides = [await side('postgres', pgStore, pgTwin), await side('sqlite', sqliteStore, null)];
    let offset = 1_000_000;
    const warm = Math.min(200, o.concurrent);
    for (const s of sides) await appendLoad(s.targets, warm, 16, (offset += warm)); // warm-up
    await idle();
    let queries = 0;
    let counted = 0;
    for (let r = 0; r < o.rounds; r++) {
      for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
        const runs: [AppendMode, readonly Target[], number, number][] = [
          ['one', s.targets.slice(0, 1), 1, o.single],
          ['sixteen', s.targets.slice(0, 1), 16, o.concurrent],
          ['accounts', s.targets, 16, o.concurrent],
        ];
        if (s.twin) runs.push(['twoStores', s.targets.map((t, i) => (i % 2 ? s.twin![i]! : t)), 16, o.concurrent]);
        for (const [mode, targets, writers, n] of runs) {
          const counting = s.name === 'postgres' && mode === 'sixteen';
          if (counting) countPgQueries(true);
          const q0 = pgQueries;
          const pg0 = s.name === 'postgres' ? await pgCpuSnapshot(db.name) : null;
          const cpu0 = process.cpuUsage();
          const ms = await appendLoad(targets, n, writers, offset);
          const cpu = process.cpuUsage(cpu0);
          const pgCpu = pg0 ? pgCpuBetween(pg0, await pgCpuSnapshot(db.name)).backends : 0;
          if (counting) {
            countPgQueries(false);
            queries += pgQueries - q0;
            counted += n;
          }
          offset += n;
          await idle();
          const list = s.rounds.get(mode) ?? [];
          list.push({ rate: (n / ms) * 1000, process: (cpu.user + cpu.system) / 1000 / n, pg: (pgCpu * 1000) / n });
          s.rounds.set(mode, list);
        }
        log(`  appends round ${r + 1}, ${s.name}: ${[...s.rounds].map(([m, v]) => `${m} ${v.at(-1)!.rate.toFixed(0)}/s`).join(', ')}`);
      }
    }
    const rates = (s: Side): AppendRates =>
      Object.fromEntries(
        [...s.rounds].map(([m, v]) => [
          m,
          {
            median: median(v.map((x) => x.rate)),
            rounds: v.map((x) => x.rate),
            cpuMs: { process: median(v.map((x) => x.process)), pg: median(v.map((x) => x.pg)) },
          },
        ]),
      );
    return { postgres: rates(sides[0]!), sqlite: rates(sides[1]!), pgQueriesPerAppend: counted ? queries / counted : NaN };
  } finally {
    for (const s of stores) await s.close();
  }
}
