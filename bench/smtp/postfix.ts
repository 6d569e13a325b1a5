/**
 * Postfix itself as a reference in the inbound SMTP bench: a private instance of the Debian
 * package's daemons (`postfix -c DIR start`: its own config, queue and data directories under a
 * temp dir, smtpd on a free loopback port), so that the same load can be measured against a real,
 * durable MTA on the same machine.
 *
 * What it measures: smtpd → cleanup → queue file written and fsync'd before the `250`, Postfix's
 * durability point. `bench.test` is a relay domain (any recipient accepted), and every message is
 * put on hold (`check_client_access static:HOLD`), so cleanup writes it straight into the hold
 * queue and nothing is ever scheduled or delivered (no qmgr, no transport). No SPF, DKIM or DMARC:
 * bare Postfix does none (postkontor does SPF/DMARC/ARC and the MIME index on top). Postfix logs
 * each message (about five lines) through its postlogd into a file in the temp dir.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, processTree, rssOf, sleep, waitForGreeting } from '../shared/proc.ts';
import { SMTP_DOMAIN, type SmtpTarget } from './servers.ts';

export const POSTFIX = '/usr/sbin/postfix';
const POSTQUEUE = '/usr/sbin/postqueue';

/** The queues a message can sit in after its 250 (hold is where they all go here). */
const QUEUES = ['incoming', 'active', 'deferred', 'hold'] as const;

/** The user id of Postfix's `mail_owner` (the `postfix` user the Debian package made), or null. */
function postfixUid(): number | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postfix:'));
  const uid = line?.split(':')[2];
  return uid === undefined ? null : Number(uid);
}

/** Why a private Postfix cannot run here, or null. */
export function postfixMissing(): string | null {
  if (!existsSync(POSTFIX)) return `${POSTFIX} not found: apt-get install -y postfix`;
  if (process.getuid?.() !== 0) return 'postfix start needs root (its daemons drop to the postfix user)';
  if (postfixUid() === null) return 'no postfix user in /etc/passwd';
  return null;
}

function mainCf(dir: string): string {
  return [
    'compatibility_level = 3.6',
    `config_directory = ${dir}/etc`,
    `queue_directory = ${dir}/spool`,
    `data_directory = ${dir}/data`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'myhostname = mx.bench.test',
    `mydomain = ${SMTP_DOMAIN}`,
    'myorigin = $myhostname',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    // Nothing local: bench.test is relayed, so any recipient is accepted without a lookup.
    'mydestination =',
    `relay_domains = ${SMTP_DOMAIN}`,
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
    // Every message goes to the hold queue: durable, never scheduled, never delivered.
    'smtpd_recipient_restrictions = check_client_access static:HOLD, permit_mynetworks, reject_unauth_destination',
    'alias_maps =',
    'alias_database =',
    'biff = no',
    `maillog_file_prefixes = ${dir}`,
    `maillog_file = ${dir}/maillog`,
    '',
  ].join('\n');
}

/** master.cf: smtpd on `port` and the daemons it needs; nothing chrooted. */
function masterCf(port: number): string {
  const rows = [
    [`127.0.0.1:${port}`, 'inet', 'n', '-', 'n', '-', '-', 'smtpd'],
    ['cleanup', 'unix', 'n', '-', 'n', '-', '0', 'cleanup'],
    ['qmgr', 'unix', 'n', '-', 'n', '300', '1', 'qmgr'],
    ['pickup', 'unix', 'n', '-', 'n', '60', '1', 'pickup'],
    ['rewrite', 'unix', '-', '-', 'n', '-', '-', 'trivial-rewrite'],
    ['bounce', 'unix', '-', '-', 'n', '-', '0', 'bounce'],
    ['defer', 'unix', '-', '-', 'n', '-', '0', 'bounce'],
    ['trace', 'unix', '-', '-', 'n', '-', '0', 'bounce'],
    ['verify', 'unix', '-', '-', 'n', '-', '1', 'verify'],
    ['proxymap', 'unix', '-', '-', 'n', '-', '-', 'proxymap'],
    ['showq', 'unix', 'n', '-', 'n', '-', '-', 'showq'],
    ['error', 'unix', '-', '-', 'n', '-', '-', 'error'],
    ['retry', 'unix', '-', '-', 'n', '-', '-', 'error'],
    ['relay', 'unix', '-', '-', 'n', '-', '-', 'smtp'],
    ['smtp', 'unix', '-', '-', 'n', '-', '-', 'smtp'],
    ['anvil', 'unix', '-', '-', 'n', '-', '1', 'anvil'],
    ['scache', 'unix', '-', '-', 'n', '-', '1', 'scache'],
    ['postlog', 'unix-dgram', 'n', '-', 'n', '-', '1', 'postlogd'],
  ];
  return rows.map((r) => r.join(' ')).join('\n') + '\n';
}

