/**
 * The PostgreSQL bench (issue 7): on a fresh database of the local PostgreSQL server, dropped
 * afterwards,
 * 1. durable appends/s through the store API, 10 KB messages, 1 and 16 writers, PostgreSQL and
 *    SQLite in the same run (appends.ts);
 * 2. IDLE notification latency across two `postkontor serve` nodes on one database, with 1 and
 *    many idlers, against the same node on PostgreSQL and on SQLite (idle.ts);
 * 3. throughput of 16 IMAP clients (append; read mix) against one node and split across two
 *    (load.ts), with where the CPU went.
 * docs/scaling.md ("Measured figures") describes the method and quotes the results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from '../shared/proc.ts';
import { benchAppends, type AppendMode, type AppendOptions, type AppendRates, type AppendResult } from './appends.ts';
import { createBenchDatabase, pgUnavailable, serverSettings, type BenchDatabase } from './db.ts';
import { idleLatency, type IdleLatency } from './idle.ts';
import { loadRun, type LoadKind, type LoadOptions, type LoadRun } from './load.ts';
import { startNode, type BenchNode } from './nodes.ts';
import { provision } from './setup.ts';
import { fmtInt, fmtMs, fmtRatio, load, printTable } from './table.ts';

export interface PgBenchOptions {
  readonly appends: AppendOptions;
  /** Idler counts, e.g. [1, 50]. */
  readonly idlers: readonly number[];
  /** IDLE samples with one idler (with more, half as many: each sample gives one per idler). */
  readonly idleSamples: number;
  readonly load: LoadOptions;
  readonly loadRounds: number;
}

export interface IdleRow {
  readonly setup: 'sqlite-same' | 'pg-same' | 'pg-cross';
  readonly result: IdleLatency;
}

export interface PgBenchResult {
  readonly settings: string;
  readonly loadStart: string;
  readonly loadEnd: string;
  readonly appends: AppendResult;
  readonly idle: IdleRow[];
  readonly runs: LoadRun[];
}

async function withDatabase<T>(fn: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await createBenchDatabase();
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}

