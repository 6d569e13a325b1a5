/**
 * The IMAP measurements, the same code for every server: IDLE notification latency, SELECT on the
 * big mailbox, `UID FETCH 1:* (FLAGS)`, body FETCH throughput, and memory with many idle
 * connections (logged in, INBOX selected, IDLE running).
 */
import { performance } from 'node:perf_hooks';
import { ImapClient } from './client.ts';
import { BIG_USER, IDLE_USER, PASSWORD } from '../shared/corpus.ts';
import { median, percentile, sleep } from '../shared/proc.ts';
import type { ServerTarget, ServerMemory } from '../shared/target.ts';

export interface LatencyResult {
  readonly samples: number;
  /** From A's tagged OK arriving to B's `* n FETCH`; negative when B heard first. */
  readonly afterOk: { p50: number; p99: number; max: number };
  /** From A sending STORE to B's `* n FETCH`. */
  readonly afterSend: { p50: number; p99: number; max: number };
  readonly missed: number;
}

function summary(values: number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** Client A stores \Seen on and off message 1; client B idles and waits for each `* 1 FETCH`. */
export async function idleLatency(t: ServerTarget, samples: number): Promise<LatencyResult> {
  const a = await ImapClient.session(t.port, IDLE_USER, PASSWORD, 'INBOX');
  const b = await ImapClient.session(t.port, IDLE_USER, PASSWORD, 'INBOX');
  let waiter: ((at: number) => void) | null = null;
  b.onUntagged = (text, at) => {
    if (/^\* 1 FETCH /.test(text)) waiter?.(at);
  };
  const idle = await b.idle();
  const afterOk: number[] = [];
  const afterSend: number[] = [];
  let missed = 0;
  // Dovecot delays each notification ~0.5 s, so warm-up samples are not free: a few, then the rest.
  const warmup = Math.min(20, Math.ceil(samples / 10));
  try {
    for (let i = 0; i < samples + warmup; i++) {
      const heard = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 2000);
        waiter = (at) => {
          clearTimeout(timer);
          resolve(at);
        };
      });
      const sent = performance.now();
      const done = await a.ok(`STORE 1 ${i % 2 === 0 ? '+' : '-'}FLAGS (\\Seen)`);
      const at = await heard;
      waiter = null;
      if (i < warmup) continue;
      if (at === null) missed++;
      else {
        afterOk.push(at - done.at);
        afterSend.push(at - sent);
      }
    }
    await idle.done();
  } finally {
    a.close();
    b.close();
  }
  return { samples: afterOk.length, afterOk: summary(afterOk), afterSend: summary(afterSend), missed };
}

export interface SelectResult {
  readonly cold: number;
  readonly warm: { median: number; min: number; max: number; runs: number };
  readonly exists: number;
}

/** The first SELECT after the server started (cold), one warm-up, then `runs` timed SELECTs. */
export async function selectTime(t: ServerTarget, runs: number): Promise<{ result: SelectResult; client: ImapClient }> {
  const c = await ImapClient.session(t.port, BIG_USER, PASSWORD);
  const once = async (): Promise<{ ms: number; exists: number }> => {
    const t0 = performance.now();
    const r = await c.ok('SELECT INBOX', { collect: true });
    const ms = performance.now() - t0;
    const ex = r.untagged.map((u) => /^\* (\d+) EXISTS/.exec(u)).find((m) => m);
    return { ms, exists: Number(ex?.[1] ?? NaN) };
  };
  const cold = await once();
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await once()).ms);
  const sorted = [...times].sort((x, y) => x - y);
  return {
    result: { cold: cold.ms, warm: { median: median(times), min: sorted[0]!, max: sorted[sorted.length - 1]!, runs }, exists: cold.exists },
    client: c,
  };
}

export interface FlagsFetchResult {
  readonly ms: number;
  readonly firstLineMs: number;
  readonly lines: number;
  readonly bytes: number;
}

/** `UID FETCH 1:* (FLAGS)` on the selected big mailbox: time to the first FETCH line and to the end. */
export async function uidFetchFlags(c: ImapClient, runs: number): Promise<FlagsFetchResult> {
  const results: FlagsFetchResult[] = [];
  for (let i = 0; i < runs + 1; i++) {
    let lines = 0;
    let first = NaN;
    const t0 = performance.now();
    const bytes0 = c.bytesIn;
    c.onUntagged = (text, at) => {
      if (text.includes(' FETCH ')) {
        if (lines++ === 0) first = at - t0;
      }
    };
    await c.ok('UID FETCH 1:* (FLAGS)');
    const ms = performance.now() - t0;
    c.onUntagged = null;
    if (i > 0) results.push({ ms, firstLineMs: first, lines, bytes: c.bytesIn - bytes0 });
  }
  results.sort((x, y) => x.ms - y.ms);
  return results[Math.floor(results.length / 2)]!;
}

