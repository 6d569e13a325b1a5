/**
 * The postkontor side of the benches: a data dir with the bench accounts and mail (built once
 * through the CLI and the store API by the bench's own loader, cached under .bench-data/ keyed by
 * the loader's name and sizes and the schema, copied per run), and the real server as a child
 * process (`node --import tsx src/cli/main.ts serve`, one protocol on a free loopback port), so
 * that its memory and CPU are apart from the load generator.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/ports.ts';
import { freePort, rssOf, sleep, waitForGreeting } from './proc.ts';
import type { ServerMemory, ServerTarget } from './target.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * A cheap scrypt PHC hash (N=16) of a password. The CLI stores argon2id (~80 ms a verify), which
 * would make 5,000 logins take minutes; the store accepts scrypt hashes (imported accounts).
 */
export function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 16, r: 8, p: 1 });
  return `$scrypt$ln=4,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$${hash.toString('base64').replace(/=+$/, '')}`;
}

/** Runs the postkontor CLI (`bin/postkontor.js ARGS`) and waits for it. */
export function cli(args: string[]): void {
  execFileSync(process.execPath, [join(ROOT, 'bin/postkontor.js'), ...args], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Appends `count` messages (`message(n)`, \Seen when `seen(n)`) to one mailbox, 500 a transaction
 * with 4 transactions in flight (the store's write queue groups their commits).
 */
export async function appendAll(
  store: Store,
  accountId: number,
  mailboxId: number,
  count: number,
  message: (n: number) => Buffer,
  seen: (n: number) => boolean = () => false,
): Promise<void> {
  const batch = 500;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + batch);
        const inputs = [];
        for (let n = from; n < next; n++) inputs.push({ raw: message(n), flags: seen(n) ? ['\\Seen'] : [] });
        await store.messages.appendMany(accountId, mailboxId, inputs);
      }
    }),
  );
}

/**
 * Waits until the store's background full-text indexing caught up, so that the cached data dir
 * is what a server that has held its mail for a while sees: otherwise the server indexes every
 * message in the background during the measurements (it did: 6 s of 11 s busy in a POP3 run).
 */
export async function indexed(store: Store, log: (s: string) => void): Promise<void> {
  const t0 = performance.now();
  await store.idle();
  log(`  full-text indexing caught up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Opens the data dir's store (the server may be running: SQLite WAL, as the CLI does). */
export async function withStore<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function schemaHash(): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(ROOT, 'src/store/sql/migrations/sqlite.ts')));
  return h.digest('hex').slice(0, 10);
}

/**
 * A fresh copy of a cached data dir, in a new temp dir (the data dir is `<returned>/data`).
 * `key` names the content (corpus version and sizes); the schema's hash is added to it. `build`
 * fills an empty data dir the first time.
 */
export async function cachedDataDir(
  key: string,
  build: (dataDir: string) => Promise<void>,
  log: (s: string) => void,
): Promise<string> {
  const cache = join(ROOT, '.bench-data', `pk-${key}-${schemaHash()}`);
  if (!existsSync(join(cache, 'READY'))) {
    log(`postkontor: building ${cache} (cached for later runs)`);
    const building = `${cache}.building`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { recursive: true });
    await build(building);
    writeFileSync(join(building, 'READY'), new Date().toISOString() + '\n');
    rmSync(cache, { recursive: true, force: true });
    renameSync(building, cache);
  }
  const run = mkdtempSync(join(tmpdir(), 'pk-bench-'));
  const t0 = performance.now();
  cpSync(cache, join(run, 'data'), { recursive: true });
  log(`postkontor: copied the cached data dir in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return run;
}

const LISTENERS = ['imap', 'imaps', 'pop3', 'pop3s', 'smtp', 'submission', 'submissions', 'http'] as const;

/** Starts `postkontor serve` on `<runDir>/data`, serving only `protocol` on a free loopback port. */
export async function startPostkontor(runDir: string, protocol: 'imap' | 'pop3'): Promise<ServerTarget> {
  const port = await freePort();
  const probe = join(runDir, 'heap-probe.json');
  const conf = join(runDir, 'postkontor.toml');
  writeFileSync(conf, '[log]\nlevel = "warn"\n');
  const ports = LISTENERS.flatMap((n) => [`--${n}-port`, n === protocol ? String(port) : '0']);
  const args = [
    '--expose-gc',
    '--import', 'tsx',
    '--import', './bench/shared/heap-probe.ts',
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
    'src/cli/main.ts', 'serve', '--data', join(runDir, 'data'), '--config', conf,
    '--bind', '127.0.0.1', '--hostname', 'localhost', ...ports,
  ];
  // exec keeps the pid: the shell only raises the descriptor limit for 5,000 connections.
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('sh', ['-c', `ulimit -n 20000 2>/dev/null; exec '${process.execPath}' ${quoted}`], {
    cwd: ROOT,
    env: { ...process.env, PK_BENCH_PROBE: probe },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForGreeting(
    port,
    protocol === 'imap' ? '* OK' : '+OK',
    () => (child.exitCode !== null ? `postkontor serve exited (${child.exitCode}): ${stderr}` : null),
    'postkontor',
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}`);
  });
  const pid = child.pid!;
  let seq = 0;
  return {
    name: 'postkontor',
    port,
    async memory(): Promise<ServerMemory> {
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 200; i++) {
        await sleep(25);
        try {
          const m = JSON.parse(readFileSync(probe, 'utf8')) as { seq: number; heapUsed: number };
          if (m.seq > seq) {
            seq = m.seq;
            const rss = rssOf(pid);
            return { rss, pss: rss, processes: 1, heapUsed: m.heapUsed };
          }
        } catch {
          // not written yet
        }
      }
      const rss = rssOf(pid);
      return { rss, pss: rss, processes: 1 };
    },
    async stop(): Promise<void> {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      if (stderr.trim()) process.stderr.write(`postkontor stderr (tail):\n${stderr}\n`);
    },
  };
}
