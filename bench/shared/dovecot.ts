/**
 * The Dovecot side of the benches: Debian's dovecot (dovecot-imapd / dovecot-pop3d) run as a
 * child process (`dovecot -F -c conf`) with a config, passwd-file and Maildirs in a temp dir,
 * serving one protocol (IMAP or POP3) on a free loopback port. The same messages as postkontor's
 * are written straight into Maildir cur/ (LF line ends, S= and W= in the names); Dovecot builds
 * its index at the first SELECT or POP3 login (the "cold" figure).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, treeMemory, waitForGreeting } from './proc.ts';
import type { ServerMemory, ServerTarget } from './target.ts';

export type DovecotProtocol = 'imap' | 'pop3';

export const DOVECOT_INSTALL_HINT = 'apt-get install -y dovecot-imapd dovecot-pop3d';

/** Dovecot's version ("2.3.19.1"), or null when it is not installed. */
export function dovecotVersion(): string | null {
  const r = spawnSync('dovecot', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return null;
  return r.stdout.trim().split(' ')[0] ?? null;
}

/** Dovecot's version, or why the comparison cannot run here (not installed, not root). */
export function dovecotAvailability(): { reason: string } | { version: string } {
  const version = dovecotVersion();
  if (!version) return { reason: `not installed, skipping the comparison (install it with: ${DOVECOT_INSTALL_HINT})` };
  if (process.getuid?.() !== 0) return { reason: 'the comparison needs root (dovecot -F drops to its own users); skipping' };
  return { version };
}

export interface DovecotUser {
  readonly address: string;
  /** The passwd-file password field, scheme included: `{PLAIN}secret`, `{ARGON2ID}$argon2id$...`. */
  readonly password: string;
  readonly messages: number;
  /** Message `n` in its CRLF form. */
  readonly message: (n: number) => Buffer;
  /** Whether message `n` starts out \Seen. */
  readonly seen?: (n: number) => boolean;
}

function writeMaildir(home: string, user: DovecotUser): void {
  const md = join(home, 'Maildir');
  for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(md, d), { recursive: true });
  for (let n = 0; n < user.messages; n++) {
    const crlf = user.message(n);
    const lf = Buffer.from(crlf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const name = `${1_700_000_000 + n}.M${n}P1.bench,S=${lf.length},W=${crlf.length}:2,${user.seen?.(n) ? 'S' : ''}`;
    writeFileSync(join(md, 'cur', name), lf);
  }
  // Dovecot rescans a Maildir whose directory mtime is very recent (it cannot trust same-second
  // changes); dating the directories back makes the warm SELECT / login a fair, index-only one.
  const past = new Date(Date.now() - 3_600_000);
  for (const d of ['cur', 'new', 'tmp', '.']) utimesSync(join(md, d), past, past);
}

function passwdFile(users: readonly Pick<DovecotUser, 'address' | 'password'>[]): string {
  return users.map((u) => `${u.address}:${u.password}\n`).join('');
}

function config(dir: string, port: number, version: string, protocol: DovecotProtocol): string {
  const major = Number(version.split('.')[0]);
  const minor = Number(version.split('.')[1]);
  if (major > 2 || (major === 2 && minor >= 4)) {
    throw new Error(`Dovecot ${version}: this bench writes a 2.3-style config; 2.4 is not supported yet`);
  }
  const listener = (p: DovecotProtocol): string => (p === protocol ? `address = 127.0.0.1\n    port = ${port}` : 'port = 0');
  return `# written by postkontor's bench/shared/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = ${protocol}
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
pop3_uidl_format = %08Xu%08Xv
# Like postkontor with pop.after-retrieve=keep (its default): a POP3 session changes no flags.
# Dovecot's default sets \\Seen at QUIT, renaming every retrieved Maildir file, and its later
# sessions then ran 2-10x slower than the first (bench runs of 2026-11-28/29).
pop3_no_flag_updates = yes
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
    ${listener('imap')}
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
    ${listener('pop3')}
  }
  inet_listener pop3s {
    port = 0
  }
  service_count = 0
  process_min_avail = 2
  client_limit = 10000
}
service pop3 {
  process_limit = 10000
}
`;
}

/** Writes the temp dir (passwd-file, Maildirs) and returns it. */
export function prepareDovecot(users: readonly DovecotUser[], log: (s: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'dovecot-bench-'));
  chmodSync(dir, 0o755);
  setDovecotPasswords(dir, users);
  const t0 = performance.now();
  for (const u of users) writeMaildir(join(dir, 'home', u.address), u);
  execFileSync('chown', ['-R', 'nobody:nogroup', join(dir, 'home')]);
  const total = users.reduce((s, u) => s + u.messages, 0);
  log(`dovecot: wrote ${total} Maildir files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/**
 * Rewrites the passwd-file; Dovecot notices the change (mtime, size) at the next lookup, and
 * `auth_cache_size` is 0 by default, so the next login uses the new entry.
 */
export function setDovecotPasswords(dir: string, users: readonly Pick<DovecotUser, 'address' | 'password'>[]): void {
  writeFileSync(join(dir, 'passwd'), passwdFile(users));
}

export async function startDovecot(dir: string, version: string, protocol: DovecotProtocol): Promise<ServerTarget> {
  const port = await freePort();
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(conf, config(dir, port, version, protocol));
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
  await waitForGreeting(
    port,
    protocol === 'imap' ? '* OK' : '+OK',
    () => (child.exitCode !== null ? `dovecot exited (${child.exitCode}): ${stderr}\n${logTail()}` : null),
    'dovecot',
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}\n${logTail()}`);
  });
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