/** Runs `postfix -c DIR/etc <command>`; returns its output, throws with it on a non-zero exit. */
function postfix(dir: string, command: string): string {
  const r = spawnSync(POSTFIX, ['-c', join(dir, 'etc'), command], { encoding: 'utf8', timeout: 60_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0) {
    const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    throw new Error(`postfix ${command} exited ${r.status ?? r.signal}: ${out}${log ? `\n${log}` : ''}`);
  }
  return out;
}

/** utime + stime of a process, plus (`reaped`) those of the children it has waited for. */
function cpuOf(pid: number, reaped: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14–17 of stat (utime, stime, cutime, cstime) are 12–15 after "pid (comm) ".
    const own = Number(f[11]) + Number(f[12]);
    return (reaped ? own + Number(f[13]) + Number(f[14]) : own) / 100;
  } catch {
    return 0;
  }
}

/** Files under `path`, recursively (the deferred queue is hashed into subdirectories). */
function countFiles(path: string): number {
  let n = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    n += e.isDirectory() ? countFiles(join(path, e.name)) : 1;
  }
  return n;
}

async function masterPid(dir: string): Promise<number> {
  const file = join(dir, 'spool', 'pid', 'master.pid');
  for (let i = 0; i < 100; i++) {
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0) return pid;
    }
    await sleep(100);
  }
  throw new Error(`no ${file} after postfix start`);
}

/**
 * A private Postfix on a free loopback port. Its CPU is that of the whole instance: every process
 * under its master (smtpd, cleanup, trivial-rewrite, anvil, postlogd, qmgr...) plus the master's
 * reaped children (an smtpd exits after 100 connections and its CPU moves to the master's cutime).
 */
export async function startPostfix(log: (s: string) => void): Promise<SmtpTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'pk-bench-postfix-'));
  try {
    // The temp dir is 0700; Postfix's daemons run as the postfix user and must reach the queue.
    chmodSync(dir, 0o755);
    for (const d of ['etc', 'spool', 'data']) mkdirSync(join(dir, d), { mode: 0o755 });
    chownSync(join(dir, 'data'), postfixUid()!, statSync(join(dir, 'data')).gid);
    const port = await freePort();
    writeFileSync(join(dir, 'etc', 'main.cf'), mainCf(dir));
    writeFileSync(join(dir, 'etc', 'master.cf'), masterCf(port));
    // `check` makes the queue directories with their owners and modes and fails on a bad config.
    const warnings = postfix(dir, 'check');
    if (warnings) log(`postfix check: ${warnings}`);
    postfix(dir, 'start');
    const pid = await masterPid(dir);
    await waitForGreeting(port, '220', () => (existsSync(`/proc/${pid}`) ? null : 'the postfix master exited'), 'postfix');
    log(`postfix: smtpd on 127.0.0.1:${port}, private instance in ${dir} (hold queue, nothing delivered)`);
    const stop = async (): Promise<void> => {
      try {
        postfix(dir, 'stop');
      } catch (err) {
        log(`postfix stop: ${(err as Error).message}`);
      }
      for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(100);
      if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    return {
      name: 'postfix',
      port,
      pid,
      cpu: () => processTree(pid).reduce((n, p) => n + cpuOf(p, p === pid), 0),
      stored: () => {
        const files = QUEUES.reduce((n, q) => n + countFiles(join(dir, 'spool', q)), 0);
        // postqueue agrees with the file count (its last line: "-- N Kbytes in M Requests.").
        const r = spawnSync(POSTQUEUE, ['-c', join(dir, 'etc'), '-p'], { encoding: 'utf8', maxBuffer: 1 << 28 });
        const listed = Number(/in (\d+) Requests?\.\s*$/.exec(r.stdout ?? '')?.[1] ?? NaN);
        if (listed !== files) log(`postfix: ${files} queue files, but postqueue -p lists ${listed}`);
        return Promise.resolve(Math.min(files, Number.isNaN(listed) ? files : listed));
      },
      rss: () => processTree(pid).reduce((n, p) => n + rssOf(p), 0),
      stop,
    };
  } catch (err) {
    spawnSync(POSTFIX, ['-c', join(dir, 'etc'), 'abort']);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
