#!/usr/bin/env node
// Runs every test file with node:test through tsx. Node 20's `node --test` does not expand
// globs, so the files are listed here: every `*.test.ts` under src/ and test/.
// Pass file paths or name fragments to run a subset: `npm test -- mime store`.
//
// Then the protocol and behaviour suites (POSTGRES_DIRS) run a second time with
// PK_TEST_STORE=postgres: each test server's store is a fresh PostgreSQL database
// (test/helpers/test-store.ts). `--store=sqlite` or `--store=postgres` runs only one of the two.
// Where no PostgreSQL answers, the second run is skipped with the reason printed; under CI=true it
// fails instead.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;

/** The suites that run on PostgreSQL too: everything that serves or drives the store through a protocol. */
const POSTGRES_DIRS = [
  'test/transcripts/',
  'test/imap/',
  'test/pop3/',
  'test/smtp/',
  'test/http/',
  'test/web/',
  'test/interop/',
  'test/outbound/',
];

/** Files under POSTGRES_DIRS that stay on SQLite, each with the reason printed at every run. */
const POSTGRES_LEFT_OUT = [
  ['test/outbound/cli.test.ts', 'drives the CLI against a SQLite data dir'],
];

/**
 * The longest files (a minute or so each on CI), started first so that none of them begins last
 * and stretches the run while the other slots sit idle.
 */
const SLOW_FIRST = [
  'test/cli/cli.test.ts',
  'test/store/kill9.test.ts',
  'test/e2e/smtp-processes.test.ts',
  'test/e2e/two-servers.test.ts',
  'test/server/serve.test.ts',
  'test/e2e/multi-node.test.ts',
  'test/outbound/cli.test.ts',
  'test/e2e/pg-fault.test.ts',
  'test/cli/store-copy.test.ts',
  'test/conformance/postgres.test.ts',
  'test/server/live-store.test.ts',
];

function slowFirst(list) {
  const rank = (f) => {
    const i = SLOW_FIRST.indexOf(f);
    return i === -1 ? SLOW_FIRST.length : i;
  };
  return [...list].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const args = process.argv.slice(2);
const storeArg = args.find((a) => a.startsWith('--store='))?.slice('--store='.length) ?? 'both';
if (!['both', 'sqlite', 'postgres'].includes(storeArg)) {
  console.error(`--store=${storeArg}: expected sqlite, postgres or both`);
  process.exit(1);
}
const filters = args.filter((a) => !a.startsWith('--store='));
const all = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])].sort();
const files = slowFirst(filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all);
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(' ')}`);
  process.exit(1);
}

function run(label, list, store, concurrency) {
  console.log(`\n== ${label}: ${list.length} files (PK_TEST_STORE=${store}, concurrency ${concurrency})\n`);
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list],
    { cwd: root, stdio: 'inherit', env: { ...process.env, PK_TEST_STORE: store } },
  );
  const secs = Math.round((Date.now() - started) / 1000);
  console.log(`\n== ${label}: ${r.status === 0 ? 'passed' : 'FAILED'} in ${Math.floor(secs / 60)}m${String(secs % 60).padStart(2, '0')}s`);
  return r.status ?? 1;
}

async function pgUnavailable() {
  const url = process.env.PK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `no PostgreSQL at ${url}: ${err.message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

// Three files at a time on SQLite: most of a file's time is waiting (spawned servers, timers,
// fsync), and the 2-core CI machine kept the SQLite pass near 10 minutes at two. PostgreSQL, which
// shares the cores, stays at two.
const concurrency = process.env.TEST_CONCURRENCY ?? '3';
let status = 0;
if (storeArg !== 'postgres') status = run('SQLite', files, 'sqlite', concurrency);

if (storeArg !== 'sqlite') {
  const inDirs = files.filter((f) => POSTGRES_DIRS.some((d) => f.startsWith(d)));
  const leftOut = new Map(POSTGRES_LEFT_OUT);
  const pgFiles = inDirs.filter((f) => !leftOut.has(f));
  for (const f of inDirs.filter((x) => leftOut.has(x))) console.log(`# not on PostgreSQL: ${f}: ${leftOut.get(f)}`);
  if (pgFiles.length > 0) {
    const reason = await pgUnavailable();
    if (reason === null) {
      const pgConcurrency = process.env.TEST_PG_CONCURRENCY ?? process.env.TEST_CONCURRENCY ?? '2';
      const pgStatus = run('the same suites on PostgreSQL', pgFiles, 'postgres', pgConcurrency);
      status ||= pgStatus;
    } else if (process.env.CI === 'true') {
      console.error(`\n== the same suites on PostgreSQL: ${reason} (CI=true: they must run)`);
      status ||= 1;
    } else {
      console.log(`\n== the same suites on PostgreSQL: skipped, ${reason}`);
    }
  }
}
process.exit(status);
