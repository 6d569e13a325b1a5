/**
 * `npm run bench`: runs every benchmark and prints the figures with their targets. Machines here
 * are shared and noisy: run it twice before believing a regression. See docs/bench.md.
 * Options (env): BENCH_QUICK=1 (small sizes, < 2 minutes), BENCH_APPENDS (default 10000),
 * BENCH_LIST (default 100000), BENCH_STORE=0 / BENCH_SEARCH=0 / BENCH_IMAP=0 / BENCH_POP3=0 /
 * BENCH_DOVECOT=0 to skip a part, BENCH_SEARCH_MESSAGES (100000),
 * BENCH_IMAP_MESSAGES (100000), BENCH_IDLE_SAMPLES (500), BENCH_SELECT_RUNS (7),
 * BENCH_FETCH_BODIES (20000), BENCH_IDLE_CONNS (1000,5000), BENCH_POP3_MESSAGES (10000),
 * BENCH_POP3_BIG_EVERY (500), BENCH_POP3_LOGINS (30), BENCH_POP3_ROUNDS (5), BENCH_POP3_DEPTH (100),
 * BENCH_SMTP=0 to skip the inbound SMTP part, BENCH_SMTP_MESSAGES (5000), BENCH_SMTP_ROUNDS (3),
 * BENCH_SMTP_WARMUP (4000), BENCH_SMTP_PROCESSES (cores),
 * BENCH_SMTP_REUSE=0 (skip the smtp-source -d variant), BENCH_SMTP_POSTFIX=0 (skip the private
 * Postfix reference), BENCH_SMTP_GREET_PAUSE=0 (diagnosis),
 * BENCH_WEB=0 to skip the web inbox part, BENCH_WEB_MESSAGES (10000), BENCH_WEB_RUNS (7).
 * BENCH_PG=0 to skip the PostgreSQL part (bench/pg/), BENCH_PG_APPENDS (2000), BENCH_PG_IDLERS (1,50),
 * BENCH_PG_IDLE_SAMPLES (500), BENCH_PG_MESSAGES (1000), BENCH_PG_SECONDS (8), BENCH_PG_ROUNDS (5).
 */
import { benchImap, printImapTable, type ImapBenchOptions } from './imap/index.ts';
import { benchPg, printPgTables, type PgBenchOptions } from './pg/index.ts';
import { benchPop3, printPop3Table, type Pop3BenchOptions } from './pop3/index.ts';
import { benchSearch } from './search.ts';
import { benchSmtp, printSmtpTable, type SmtpBenchOptions } from './smtp/index.ts';
import { benchStore } from './store.ts';
import { benchWeb, printWebTable } from './web/index.ts';

const quick = process.env.BENCH_QUICK === '1';
const num = (name: string, full: number, small: number): number => Number(process.env[name] ?? (quick ? small : full));
const appends = num('BENCH_APPENDS', 10_000, 2_000);
const listSize = num('BENCH_LIST', 100_000, 10_000);

console.log(`postkontor bench — node ${process.version}, ${new Date().toISOString()}${quick ? ' (BENCH_QUICK)' : ''}`);
const log = (s: string): void => console.error(`[bench] ${s}`);
const row = (name: string, value: string, target: string, ok: boolean) =>
  console.log(`${name.padEnd(48)} ${value.padStart(14)}   target ${target.padEnd(12)} ${ok ? 'ok' : 'MISSED'}`);

if (process.env.BENCH_STORE !== '0') {
  const r = await benchStore({ appends, listSize });
  row(`store: durable appends/s (16 writers, 5 KB, n=${appends})`, r.appendsPerSecond.toFixed(0), '>= 2000', r.appendsPerSecond >= 2000);
  row(`store: append throughput MB/s`, r.appendMBps.toFixed(1), '-', true);
  row(`store: list UIDs+flags of ${r.listCount} msgs (median ms)`, r.listMs.median.toFixed(1), '< 150 ms', r.listMs.median < 150);
  console.log(`  (list min ${r.listMs.min.toFixed(1)} ms, max ${r.listMs.max.toFixed(1)} ms over 7 runs)`);
}

