/**
 * The web inbox bench: time to first inbox paint with a 10,000-message INBOX (from navigation to
 * the first message row on screen, read from the app's `inbox-first-row` performance mark, which
 * is set in the same layout pass that sets `data-ready`) in Debian's chromium against the real
 * HTTP listener, and the size of the built app gzipped (what a first visit downloads).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { hashPassword } from '../../src/auth/password.ts';
import { loadProtocolModule, startImapTestServer } from '../../test/helpers/imap-server.ts';
import { appendAll, ROOT } from '../shared/postkontor.ts';
import { benchMessage, isSeen } from '../shared/corpus.ts';

export interface WebBenchOptions {
  readonly messages: number;
  /** Timed page loads (after one warm-up). */
  readonly runs: number;
}

export interface WebBenchResult {
  readonly messages: number;
  /** Navigation start → first row painted, warm cache (a returning user), per run in ms. */
  readonly warmMs: number[];
  /** The same from a fresh browser context (empty cache). */
  readonly coldMs: number;
  readonly bundle: { readonly files: number; readonly bytes: number; readonly gzipBytes: number };
  readonly skipped?: string;
}

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const USER = 'web@bench.test';
const PASSWORD = 'bench-password';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The built app's files (html, js, css) and their gzipped size (level 9, as served precompressed or near it). */
export function bundleSize(): WebBenchResult['bundle'] {
  const dist = join(ROOT, 'web', 'dist');
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'pipe' });
  const files = walk(dist).filter((f) => /\.(html|js|css)$/.test(f));
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const data = readFileSync(f);
    bytes += data.length;
    gzipBytes += gzipSync(data, { level: 9 }).length;
  }
  return { files: files.length, bytes, gzipBytes };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

export async function benchWeb(opts: WebBenchOptions, log: (s: string) => void): Promise<WebBenchResult> {
  const bundle = bundleSize();
  if (!existsSync(CHROMIUM)) return { messages: opts.messages, warmMs: [], coldMs: NaN, bundle, skipped: `no ${CHROMIUM}` };
  const http = await loadProtocolModule(new URL('../../src/http/index.ts', import.meta.url), 'httpProtocol', 'src/http/index.ts is missing');
  const server = await startImapTestServer({ also: { http } });
  try {
    const { store } = server;
    await store.domains.add('bench.test');
    const account = await store.accounts.create({ address: USER, passwordHash: await hashPassword(PASSWORD) });
    const inbox = await store.mailboxes.get(account.id, 'INBOX');
    if (!inbox) throw new Error('no INBOX');
    log(`web: appending ${opts.messages} messages`);
    await appendAll(store, account.id, inbox.id, opts.messages, benchMessage, isSeen);
    // The full-text index catches up in the background; measure the inbox, not the indexer.
    await store.idle();
    const base = `http://127.0.0.1:${server.ports.http}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    try {
      const load = async (ctx: Awaited<ReturnType<typeof browser.newContext>>): Promise<number> => {
        const page = await ctx.newPage();
        await page.goto(`${base}/mail`);
        await page.locator('.list-scroll [role="option"]').first().waitFor();
        const ms = await page.evaluate<number>("performance.getEntriesByName('inbox-first-row')[0]?.startTime ?? NaN");
        await page.close();
        return ms;
      };
      const signedIn = async () => {
        const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const r = await ctx.request.post(`${base}/api/session`, { data: { address: USER, password: PASSWORD } });
        if (!r.ok()) throw new Error(`sign-in failed: ${r.status()} ${await r.text()}`);
        return ctx;
      };
      const cold = await signedIn();
      const coldMs = await load(cold);
      await load(cold); // warm-up
      const warmMs: number[] = [];
      for (let i = 0; i < opts.runs; i++) warmMs.push(await load(cold));
      await cold.close();
      log(`web: first paint cold ${coldMs.toFixed(0)} ms, warm median ${median(warmMs).toFixed(0)} ms`);
      return { messages: opts.messages, warmMs, coldMs, bundle };
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}

export function printWebTable(r: WebBenchResult, row: (name: string, value: string, target: string, ok: boolean) => void): void {
  const kb = r.bundle.gzipBytes / 1024;
  row(`web: app bundle gzipped (${r.bundle.files} files, ${(r.bundle.bytes / 1024).toFixed(0)} KB raw)`, `${kb.toFixed(1)} KB`, '< 300 KB', kb < 300);
  if (r.skipped) {
    console.log(`  (web first paint skipped: ${r.skipped})`);
    return;
  }
  const warm = median(r.warmMs);
  row(`web: first inbox paint, ${r.messages} msgs, warm (median ms)`, warm.toFixed(0), '< 1000 ms', warm < 1000);
  row(`web: first inbox paint, empty cache (ms)`, r.coldMs.toFixed(0), '< 1000 ms', r.coldMs < 1000);
  console.log(`  (warm runs: ${r.warmMs.map((x) => x.toFixed(0)).join(', ')} ms)`);
}
