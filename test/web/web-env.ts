/**
 * Shared set-up for the browser tests: the real server (IMAP, POP3, submission and the HTTP
 * listener with the web app from web/dist) on one store with two accounts, and Debian's chromium
 * driven by playwright-core. Without chromium the tests skip with the reason, except under
 * CI=true, where they fail (as test/helpers/interop-env.ts does for other tools).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { hashPassword } from '../../src/auth/password.ts';
import { createSmtpProtocol } from '../../src/protocols/smtp/index.ts';
import type { Account, Mailbox } from '../../src/store/types.ts';
import { loadProtocolModule, startImapTestServer, type ImapTestServer } from '../helpers/imap-server.ts';
import { memoryDns } from '../helpers/smtp-env.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
export const ALICE = 'alice@example.org';
export const BOB = 'bob@example.org';
export const PASSWORD = 'web-test-pw-5d1e';

const root = new URL('../../', import.meta.url).pathname;
export const SCREENSHOTS = join(root, 'test-artifacts', 'screenshots');

/** Why the browser tests cannot run here, or null. */
export function browserMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`;
  if (!existsSync(new URL('../../src/http/index.ts', import.meta.url))) return 'the HTTP server src/http/index.ts is missing';
  return null;
}

/** True when the test can run; else skips it with the reason (fails under CI=true). */
export function requireBrowser(t: TestContext): boolean {
  const why = browserMissing();
  if (why === null) return true;
  if (process.env.CI === 'true') throw new Error(`${why} (a missing tool fails under CI=true)`);
  t.skip(why);
  return false;
}

/** Builds web/dist when it is missing (`.ci/run` builds it before the tests). */
export function ensureWebBuild(): void {
  if (existsSync(join(root, 'web', 'dist', 'index.html'))) return;
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vite build web failed:\n${r.stdout}\n${r.stderr}`);
}

export interface WebTestServer extends ImapTestServer {
  readonly baseUrl: string;
  readonly alice: Account;
  readonly bob: Account;
  mailbox(address: string, name: string): Promise<Mailbox>;
  /** Appends raw bytes through the store, as SMTP delivery does; returns the UID. */
  deliver(address: string, name: string, raw: string | Buffer, flags?: string[], internalDate?: number): Promise<number>;
}

/** IMAP + POP3 + submission + HTTP on one store; accounts ALICE and BOB with PASSWORD. */
export async function startWebServer(opts: { accounts?: boolean } = {}): Promise<WebTestServer> {
  ensureWebBuild();
  const http = await loadProtocolModule(new URL('../../src/http/index.ts', import.meta.url), 'httpProtocol', 'the HTTP server src/http/index.ts is missing');
  const pop3 = await loadProtocolModule(new URL('../../src/protocols/pop3/index.ts', import.meta.url), 'pop3Protocol', 'src/protocols/pop3/index.ts is missing');
  const submission = createSmtpProtocol({ dns: memoryDns(), maxMessageBytes: 10_000_000 });
  const server = await startImapTestServer({ also: { http, pop3, submission } });
  const { store } = server;
  let alice: Account | undefined;
  let bob: Account | undefined;
  // Without accounts: a fresh server, where the app offers the first-run setup.
  if (opts.accounts !== false) {
    await store.domains.add('example.org');
    const passwordHash = await hashPassword(PASSWORD);
    alice = await store.accounts.create({ address: ALICE, passwordHash });
    bob = await store.accounts.create({ address: BOB, passwordHash });
  }
  const mailbox = async (address: string, name: string): Promise<Mailbox> => {
    const account = await store.accounts.get(address);
    if (!account) throw new Error(`no account ${address}`);
    const mb = await store.mailboxes.get(account.id, name);
    if (!mb) throw new Error(`no mailbox ${name} for ${address}`);
    return mb;
  };
  const deliver = async (address: string, name: string, raw: string | Buffer, flags: string[] = [], internalDate?: number): Promise<number> => {
    const mb = await mailbox(address, name);
    const account = await store.accounts.get(address);
    const r = await store.messages.append(account!.id, mb.id, {
      raw: typeof raw === 'string' ? Buffer.from(raw.replace(/\r?\n/g, '\r\n')) : raw,
      flags,
      ...(internalDate === undefined ? {} : { internalDate }),
    });
    return r.uid;
  };
  return {
    ...server,
    baseUrl: `http://127.0.0.1:${server.ports.http}`,
    get alice(): Account {
      if (!alice) throw new Error('started without accounts');
      return alice;
    },
    get bob(): Account {
      if (!bob) throw new Error('started without accounts');
      return bob;
    },
    mailbox,
    deliver,
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface SignedIn {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught page errors and console errors seen so far (a test may assert none). */
  readonly errors: string[];
}

/** A fresh browser context signed in as `address`, on the inbox with its first page shown. */
export async function signIn(browser: Browser, server: WebTestServer, address: string): Promise<SignedIn> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(server.baseUrl);
  await page.getByLabel('Email address').fill(address);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.list-scroll[data-ready="true"]').waitFor();
  // The app's first question (GET /api/session before signing in) answers 401 by design.
  errors.length = 0;
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** A plain RFC 5322 message. */
export function mail(opts: { from?: string; to?: string; subject: string; body?: string; date?: Date; messageId?: string; headers?: string[] }): string {
  const date = (opts.date ?? new Date()).toUTCString().replace('GMT', '+0000');
  return [
    `From: ${opts.from ?? 'Carol Sender <carol@elsewhere.test>'}`,
    `To: ${opts.to ?? ALICE}`,
    `Subject: ${opts.subject}`,
    `Date: ${date}`,
    `Message-ID: ${opts.messageId ?? `<${Math.random().toString(36).slice(2)}@elsewhere.test>`}`,
    'MIME-Version: 1.0',
    ...(opts.headers ?? []),
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? 'Hello there.',
    '',
  ].join('\r\n');
}

/**
 * The web app updates its list before the server has answered (optimistic UI), so the store may
 * lag the page by a commit: on PostgreSQL (PK_TEST_STORE=postgres) it does, noticeably. Reads
 * until `ok` holds or `ms` pass, and returns the last value read.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 25));
    v = await read();
  }
  return v;
}