if (process.env.BENCH_SEARCH !== '0') {
  const r = await benchSearch({ messages: num('BENCH_SEARCH_MESSAGES', 100_000, 10_000) });
  row(`search: body search, rare word, ${r.messages} msgs (median ms)`, r.rare.ms.toFixed(1), '< 300 ms', r.rare.ms < 300);
  row(`search: body search, common word (${r.common.hits} hits)`, r.common.ms.toFixed(1), '< 300 ms', r.common.ms < 300);
  row(`search: body search, no match`, r.miss.ms.toFixed(1), '< 300 ms', r.miss.ms < 300);
  console.log(`  (full-text indexing of ${r.messages} messages took ${r.indexSeconds.toFixed(1)} s; rare hits ${r.rare.hits})`);
}

if (process.env.BENCH_IMAP !== '0') {
  const opts: ImapBenchOptions = {
    messages: num('BENCH_IMAP_MESSAGES', 100_000, 10_000),
    smallMessages: 100,
    latencySamples: num('BENCH_IDLE_SAMPLES', 500, 60),
    selectRuns: num('BENCH_SELECT_RUNS', 7, 5),
    flagFetchRuns: 3,
    bodyFetchMessages: num('BENCH_FETCH_BODIES', 20_000, 5_000),
    bodyFetchRuns: 3,
    idleSteps: (process.env.BENCH_IDLE_CONNS ?? (quick ? '50,100' : '1000,5000')).split(',').map(Number),
    dovecot: process.env.BENCH_DOVECOT !== '0',
  };
  const results = await benchImap(opts, log);
  printImapTable(results, opts);
}

if (process.env.BENCH_POP3 !== '0') {
  const opts: Pop3BenchOptions = {
    messages: num('BENCH_POP3_MESSAGES', 10_000, 10_000),
    bigEvery: num('BENCH_POP3_BIG_EVERY', 500, 500),
    loginRuns: num('BENCH_POP3_LOGINS', 30, 15),
    rounds: num('BENCH_POP3_ROUNDS', 5, 3),
    depth: num('BENCH_POP3_DEPTH', 100, 100),
    dovecot: process.env.BENCH_DOVECOT !== '0',
  };
  printPop3Table(await benchPop3(opts, log), opts);
}

if (process.env.BENCH_SMTP !== '0') {
  const opts: SmtpBenchOptions = {
    messages: num('BENCH_SMTP_MESSAGES', 5_000, 1_000),
    warmup: num('BENCH_SMTP_WARMUP', 4_000, 2_000),
    rounds: num('BENCH_SMTP_ROUNDS', 3, 2),
    sessions: 16,
    bytes: 10_240,
    reuse: process.env.BENCH_SMTP_REUSE !== '0',
    postfix: process.env.BENCH_SMTP_POSTFIX !== '0',
  };
  printSmtpTable(await benchSmtp(opts, log), opts);
}

if (process.env.BENCH_WEB !== '0') {
  const r = await benchWeb({ messages: num('BENCH_WEB_MESSAGES', 10_000, 10_000), runs: num('BENCH_WEB_RUNS', 7, 3) }, log);
  printWebTable(r, row);
}

if (process.env.BENCH_PG !== '0') {
  const concurrent = num('BENCH_PG_APPENDS', 2_000, 100);
  const opts: PgBenchOptions = {
    appends: { concurrent, single: Math.max(30, Math.round(concurrent / 5)), rounds: num('BENCH_PG_ROUNDS', 5, 2) },
    idlers: (process.env.BENCH_PG_IDLERS ?? '1,50').split(',').map(Number),
    idleSamples: num('BENCH_PG_IDLE_SAMPLES', 500, 30),
    load: { clients: 16, seconds: num('BENCH_PG_SECONDS', 8, 2), messages: num('BENCH_PG_MESSAGES', 1_000, 50) },
    loadRounds: num('BENCH_PG_ROUNDS', 5, 2),
  };
  printPgTables(await benchPg(opts, log), opts);
}
