/**
 * Process helpers for the benchmarks: a free loopback port, waiting for a server's greeting,
 * memory of a process (RSS) or of a process tree (RSS and PSS summed, for Dovecot's
 * one-process-per-connection model), statistics.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of one process, in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  return statusField(pid, 'VmRSS');
}

function pssOf(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** `pid` and all its descendants. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

export interface TreeMemory {
  readonly processes: number;
  /** Sum of RSS: counts shared pages (libraries, shared index mmaps) once per process. */
  readonly rss: number;
  /** Sum of PSS: shared pages split between their users; the honest total. */
  readonly pss: number;
}

export function treeMemory(pid: number): TreeMemory {
  const pids = processTree(pid);
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    rss += rssOf(p);
    pss += pssOf(p);
  }
  return { processes: pids.length, rss, pss };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Connects once and resolves true when the server's first line starts with `prefix` ("* OK", "+OK"). */
export function greets(port: number, prefix: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let text = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(5000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\n')) done(text.startsWith(prefix));
    });
  });
}

/** Polls until the server on `port` greets with `prefix`; throws what `failed()` says when it exits. */
export async function waitForGreeting(
  port: number,
  prefix: string,
  failed: () => string | null,
  what: string,
): Promise<void> {
  for (let i = 0; ; i++) {
    const reason = failed();
    if (reason !== null) throw new Error(reason);
    if (await greets(port, prefix)) return;
    if (i > 300) throw new Error(`${what} did not greet on ${port} within 30 s`);
    await sleep(100);
  }
}
