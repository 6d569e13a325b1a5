/**
 * The two SMTP servers the inbound bench loads: postkontor (`postkontor serve` as a child process,
 * SMTP listener only, a fresh data dir with one real account made through the CLI, SPF/DKIM/DMARC
 * DNS answered by a local DNS server as a caching resolver next to a real MTA would) and Postfix's
 * smtp-sink (accepts and throws away: the ceiling of what the load generator can push).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDns, type TestDnsServer } from '../../test/e2e/dns-server.ts';
import { cli, ROOT, withStore } from '../shared/postkontor.ts';
import { freePort, rssOf, waitForGreeting } from '../shared/proc.ts';

export const SMTP_DOMAIN = 'bench.test';
export const SMTP_RCPT = `sink@${SMTP_DOMAIN}`;
/** The envelope sender smtp-source uses; its domain publishes SPF for loopback. */
export const SMTP_SENDER = 'source@sender.example';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';
export const SMTP_SINK = '/usr/sbin/smtp-sink';

export interface SmtpTarget {
  readonly name: string;
  readonly port: number;
  /** The server process (for CPU time). */
  readonly pid: number;
  /**
   * CPU seconds the server has used so far, when it is not `pid`'s threads and children
   * (Postfix: its whole instance); the bench then reports no main-thread figure.
   */
  cpu?(): number;
  /** Messages durably stored (postkontor: in the recipient's INBOX; Postfix: in its queue). */
  stored?(): Promise<number>;
  rss(): number;
  stop(): Promise<void>;
}

/** Why the bench cannot run here, or null when smtp-source and smtp-sink are installed. */
export function postfixToolsMissing(): string | null {
  if (existsSync(SMTP_SOURCE) && existsSync(SMTP_SINK)) return null;
  return 'smtp-source/smtp-sink not found: apt-get install -y postfix (the daemon need not run)';
}

/**
 * CPU seconds (user + system) a process has used so far; with `mainThread`, its main thread's
 * only (the event loop: /proc/PID/task/PID/stat), without the worker threads'.
 */
function ticks(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Processes whose parent is `pid` (postkontor's SMTP front ends). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/**
 * CPU seconds of the server: all threads of the process and of its child processes (the SMTP
 * front ends of `[smtp] processes`), or only the process's main thread (its event loop).
 */
export function cpuSeconds(pid: number, mainThread = false): number {
  if (mainThread) return ticks(`/proc/${pid}/task/${pid}/stat`);
  return ticks(`/proc/${pid}/stat`) + childrenOf(pid).reduce((n, c) => n + ticks(`/proc/${c}/stat`), 0);
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/**
 * `[smtp] processes` of the postkontor under test (BENCH_SMTP_PROCESSES; default 0, the server
 * process alone: on this 2-core machine, shared with smtp-source, front ends cost more than they
 * gain; docs/smtp-processes.md has the figures).
 */
export const SMTP_PROCESSES = Number(process.env.BENCH_SMTP_PROCESSES ?? 0);

const LISTENERS = ['imap', 'imaps', 'pop3', 'pop3s', 'smtp', 'submission', 'submissions', 'http'] as const;

/** postkontor with only its SMTP listener, on a fresh data dir; `dns` answers its SPF/DMARC lookups. */
export async function startPostkontorSmtp(dns: TestDnsServer, log: (s: string) => void): Promise<SmtpTarget> {
  const runDir = mkdtempSync(join(tmpdir(), 'pk-bench-smtp-'));
  const data = join(runDir, 'data');
  cli(['domain', 'add', SMTP_DOMAIN, '--data', data]);
  // argon2id, as the CLI makes it: nothing logs in during this bench.
  cli(['user', 'add', SMTP_RCPT, '--password', 'bench-smtp-pw', '--data', data]);
  const port = await freePort();
  const conf = join(runDir, 'postkontor.toml');
  writeFileSync(conf, ['[log]', 'level = "warn"', '[smtp]', `processes = ${SMTP_PROCESSES}`, '[outbound]', `dns-servers = ["${dns.address}"]`, ''].join('\n'));
  const ports = LISTENERS.flatMap((n) => [`--${n}-port`, n === 'smtp' ? String(port) : '0']);
  const args = [
    '--import', 'tsx',
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
    'src/cli/main.ts', 'serve', '--data', data, '--config', conf,
    '--bind', '127.0.0.1', '--hostname', 'mx.bench.test', ...ports,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  await waitForGreeting(
    port,
    '220',
    () => (child.exitCode !== null ? `postkontor serve exited (${child.exitCode}): ${stderr}` : null),
    'postkontor',
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
  log(`postkontor: serving SMTP on 127.0.0.1:${port}, data ${data}`);
  const pid = child.pid!;
  return {
    name: 'postkontor',
    port,
    pid,
    stored: () =>
      withStore(data, async (store) => {
        const account = await store.accounts.get(SMTP_RCPT);
        const inbox = account ? await store.mailboxes.get(account.id, 'INBOX') : null;
        return inbox?.messages ?? 0;
      }),
    rss: () => rssOf(pid) + childrenOf(pid).reduce((n, c) => n + rssOf(c), 0),
    async stop() {
      await stopChild(child, 'SIGTERM');
      if (stderr.trim()) process.stderr.write(`postkontor stderr (tail):\n${stderr}\n`);
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** Postfix's smtp-sink on a free loopback port (as `nobody` when we are root). */
export async function startSmtpSink(log: (s: string) => void): Promise<SmtpTarget> {
  const port = await freePort();
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(SMTP_SINK, [...asRoot, `127.0.0.1:${port}`, '256'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  await waitForGreeting(port, '220', () => (child.exitCode !== null ? `smtp-sink exited (${child.exitCode}): ${stderr}` : null), 'smtp-sink');
  log(`smtp-sink: listening on 127.0.0.1:${port}`);
  const pid = child.pid!;
  return { name: 'smtp-sink', port, pid, rss: () => rssOf(pid), stop: () => stopChild(child, 'SIGTERM') };
}

/** The DNS the postkontor server asks: SPF for the sender's domain (loopback allowed), no DMARC. */
export function startBenchDns(): Promise<TestDnsServer> {
  const domain = SMTP_SENDER.slice(SMTP_SENDER.indexOf('@') + 1);
  return startTestDns(new Map([[domain, ['v=spf1 ip4:127.0.0.1 -all']]]));
}