export interface BodyFetchResult {
  readonly messages: number;
  readonly ms: number;
  readonly messagesPerSecond: number;
  readonly mbPerSecond: number;
}

/** `FETCH 1:N (BODY.PEEK[])` (median of `runs`): messages/s and MB/s as received by the client. */
export async function bodyFetch(c: ImapClient, n: number, runs: number): Promise<BodyFetchResult> {
  const results: BodyFetchResult[] = [];
  for (let i = 0; i < runs; i++) {
    let count = 0;
    c.onUntagged = (text) => {
      if (text.includes(' FETCH ')) count++;
    };
    const bytes0 = c.bytesIn;
    const t0 = performance.now();
    await c.ok(`FETCH 1:${n} (BODY.PEEK[])`);
    const ms = performance.now() - t0;
    c.onUntagged = null;
    const bytes = c.bytesIn - bytes0;
    results.push({ messages: count, ms, messagesPerSecond: (count / ms) * 1000, mbPerSecond: bytes / 1e6 / (ms / 1000) });
  }
  results.sort((x, y) => x.ms - y.ms);
  return results[Math.floor(results.length / 2)]!;
}

export interface IdleMemoryPoint {
  readonly connections: number;
  readonly memory: ServerMemory;
  /** (memory - baseline) / connections, in bytes. */
  readonly rssPerConnection: number;
  readonly pssPerConnection: number;
  readonly heapPerConnection: number | null;
  readonly openSeconds: number;
}

export interface IdleMemoryResult {
  readonly baseline: ServerMemory;
  readonly points: IdleMemoryPoint[];
  /** After the last point: one STORE from another client, and the time until every idler heard it. */
  readonly fanout: { heard: number; of: number; lastMs: number; p50Ms: number } | null;
  readonly error?: string;
}

/** Opens idle connections in steps (e.g. 1,000 then 5,000 in total) and measures the server. */
export async function idleMemory(
  t: ServerTarget,
  steps: readonly number[],
  log: (s: string) => void,
): Promise<IdleMemoryResult> {
  const clients: ImapClient[] = [];
  await sleep(500);
  const baseline = await t.memory();
  const points: IdleMemoryPoint[] = [];
  let error: string | undefined;
  let fanout: IdleMemoryResult['fanout'] = null;
  try {
    for (const target of steps) {
      const t0 = performance.now();
      let next = clients.length;
      const open = async (): Promise<void> => {
        while (next < target) {
          next++;
          const c = await ImapClient.session(t.port, IDLE_USER, PASSWORD, 'INBOX');
          clients.push(c);
          await c.idle();
        }
      };
      await Promise.all(Array.from({ length: 32 }, open));
      const openSeconds = (performance.now() - t0) / 1000;
      await sleep(1500);
      const memory = await t.memory();
      const n = clients.length;
      const per = (a: number, b: number): number => (a - b) / n;
      points.push({
        connections: n,
        memory,
        rssPerConnection: per(memory.rss, baseline.rss),
        pssPerConnection: per(memory.pss, baseline.pss),
        heapPerConnection:
          memory.heapUsed !== undefined && baseline.heapUsed !== undefined ? per(memory.heapUsed, baseline.heapUsed) : null,
        openSeconds,
      });
      log(`  ${t.name}: ${n} idle connections open (${openSeconds.toFixed(1)} s), rss ${(memory.rss / 1e6).toFixed(0)} MB`);
    }
    fanout = await fanOut(t, clients);
  } catch (err) {
    error = `${(err as Error).message} (after ${clients.length} connections)`;
    log(`  ${t.name}: idle connections failed: ${error}`);
  } finally {
    for (const c of clients) c.close();
    await sleep(1000);
  }
  return { baseline, points, fanout, ...(error ? { error } : {}) };
}

/** One flag change seen by every idle connection: how many heard it, and when the last one did. */
async function fanOut(t: ServerTarget, idlers: ImapClient[]): Promise<IdleMemoryResult['fanout']> {
  const a = await ImapClient.session(t.port, IDLE_USER, PASSWORD, 'INBOX');
  try {
    const heardAt: number[] = [];
    let resolveAll: () => void = () => undefined;
    const all = new Promise<void>((r) => (resolveAll = r));
    for (const c of idlers) {
      c.onUntagged = (text, at) => {
        if (/^\* 2 FETCH /.test(text)) {
          heardAt.push(at);
          if (heardAt.length === idlers.length) resolveAll();
        }
      };
    }
    const t0 = performance.now();
    await a.ok('STORE 2 +FLAGS (\\Flagged)');
    await Promise.race([all, sleep(30_000)]);
    const rel = heardAt.map((x) => x - t0).sort((x, y) => x - y);
    return { heard: rel.length, of: idlers.length, lastMs: rel[rel.length - 1] ?? NaN, p50Ms: percentile(rel, 50) };
  } finally {
    a.close();
  }
}
