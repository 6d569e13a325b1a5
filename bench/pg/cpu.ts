/**
 * CPU seconds, from /proc/PID/stat, of the node processes and of the PostgreSQL processes
 * working for the bench database (its client backends; and the server's background processes:
 * WAL writer, checkpointer, background writer, autovacuum on the bench database). The WAL
 * writer and checkpointer serve every database of the server, so on a shared machine their
 * figure includes other users' work; the bench database's backends are its own.
 */
import { readFileSync } from 'node:fs';
import { admin } from './db.ts';

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) "; in clock ticks (100 a second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface PgProcess {
  readonly kind: 'backend' | 'background';
  readonly cpu: number;
}

export type PgCpuSnapshot = Map<number, PgProcess>;

/** The CPU used so far by each PostgreSQL process that works for `database`. */
export async function pgCpuSnapshot(database: string): Promise<PgCpuSnapshot> {
  const rows = await admin((c) =>
    c.query<{ pid: number; datname: string | null; backend_type: string }>(
      `SELECT pid, datname, backend_type FROM pg_stat_activity WHERE pid <> pg_backend_pid()`,
    ),
  );
  const out: PgCpuSnapshot = new Map();
  for (const r of rows.rows) {
    const client = r.backend_type === 'client backend';
    if (r.datname === database) out.set(r.pid, { kind: client ? 'backend' : 'background', cpu: cpuSeconds(r.pid) });
    else if (!client && r.datname === null) out.set(r.pid, { kind: 'background', cpu: cpuSeconds(r.pid) });
  }
  return out;
}

export interface PgCpu {
  /** The bench database's client backends (the nodes' pools and LISTEN connections). */
  readonly backends: number;
  /** WAL writer, checkpointer, background writer, autovacuum (shared with the server's other users). */
  readonly background: number;
}

/** CPU used between two snapshots; a process that appeared in between counts from its start. */
export function pgCpuBetween(before: PgCpuSnapshot, after: PgCpuSnapshot): PgCpu {
  let backends = 0;
  let background = 0;
  for (const [pid, p] of after) {
    const d = Math.max(0, p.cpu - (before.get(pid)?.cpu ?? 0));
    if (p.kind === 'backend') backends += d;
    else background += d;
  }
  return { backends, background };
}

/** Jiffies of the whole machine so far (first line of /proc/stat): busy and total. */
export function machineJiffies(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((s, v) => s + v, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Share of the machine's CPU time that was busy between two readings (all processes, 0..1). */
export function machineBusy(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : NaN;
}
