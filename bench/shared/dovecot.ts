/**
 * The Dovecot side: Debian's dovecot-imapd run as a child process (`dovecot -F -c conf`) with a
 * config, passwd-file and Maildirs in a temp dir, listening on a free loopback port. The same
 * messages as postkontor's are written straight into Maildir cur/ (LF line ends, S= and W= in the
 * names); Dovecot builds its index at the first SELECT (the "cold" figure).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ImapClient } from './client.ts';
import { benchMessage, BIG_USER, IDLE_USER, isSeen, PASSWORD } from './corpus.ts';
import { freePort, sleep, treeMemory } from './proc.ts';
import type { ImapTarget, ServerMemory } from './target.ts';

export const DOVECOT_INSTALL_HINT = 'apt-get install -y dovecot-imapd';

/** Dovecot's version ("2.3.19.1"), or null when it is not installed. */
export function dovecotVersion(): string | null {
  const r = spawnSync('dovecot', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return null;
  return r.stdout.trim().split(' ')[0] ?? null;
}

function writeMaildir(home: string, count: number): void {
  const md = join(home, 'Maildir');
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(md, d), { recursive: true });
  for (let n = 0; n < count; n++) {
    const crlf = benchMessage(n);
    const lf = Buffer.from(crlf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const name = `${1_700_000_000 + n}.M${n}P1.bench,S=${lf.length},W=${crlf.length}:2,${isSeen(n) ? 'S' : ''}`;
    writeFileSync(join(md, 'cur', name), lf);
  }
  // Dovecot rescans a Maildir whose directory mtime is very recent (it cannot trust same-second
  // changes); dating the directories back makes the warm SELECT a fair, index-only one.
  const past = new Date(Date.now() - 3_600_000);
  for (const d of ['cur', 'new', 'tmp', '.']) utimesSync(join(md, d), past, past);
}

function config(dir: string, port: number, version: string): string {
  const major = Number(version.split('.')[0]);
  const minor = Number(version.split('.')[1]);
  if (major > 2 || (major === 2 && minor >= 4)) {
    throw new Error(`Dovecot ${version}: this bench writes a 2.3-style config; 2.4 is not supported yet`);
  }
  return `# written by postkontor's bench/imap/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100000
default_client_limit = 20000
default_vsz_limit = 1G
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  # "high-performance" login mode: a few login processes serve every connection.
  service_count = 0
  process_min_avail = 2
  client_limit = 10000
}
service imap {
  process_limit = 10000
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
`;
}

/** Writes the temp dir (config, passwd-file, Maildirs) and returns it. */
export function prepareDovecot(big: number, small: number, log: (s: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'dovecot-bench-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'passwd'), `${BIG_USER}:{PLAIN}${PASSWORD}\n${IDLE_USER}:{PLAIN}${PASSWORD}\n`);
  const t0 = performance.now();
  writeMaildir(join(dir, 'home', BIG_USER), big);
  writeMaildir(join(dir, 'home', IDLE_USER), small);
  execFileSync('chown', ['-R', 'nobody:nogroup', join(dir, 'home')]);
  log(`dovecot: wrote ${big + small} Maildir files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

export async function startDovecot(dir: string, version: string): Promise<ImapTarget> {
  const port = await freePort();
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(conf, config(dir, port, version));
  const child = spawn('sh', ['-c', `ulimit -n 20000 2>/dev/null; exec dovecot -F -c '${conf}'`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logTail = (): string => {
    const f = join(dir, 'dovecot.log');
    return existsSync(f) ? readFileSync(f, 'utf8').slice(-3000) : '';
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${stderr}\n${logTail()}`);
    try {
      (await ImapClient.open(port)).close();
      break;
    } catch {
      if (i > 300) throw new Error(`dovecot did not listen on ${port} within 30 s: ${stderr}\n${logTail()}`);
      await sleep(100);
    }
  }
  const pid = child.pid!;
  return {
    name: 'dovecot',
    port,
    memory(): Promise<ServerMemory> {
      return Promise.resolve(treeMemory(pid));
    },
    async stop(): Promise<void> {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
      const errors = logTail()
        .split('\n')
        .filter((l) => /Error|Fatal|Panic|inotify/i.test(l));
      if (errors.length) process.stderr.write(`dovecot log errors and warnings (tail):\n${errors.slice(-5).join('\n')}\n`);
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
