/**
 * `postkontor serve` as a child process for the PostgreSQL bench: the IMAP listener only, on a
 * free loopback port, on a shared PostgreSQL database (`store = "postgres://..."` in its config)
 * or, for the SQLite comparison, on a data dir. Started as `node --import tsx src/cli/main.ts
 * serve` (exec'd, so the pid is the server's, for its CPU time).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../shared/postkontor.ts';
import { freePort, waitForGreeting } from '../shared/proc.ts';

export interface BenchNode {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

const OFF = ['imaps', 'pop3', 'pop3s', 'smtp', 'submission', 'submissions', 'http'] as const;

/**
 * Starts a node in `dir` (its config and local data dir go there). `storeUrl`: the PostgreSQL
 * database; absent: SQLite in `<dir>/data` (which the caller may have filled already).
 */
export async function startNode(name: string, dir: string, storeUrl?: string): Promise<BenchNode> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'postkontor.toml');
  writeFileSync(conf, `${storeUrl ? `store = "${storeUrl}"\n` : ''}[log]\nlevel = "warn"\n`);
  const args = [
    '--import', 'tsx',
    'src/cli/main.ts', 'serve', '--data', join(dir, 'data'), '--config', conf,
    '--bind', '127.0.0.1', '--hostname', `${name}.bench.test`, '--imap-port', String(port),
    ...OFF.flatMap((n) => [`--${n}-port`, '0']),
  ];
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('sh', ['-c', `ulimit -n 20000 2>/dev/null; exec '${process.execPath}' ${quoted}`], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  // If the bench dies (an exception, Ctrl-C), the node must not outlive it.
  const orphanGuard = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', orphanGuard);
      resolve();
    }),
  );
  await waitForGreeting(
    port,
    '* OK',
    () => (child.exitCode !== null ? `${name} exited (${child.exitCode}): ${stderr}` : null),
    name,
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}`);
  });
  return {
    name,
    port,
    pid: child.pid!,
    async stop(): Promise<void> {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      if (stderr.trim()) process.stderr.write(`${name} stderr (tail):\n${stderr}\n`);
    },
  };
}
