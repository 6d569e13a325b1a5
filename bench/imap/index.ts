/**
 * The IMAP benchmark: the same measurements against postkontor and, when installed, Debian's
 * Dovecot, one server after the other in the same run, printed side by side with the targets of
 * issue 3 and the ratio postkontor/Dovecot.
 */
import { printComparisonTable, type ComparisonRow } from '../shared/comparison-table.ts';
import { dovecotAvailability, removeDir, startDovecot } from '../shared/dovecot.ts';
import { startPostkontor } from '../shared/postkontor.ts';
import {
  bodyFetch,
  idleLatency,
  idleMemory,
  selectTime,
  uidFetchFlags,
  type BodyFetchResult,
  type FlagsFetchResult,
  type IdleMemoryResult,
  type LatencyResult,
  type SelectResult,
} from './measure.ts';
import { imapDataDir, imapDovecotDir } from './setup.ts';
import type { ServerTarget } from '../shared/target.ts';

export interface ImapBenchOptions {
  /** Messages in the big INBOX (SELECT, UID FETCH, body FETCH). */
  readonly messages: number;
  /** Messages in the small INBOX used by the IDLE runs. */
  readonly smallMessages: number;
  readonly latencySamples: number;
  readonly selectRuns: number;
  readonly flagFetchRuns: number;
  readonly bodyFetchMessages: number;
  readonly bodyFetchRuns: number;
  /** Cumulative idle connection counts to measure at, e.g. [1000, 5000]. */
  readonly idleSteps: readonly number[];
  readonly dovecot: boolean;
}

export interface ServerResults {
  readonly name: string;
  readonly select: SelectResult;
  readonly flags: FlagsFetchResult;
  readonly bodies: BodyFetchResult;
  readonly latency: LatencyResult;
  readonly memory: IdleMemoryResult;
}

async function runAll(t: ServerTarget, o: ImapBenchOptions, log: (s: string) => void): Promise<ServerResults> {
  log(`${t.name}: SELECT, UID FETCH and body FETCH on ${o.messages} messages`);
  const { result: select, client } = await selectTime(t, o.selectRuns);
  const flags = await uidFetchFlags(client, o.flagFetchRuns);
  const bodies = await bodyFetch(client, Math.min(o.bodyFetchMessages, o.messages), o.bodyFetchRuns);
  await client.ok('LOGOUT').catch(() => undefined);
  client.close();
  log(`${t.name}: IDLE latency, ${o.latencySamples} samples`);
  const latency = await idleLatency(t, o.latencySamples);
  log(`${t.name}: idle connections ${o.idleSteps.join(', ')}`);
  const memory = await idleMemory(t, o.idleSteps, log);
  return { name: t.name, select, flags, bodies, latency, memory };
}

