/**
 * Shared set-up for the interop tests (test/interop/): a real IMAP test server with one account,
 * a check that a third-party tool is installed (skip with a reason locally, fail under CI), and
 * a child-process runner that captures output and never hangs past its deadline.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import type { Account, Mailbox } from '../../src/store/types.ts';
import { startImapTestServer, type ImapTestServer } from './imap-server.ts';

export const INTEROP_USER = 'alice@example.org';
export const INTEROP_PASSWORD = 'interop-pw-7f3a';

export interface InteropServer extends ImapTestServer {
  readonly account: Account;
  readonly user: string;
  readonly password: string;
  /** The account's mailbox by name; fails the test when it does not exist. */
  mailbox(name: string): Promise<Mailbox>;
  /** Appends raw bytes to a mailbox through the store, as SMTP delivery does. */
  deliver(mailbox: string, raw: string | Buffer, flags?: string[], internalDate?: number): Promise<number>;
}

/** Starts a test server with the domain example.org and the account INTEROP_USER. */
export async function startInteropServer(): Promise<InteropServer> {
  const server = await startImapTestServer();
  const { store } = server;
  await store.domains.add('example.org');
  const account = await store.accounts.create({
    address: INTEROP_USER,
    passwordHash: await hashPassword(INTEROP_PASSWORD),
  });
  const mailbox = async (name: string): Promise<Mailbox> => {
    const mb = await store.mailboxes.get(account.id, name);
    if (!mb) throw new Error(`mailbox ${name} does not exist`);
    return mb;
  };
  const deliver = async (name: string, raw: string | Buffer, flags: string[] = [], internalDate?: number) => {
    const mb = await mailbox(name);
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const r = await store.messages.append(account.id, mb.id, {
      raw: bytes,
      flags,
      ...(internalDate === undefined ? {} : { internalDate }),
    });
    return r.uid;
  };
  return { ...server, account, user: INTEROP_USER, password: INTEROP_PASSWORD, mailbox, deliver };
}

/**
 * The first line of `tool --version`-style output, or null when the tool is not installed.
 * `args` is what prints the version (mbsync: `--version`, curl: `--version`, python3: `--version`).
 */
export function toolVersion(tool: string, args: string[] = ['--version']): string | null {
  const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return null;
  // `curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/…` -> `curl 7.88.1`
  return (`${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '').replace(/ \(.*$/, '');
}

/**
 * Returns true when the tool is usable. Otherwise skips the test with `why` (and the install
 * hint), except under CI=true, where a missing tool fails the test.
 */
export function requireTool(t: TestContext, version: string | null, why: string): version is string {
  if (version !== null) {
    t.diagnostic(`using ${version}`);
    return true;
  }
  if (process.env.CI === 'true') throw new Error(`${why} (a missing tool fails under CI=true)`);
  t.skip(why);
  return false;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly ms: number;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly input?: string | Buffer;
}

/** Runs a command asynchronously (the in-process server must keep serving meanwhile). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        ms: Math.round(performance.now() - started),
      });
    });
    // A child that exits before reading its input must fail its test, not crash the process (EPIPE).
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** The command and its output, for assertion messages. */
export function describeRun(label: string, r: RunResult): string {
  const status = r.signal ? `killed by ${r.signal} (timeout?)` : `exit ${r.code}`;
  return `${label}: ${status} after ${r.ms} ms\n--- stdout\n${r.stdout.toString('utf8')}\n--- stderr\n${r.stderr.toString('utf8')}`;
}

/** Rejects with a clear message when `p` does not settle within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
