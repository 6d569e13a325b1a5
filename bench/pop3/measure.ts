/**
 * The POP3 measurements, the same code for every server: login + STAT + UIDL of the big maildrop
 * (connection setup included), RETR of the whole maildrop over one connection (pipelined and one
 * command at a time), RETR of its ~1 MB messages only, and a check that what arrived is what was
 * delivered (every RETR's octets equal LIST's size; sampled messages byte for byte).
 */
import { performance } from 'node:perf_hooks';
import { PopClient, type Command, type Reply } from './client.ts';
import { percentile } from '../shared/proc.ts';

export interface LoginResult {
  readonly runs: number;
  /** The first login after the server started (Dovecot builds its index here). */
  readonly cold: number | null;
  readonly p50: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  /** STAT's message count and the number of UIDL lines (both must be the maildrop's size). */
  readonly messages: number;
  readonly uidlLines: number;
}

/** connect, greeting, USER, PASS, STAT, UIDL (each waited for, as fetchmail does); ms to UIDL's end. */
async function loginOnce(port: number, user: string, password: string): Promise<{ ms: number; messages: number; uidlLines: number }> {
  const t0 = performance.now();
  const c = await PopClient.login(port, user, password);
  try {
    const stat = await c.ok({ line: 'STAT', multi: false });
    const uidl = await c.ok({ line: 'UIDL', multi: true, keep: true });
    const ms = uidl.at - t0;
    const messages = Number(/^\+OK (\d+)/.exec(stat.line)?.[1] ?? NaN);
    let uidlLines = 0;
    for (let i = uidl.body!.indexOf(0x0a); i !== -1; i = uidl.body!.indexOf(0x0a, i + 1)) uidlLines++;
    await c.quit();
    return { ms, messages, uidlLines };
  } finally {
    c.close();
  }
}

/** `runs` timed logins after `warmups` untimed ones; `cold` is the first warm-up's time. */
export async function loginStatUidl(
  port: number,
  user: string,
  password: string,
  runs: number,
  warmups: number,
): Promise<LoginResult> {
  let cold: number | null = null;
  for (let i = 0; i < warmups; i++) {
    const r = await loginOnce(port, user, password);
    if (i === 0) cold = r.ms;
  }
  const times: number[] = [];
  let last = { messages: NaN, uidlLines: NaN };
  for (let i = 0; i < runs; i++) {
    const r = await loginOnce(port, user, password);
    times.push(r.ms);
    last = r;
  }
  const s = times.sort((a, b) => a - b);
  return {
    runs,
    cold,
    p50: percentile(s, 50),
    p99: percentile(s, 99),
    min: s[0]!,
    max: s[s.length - 1]!,
    messages: last.messages,
    uidlLines: last.uidlLines,
  };
}

export interface RetrResult {
  readonly messages: number;
  /** Message octets received (un-stuffed, as LIST counts them). */
  readonly octets: number;
  readonly ms: number;
  readonly messagesPerSecond: number;
  readonly mbPerSecond: number;
}

/**
 * RETR of `nums` with at most `depth` commands in flight: commands leave in batches of depth/2,
 * the next batch when the oldest one is answered (depth 1: one command at a time). Every answer
 * must be +OK with LIST's size.
 */
async function retrRun(c: PopClient, nums: readonly number[], sizes: readonly number[], depth: number): Promise<RetrResult> {
  const half = Math.max(1, Math.floor(depth / 2));
  const batches: Promise<Reply[]>[] = [];
  let sent = 0;
  const sendNext = (): void => {
    const part = nums.slice(sent, sent + half);
    sent += part.length;
    batches.push(Promise.all(c.send(part.map((n): Command => ({ line: `RETR ${n}`, multi: true })))));
  };
  const t0 = performance.now();
  sendNext();
  if (depth > 1 && sent < nums.length) sendNext();
  let octets = 0;
  let done = 0;
  let end = t0;
  for (let b = 0; b < batches.length; b++) {
    const replies = await batches[b]!;
    if (sent < nums.length) sendNext();
    for (const r of replies) {
      const n = nums[done++]!;
      if (!r.ok) throw new Error(`RETR ${n}: ${r.line}`);
      if (r.octets !== sizes[n - 1]) throw new Error(`RETR ${n}: ${r.octets} octets, LIST said ${sizes[n - 1]}`);
      octets += r.octets;
      end = r.at;
    }
  }
  const ms = end - t0;
  return { messages: nums.length, octets, ms, messagesPerSecond: (nums.length / ms) * 1000, mbPerSecond: octets / 1e6 / (ms / 1000) };
}