export async function benchPg(o: PgBenchOptions, logLine: (s: string) => void): Promise<PgBenchResult | string> {
  const t0 = performance.now();
  const log = (s: string): void => logLine(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s ${s}`);
  const reason = await pgUnavailable();
  if (reason !== null) return reason;
  const loadStart = load();
  const settings = await serverSettings();
  log(`pg: ${settings}; load average ${loadStart}`);
  const tmp = mkdtempSync(join(tmpdir(), 'pk-bench-pg-'));
  try {
    log(`pg: store appends, 10 KB, 1 writer x ${o.appends.single} and 16 writers x ${o.appends.concurrent}, ${o.appends.rounds} rounds`);
    const appends = await withDatabase((db) => benchAppends(db, join(tmp, 'appends'), o.appends, log));

    const { idle, runs } = await withDatabase(async (db) => {
      await provision({ dataDir: join(tmp, 'admin'), storeUrl: db.url }, o.load.clients, o.load.messages, log);
      await provision({ dataDir: join(tmp, 'sqlite', 'data') }, 0, 0, log);
      const nodes: BenchNode[] = [];
      try {
        log('pg: starting node1, node2 (PostgreSQL) and a SQLite node');
        const starts = await Promise.allSettled([
          startNode('node1', join(tmp, 'node1'), db.url),
          startNode('node2', join(tmp, 'node2'), db.url),
          startNode('sqlite', join(tmp, 'sqlite')),
        ]);
        for (const st of starts) if (st.status === 'fulfilled') nodes.push(st.value);
        const failed = starts.find((st) => st.status === 'rejected');
        if (failed) throw failed.reason;
        const [n1, n2, sqlite] = nodes as [BenchNode, BenchNode, BenchNode];
        const idle: IdleRow[] = [];
        try {
          for (const n of o.idlers) {
            const samples = n === 1 ? o.idleSamples : Math.max(10, Math.ceil(o.idleSamples / 2));
            const measure = async (setup: IdleRow['setup'], changer: BenchNode, idlers: BenchNode): Promise<void> => {
              const result = await idleLatency(changer.port, idlers.port, n, samples);
              idle.push({ setup, result });
              log(`  IDLE ${setup}, ${n} idler(s): p50 ${fmtMs(result.all.p50)} p99 ${fmtMs(result.all.p99)} max ${fmtMs(result.all.max)} ms, missed ${result.missed}`);
            };
            await measure('sqlite-same', sqlite, sqlite);
            await measure('pg-same', n1, n1);
            await measure('pg-cross', n2, n1);
          }
        } finally {
          await sqlite.stop();
          nodes.pop();
        }
        const runs: LoadRun[] = [];
        for (let r = 0; r < o.loadRounds; r++) {
          const configs: (readonly BenchNode[])[] = r % 2 === 0 ? [[n1], [n1, n2]] : [[n1, n2], [n1]];
          for (const config of configs) {
            for (const kind of ['read', 'append'] as const) {
              const run = await loadRun(kind, config, nodes, db, o.load, r);
              runs.push(run);
              const cpu = run.cpu;
              log(
                `  load round ${r + 1}, ${kind}, ${config.length} node(s): ${fmtInt(run.opsPerSecond)} ops/s, p50 ${fmtMs(run.p50)} p99 ${fmtMs(run.p99)} ms; ` +
                  `CPU s: nodes ${cpu.nodes.map((x) => x.toFixed(2)).join('+')}, pg backends ${cpu.pgBackends.toFixed(2)}, pg bg ${cpu.pgBackground.toFixed(2)}, generator ${cpu.generator.toFixed(2)} (wall ${run.seconds.toFixed(1)})`,
              );
            }
          }
        }
        return { idle, runs };
      } finally {
        for (const n of nodes) await n.stop();
      }
    });
    return { settings, loadStart, loadEnd: load(), appends, idle, runs };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Median of a figure over the runs of one kind and node count. */
function med(runs: readonly LoadRun[], kind: LoadKind, nodes: 1 | 2, get: (r: LoadRun) => number): number {
  return median(runs.filter((r) => r.kind === kind && r.nodes === nodes).map(get));
}

export function printPgTables(r: PgBenchResult | string, o: PgBenchOptions): void {
  if (typeof r === 'string') {
    console.log(`\nPostgreSQL bench skipped: ${r}`);
    return;
  }
  console.log(`\nPostgreSQL: ${r.settings}; load average at start ${r.loadStart}, at end ${r.loadEnd}`);
  const a = r.appends;
  const modes: [AppendMode, string, number][] = [
    ['one', '1 writer', o.appends.single],
    ['sixteen', '16 writers, 1 account', o.appends.concurrent],
    ['accounts', '16 writers, 16 accounts', o.appends.concurrent],
    ['twoStores', '16 writers, 16 accounts, 2 stores', o.appends.concurrent],
  ];
  const v = (rates: AppendRates, m: AppendMode): number => rates[m]?.median ?? NaN;
  printTable(
    `PostgreSQL store vs SQLite store, durable appends/s of 10 KB through the store API (median of ${o.appends.rounds} rounds)`,
    ['figure', 'PostgreSQL', 'SQLite', 'ratio pg/sqlite'],
    modes.map(([m, what, n]) => [`store: appends/s, ${what} (n=${n})`, fmtInt(v(a.postgres, m)), fmtInt(v(a.sqlite, m)), fmtRatio(v(a.postgres, m), v(a.sqlite, m))]),
  );
  const cpu = (rates: AppendRates, m: AppendMode): string => {
    const c = rates[m]?.cpuMs;
    return c ? `${c.process.toFixed(2)} + ${c.pg.toFixed(2)}` : '-';
  };
  console.log(`  CPU ms per append, this process (store, MIME, driver or SQLite) + PostgreSQL backends:`);
  for (const [m, what] of modes) console.log(`    ${what.padEnd(36)} PostgreSQL ${cpu(a.postgres, m).padStart(13)}   SQLite ${cpu(a.sqlite, m).padStart(13)}`);
  const rounds = (rates: AppendRates): string => modes.map(([m]) => (rates[m]?.rounds ?? []).map(fmtInt).join(' ')).filter(Boolean).join(' / ');
  console.log(`  (rounds, ${modes.map(([, w]) => w).join(' / ')}: PostgreSQL ${rounds(a.postgres)}; SQLite ${rounds(a.sqlite)})`);
  console.log(`  (PostgreSQL: ${a.pgQueriesPerAppend.toFixed(1)} queries sent per append, 16 writers on one account; "2 stores": two store instances in this process, each with its own write queue and pool, as two nodes)`);

  const label: Record<IdleRow['setup'], string> = {
    'sqlite-same': 'SQLite, same node',
    'pg-same': 'PostgreSQL, same node',
    'pg-cross': 'PostgreSQL, node 2 -> idlers on node 1',
  };
  const idleRows: string[][] = [];
  for (const row of r.idle) {
    const x = row.result;
    const name = `IDLE ${label[row.setup]}, ${x.idlers} idler${x.idlers === 1 ? '' : 's'}`;
    idleRows.push([name, fmtInt(x.all.n), fmtMs(x.all.p50), fmtMs(x.all.p99), fmtMs(x.all.max), String(x.missed)]);
    if (x.idlers > 1) idleRows.push([`  last of the ${x.idlers} per change`, fmtInt(x.last.n), fmtMs(x.last.p50), fmtMs(x.last.p99), fmtMs(x.last.max), '']);
  }
  printTable('IDLE notification: changer\'s tagged OK -> idler\'s "* 1 FETCH", ms (target issue 3: p99 < 50 ms)', ['figure', 'n', 'p50', 'p99', 'max', 'missed'], idleRows);

  const rows: string[][] = [];
  const perK = (run: LoadRun, cpu: number): number => (cpu / run.ops) * 1000;
  for (const kind of ['append', 'read'] as const) {
    const what = kind === 'append' ? `APPEND 10 KB, ${o.load.clients} clients` : `read mix, ${o.load.clients} clients`;
    const pair = (get: (r: LoadRun) => number, fmt: (v: number) => string, ratio = true): string[] => {
      const one = med(r.runs, kind, 1, get);
      const two = med(r.runs, kind, 2, get);
      return [fmt(one), fmt(two), ratio ? fmtRatio(two, one) : ''];
    };
    rows.push([`${what}, ops/s`, ...pair((x) => x.opsPerSecond, fmtInt)]);
    const lat = (nodes: 1 | 2): string => `${fmtMs(med(r.runs, kind, nodes, (x) => x.p50))} / ${fmtMs(med(r.runs, kind, nodes, (x) => x.p99))}`;
    rows.push([`  latency p50 / p99, ms`, lat(1), lat(2), '']);
    const cpuMs = (get: (r: LoadRun) => number): ((x: LoadRun) => number) => (x) => perK(x, get(x)) * 1000;
    rows.push([`  CPU ms per 1,000 ops: node processes`, ...pair(cpuMs((x) => x.cpu.nodes.reduce((s, v) => s + v, 0)), fmtInt)]);
    rows.push([`  CPU ms per 1,000 ops: PostgreSQL backends`, ...pair(cpuMs((x) => x.cpu.pgBackends), fmtInt)]);
    rows.push([`  CPU ms per 1,000 ops: PostgreSQL background`, ...pair(cpuMs((x) => x.cpu.pgBackground), fmtInt)]);
    rows.push([`  CPU ms per 1,000 ops: load generator`, ...pair(cpuMs((x) => x.cpu.generator), fmtInt)]);
    rows.push([`  machine CPU busy, every process (/proc/stat)`, ...pair((x) => x.machineBusy, (v) => `${(v * 100).toFixed(0)} %`, false)]);
    rows.push([
      `  CPU busy, all of the above / (2 cores x wall)`,
      ...pair(
        (x) => (x.cpu.nodes.reduce((s, v) => s + v, 0) + x.cpu.pgBackends + x.cpu.pgBackground + x.cpu.generator) / (2 * x.seconds),
        (v) => `${(v * 100).toFixed(0)} %`,
        false,
      ),
    ]);
  }
  printTable(
    `One node vs two nodes on one PostgreSQL (${o.load.seconds} s runs, median of ${o.loadRounds} rounds; both nodes run in both cases)`,
    ['figure', 'one node', 'two nodes', 'ratio two/one'],
    rows,
  );
}