export async function benchImap(o: ImapBenchOptions, log: (s: string) => void): Promise<ServerResults[]> {
  const results: ServerResults[] = [];
  const pkDir = await imapDataDir(o.messages, o.smallMessages, log);
  const pk = await startPostkontor(pkDir, 'imap');
  try {
    results.push(await runAll(pk, o, log));
  } finally {
    await pk.stop();
    removeDir(pkDir);
  }
  if (!o.dovecot) return results;
  const available = dovecotAvailability();
  if ('reason' in available) {
    log(`dovecot: ${available.reason}`);
    return results;
  }
  const { version } = available;
  const dvDir = imapDovecotDir(o.messages, o.smallMessages, log);
  try {
    const dv = await startDovecot(dvDir, version, 'imap');
    try {
      results.push({ ...(await runAll(dv, o, log)), name: `dovecot ${version}` });
    } finally {
      await dv.stop();
    }
  } finally {
    removeDir(dvDir);
  }
  return results;
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;
const kb = (v: number): string => `${(v / 1024).toFixed(1)} KB`;
const mb = (v: number): string => `${(v / 1024 / 1024).toFixed(0)} MB`;

type Row = ComparisonRow<ServerResults>;

function rows(o: ImapBenchOptions): Row[] {
  const out: Row[] = [
    { name: 'IDLE notify after A\'s OK, p50', get: (r) => r.latency.afterOk.p50, fmt: ms },
    { name: 'IDLE notify after A\'s OK, p99', get: (r) => r.latency.afterOk.p99, fmt: ms, target: '< 50 ms', ok: (v) => v < 50 },
    { name: 'IDLE notify after A sent STORE, p50', get: (r) => r.latency.afterSend.p50, fmt: ms },
    { name: 'IDLE notify after A sent STORE, p99', get: (r) => r.latency.afterSend.p99, fmt: ms, target: '< 50 ms', ok: (v) => v < 50 },
    { name: `SELECT ${o.messages} msgs, warm median`, get: (r) => r.select.warm.median, fmt: ms, target: '< 200 ms', ok: (v) => v < 200 },
    { name: `SELECT ${o.messages} msgs, cold (first)`, get: (r) => r.select.cold, fmt: ms },
    { name: 'UID FETCH 1:* (FLAGS), complete', get: (r) => r.flags.ms, fmt: ms },
    { name: 'UID FETCH 1:* (FLAGS), first line', get: (r) => r.flags.firstLineMs, fmt: ms },
    { name: `FETCH 1:${Math.min(o.bodyFetchMessages, o.messages)} BODY.PEEK[], msgs/s`, get: (r) => r.bodies.messagesPerSecond, fmt: (v) => v.toFixed(0) },
    { name: 'FETCH BODY.PEEK[], MB/s', get: (r) => r.bodies.mbPerSecond, fmt: (v) => v.toFixed(1) },
  ];
  o.idleSteps.forEach((n, i) => {
    out.push({ name: `server memory, ${n} IDLE conns (rss; dovecot pss)`, get: (r) => r.memory.points[i]?.memory.pss, fmt: mb });
    out.push({ name: `  per conn, ${n} (rss delta; dovecot pss)`, get: (r) => r.memory.points[i]?.pssPerConnection, fmt: kb });
    out.push({
      name: `  heap per conn after GC, ${n}`,
      get: (r) => r.memory.points[i]?.heapPerConnection,
      fmt: kb,
      target: '< 64 KB',
      ok: (v) => v < 64 * 1024,
    });
  });
  const last = o.idleSteps[o.idleSteps.length - 1] ?? 0;
  out.push({
    name: `${last} concurrent IDLE connections work`,
    get: (r) => r.memory.points.find((p) => p.connections >= last)?.connections ?? 0,
    fmt: (v) => String(v),
    target: `${last}`,
    ok: (v) => v >= last,
  });
  out.push({ name: `  one STORE heard by all ${last}, last after`, get: (r) => r.memory.fanout?.lastMs, fmt: ms });
  return out;
}

/** Prints one table: figure, postkontor, target (ok/MISSED), Dovecot, ratio postkontor/Dovecot. */
export function printImapTable(results: readonly ServerResults[], o: ImapBenchOptions): void {
  const [pk, dv] = results;
  if (!pk) return;
  printComparisonTable('IMAP', rows(o), pk, dv, dv?.name ?? 'dovecot', 9);
  for (const r of results) {
    const l = r.latency;
    const f = r.memory.fanout;
    console.log(
      `  ${r.name}: latency n=${l.samples} (missed ${l.missed}, max ${ms(l.afterSend.max)}); ` +
        `SELECT warm min/max ${ms(r.select.warm.min)}/${ms(r.select.warm.max)} (${r.select.exists} EXISTS); ` +
        `UID FETCH ${r.flags.lines} lines ${(r.flags.bytes / 1e6).toFixed(1)} MB; ` +
        `body FETCH ${r.bodies.messages} msgs in ${ms(r.bodies.ms)}; ` +
        `baseline ${mb(r.memory.baseline.rss)} rss${r.memory.baseline.processes > 1 ? ` / ${mb(r.memory.baseline.pss)} pss in ${r.memory.baseline.processes} processes` : ''}` +
        (r.memory.points.length ? `; at ${r.memory.points.at(-1)!.connections}: ${r.memory.points.at(-1)!.memory.processes} processes, rss sum ${mb(r.memory.points.at(-1)!.memory.rss)}` : '') +
        (f ? `; fan-out heard ${f.heard}/${f.of}, p50 ${ms(f.p50Ms)}` : '') +
        (r.memory.error ? `; ERROR ${r.memory.error}` : ''),
    );
  }
}