/** LIST: the size of every message, index n-1 for message n. */
async function listSizes(c: PopClient): Promise<number[]> {
  const r = await c.ok({ line: 'LIST', multi: true, keep: true });
  return r
    .body!.toString('latin1')
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => Number(l.split(' ')[1]));
}

export interface RetrResults {
  readonly pipelined: RetrResult;
  readonly sequential: RetrResult;
  readonly big: RetrResult | null;
  readonly depth: number;
  readonly rounds: number;
  /** Messages compared byte for byte with what was delivered. */
  readonly checked: number;
}

function medianRun(runs: RetrResult[]): RetrResult {
  return [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
}

/**
 * One warm-up round (which also checks sampled bodies with `expected`), then `rounds` rounds of
 * each: all messages pipelined, all one at a time, the big ones (> 512 KB) one at a time. Each
 * round is one connection: login and LIST untimed, the RETRs timed, QUIT untimed.
 */
export async function retrThroughput(
  port: number,
  user: string,
  password: string,
  rounds: number,
  depth: number,
  expected: (body: Buffer) => Buffer | null,
  log: (s: string) => void,
): Promise<RetrResults> {
  const session = async <T>(fn: (c: PopClient, sizes: number[]) => Promise<T>): Promise<T> => {
    const c = await PopClient.login(port, user, password);
    try {
      const sizes = await listSizes(c);
      const r = await fn(c, sizes);
      await c.quit();
      return r;
    } finally {
      c.close();
    }
  };
  const all = (sizes: number[]): number[] => sizes.map((_, i) => i + 1);
  const bigOnes = (sizes: number[]): number[] => all(sizes).filter((n) => sizes[n - 1]! > 512 * 1024);
  // Warm-up: everything once (page cache, server caches), then a sample checked byte for byte.
  const checked = await session(async (c, sizes) => {
    await retrRun(c, all(sizes), sizes, depth);
    const sample = [...new Set([1, 2, sizes.length, ...bigOnes(sizes).slice(0, 3)])].filter((n) => n <= sizes.length);
    for (const n of sample) {
      const r = await c.ok({ line: `RETR ${n}`, multi: true, keep: true });
      const want = expected(r.body!);
      if (!want) throw new Error(`RETR ${n}: cannot tell which message this is`);
      if (!want.equals(r.body!)) throw new Error(`RETR ${n}: the message differs from the one delivered`);
    }
    return sample.length;
  });
  const pipelined: RetrResult[] = [];
  const sequential: RetrResult[] = [];
  const big: RetrResult[] = [];
  for (let i = 0; i < rounds; i++) {
    pipelined.push(await session((c, sizes) => retrRun(c, all(sizes), sizes, depth)));
    sequential.push(await session((c, sizes) => retrRun(c, all(sizes), sizes, 1)));
    const b = await session((c, sizes) => (bigOnes(sizes).length ? retrRun(c, bigOnes(sizes), sizes, 1) : Promise.resolve(null)));
    if (b) big.push(b);
    const p = pipelined.at(-1)!;
    const s = sequential.at(-1)!;
    log(`  round ${i + 1}: pipelined ${p.mbPerSecond.toFixed(1)} MB/s, one at a time ${s.mbPerSecond.toFixed(1)} MB/s${b ? `, 1 MB ones ${b.mbPerSecond.toFixed(1)} MB/s` : ''}`);
  }
  return {
    pipelined: medianRun(pipelined),
    sequential: medianRun(sequential),
    big: big.length ? medianRun(big) : null,
    depth,
    rounds,
    checked,
  };
}
