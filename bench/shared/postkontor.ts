/**
 * The postkontor side: a data dir with the bench accounts and mail (built once through the CLI and
 * the store API, cached under .bench-data/ keyed by corpus, schema and sizes, copied per run), and
 * the real server as a child process (`node --import tsx src/cli/main.ts serve`), so that its
 * memory is measured apart from the load generator.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../../src/store/open-store.ts';
import { ImapClient } from './client.ts';
import { benchMessage, BIG_USER, CORPUS_VERSION, DOMAIN, IDLE_USER, isSeen, PASSWORD } from './corpus.ts';
import { freePort, rssOf, sleep } from './proc.ts';
import type { ImapTarget, ServerMemory } from './target.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * A cheap scrypt PHC hash (N=16) of the bench password. The CLI stores argon2id (~85 ms a verify),
 * which would make 5,000 logins take minutes; the store accepts scrypt hashes (imported accounts),
 * and Dovecot gets a {PLAIN} passwd-file, so neither side pays for hashing in the bench.
 */
function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 16, r: 8, p: 1 });
  return `$scrypt$ln=4,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$${hash.toString('base64').replace(/=+$/, '')}`;
}

function cli(args: string[]): void {
  execFileSync(process.execPath, [join(ROOT, 'bin/postkontor.js'), ...args], { cwd: ROOT, stdio: 'pipe' });
}

function cacheKey(big: number, small: number): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(ROOT, 'src/store/sql/migrations/sqlite.ts')));
  return `pk-${CORPUS_VERSION}-${h.digest('hex').slice(0, 10)}-${big}-${small}`;
}

async function load(dir: string, big: number, small: number, log: (s: string) => void): Promise<void> {
  cli(['domain', 'add', DOMAIN, '--data', dir]);
  for (const u of [BIG_USER, IDLE_USER]) cli(['user', 'add', u, '--password', PASSWORD, '--data', dir]);
  const store = await openStore({ dataDir: dir });
  try {
    for (const [user, count] of [[BIG_USER, big], [IDLE_USER, small]] as const) {
      await store.accounts.setPasswordHash(user, cheapHash(PASSWORD));
      const acc = (await store.accounts.get(user))!;
      const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
      const t0 = performance.now();
      const batch = 500;
      // 4 transactions in flight: the store's write queue groups their commits.
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < count) {
            const from = next;
            next = Math.min(count, next + batch);
            const inputs = [];
            for (let n = from; n < next; n++) inputs.push({ raw: benchMessage(n), flags: isSeen(n) ? ['\\Seen'] : [] });
            await store.messages.appendMany(acc.id, inbox.id, inputs);
          }
        }),
      );
      const s = (performance.now() - t0) / 1000;
      log(`  loaded ${count} messages for ${user} in ${s.toFixed(1)} s (${(count / s).toFixed(0)}/s)`);
    }
  } finally {
    await store.close();
  }
}

/** A fresh copy of the cached data dir (building the cache first when needed). */
export async function postkontorDataDir(big: number, small: number, log: (s: string) => void): Promise<string> {
  const cache = join(ROOT, '.bench-data', cacheKey(big, small));
  if (!existsSync(join(cache, 'READY'))) {
    log(`postkontor: building ${cache} (cached for later runs)`);
    const building = `${cache}.building`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { recursive: true });
    await load(building, big, small, log);
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

/** Starts `postkontor serve` on the data dir, IMAP only, on a free loopback port. */
export async function startPostkontor(runDir: string): Promise<ImapTarget> {
  const port = await freePort();
  const probe = join(runDir, 'heap-probe.json');
  const conf = join(runDir, 'postkontor.toml');
  writeFileSync(conf, '[log]\nlevel = "warn"\n');
  const ports = ['imaps', 'pop3', 'pop3s', 'smtp', 'submission', 'submissions', 'http'].flatMap((n) => [`--${n}-port`, '0']);
  const args = [
    '--expose-gc',
    '--import', 'tsx',
    '--import', './bench/imap/heap-probe.ts',
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
    'src/cli/main.ts', 'serve', '--data', join(runDir, 'data'), '--config', conf,
    '--bind', '127.0.0.1', '--hostname', 'localhost', '--imap-port', String(port), ...ports,
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
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`postkontor serve exited (${child.exitCode}): ${stderr}`);
    try {
      (await ImapClient.open(port)).close();
      break;
    } catch {
      if (i > 300) throw new Error(`postkontor did not listen on ${port} within 30 s: ${stderr}`);
      await sleep(100);
    }
  }
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
