/**
 * The POP3 benchmark: the same measurements against postkontor and, when installed, Debian's
 * dovecot-pop3d, one server after the other in the same run, printed side by side with the
 * targets of issue 4 and the ratio postkontor/Dovecot.
 */
import { has, printComparisonTable, type ComparisonRow } from '../shared/comparison-table.ts';
import { PASSWORD } from '../shared/corpus.ts';
import { dovecotAvailability, removeDir, startDovecot } from '../shared/dovecot.ts';
import { startPostkontor } from '../shared/postkontor.ts';
import type { ServerTarget } from '../shared/target.ts';
import { POP_USER } from './corpus.ts';
import { loginStatUidl, retrThroughput, type LoginResult, type RetrResults } from './measure.ts';
import { deliveredMessage, popDataDir, popDovecotDir, setDovecotHash, setPostkontorHash, type HashKind } from './setup.ts';

export interface Pop3BenchOptions {
  /** Messages in the maildrop. */
  readonly messages: number;
  /** A ~1 MB message at every bigEvery-th place (0: none). */
  readonly bigEvery: number;
  /** Timed logins per password hash kind. */
  readonly loginRuns: number;
  /** Rounds of each RETR measurement (the median is reported). */
  readonly rounds: number;
  /** RETR commands in flight when pipelining. */
  readonly depth: number;
  readonly dovecot: boolean;
}

export interface Pop3ServerResults {
  readonly name: string;
  readonly login: Record<HashKind, LoginResult>;
  readonly retr: RetrResults;
}

async function runAll(
  t: ServerTarget,
  o: Pop3BenchOptions,
  setHash: (kind: HashKind) => Promise<void>,
  log: (s: string) => void,
): Promise<Pop3ServerResults> {
  log(`${t.name}: login + STAT + UIDL of ${o.messages} messages, ${o.loginRuns} runs, cheap hash`);
  const cheap = await loginStatUidl(t.port, POP_USER, PASSWORD, o.loginRuns, 2);
  await setHash('argon2id');
  log(`${t.name}: login + STAT + UIDL, ${o.loginRuns} runs, argon2id`);
  const argon2id = await loginStatUidl(t.port, POP_USER, PASSWORD, o.loginRuns, 1);
  log(`${t.name}: RETR, ${o.rounds} rounds (pipelined ${o.depth} deep, one at a time, 1 MB messages)`);
  const retr = await retrThroughput(t.port, POP_USER, PASSWORD, o.rounds, o.depth, (b) => deliveredMessage(b, o.bigEvery), log);
  return { name: t.name, login: { cheap, argon2id: { ...argon2id, cold: null } }, retr };
}

export async function benchPop3(o: Pop3BenchOptions, log: (s: string) => void): Promise<Pop3ServerResults[]> {
  const results: Pop3ServerResults[] = [];
  const pkDir = await popDataDir(o.messages, o.bigEvery, log);
  try {
    const pk = await startPostkontor(pkDir, 'pop3');
    try {
      results.push(await runAll(pk, o, (kind) => setPostkontorHash(pkDir, kind), log));
    } finally {
      await pk.stop();
    }
  } finally {
    removeDir(pkDir);
  }
  if (!o.dovecot) return results;
  const available = dovecotAvailability();
  if ('reason' in available) {
    log(`dovecot: ${available.reason}`);
    return results;
  }
  const dvDir = popDovecotDir(o.messages, o.bigEvery, log);
  try {
    const dv = await startDovecot(dvDir, available.version, 'pop3');
    try {
      results.push({ ...(await runAll(dv, o, (kind) => setDovecotHash(dvDir, kind), log)), name: `dovecot ${available.version}` });
    } finally {
      await dv.stop();
    }
  } finally {
    removeDir(dvDir);
  }
  return results;
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;

type Row = ComparisonRow<Pop3ServerResults>;

function rows(o: Pop3BenchOptions): Row[] {
  const under100 = (v: number): boolean => v < 100;
  const atLeastDovecot = (v: number, d: number | undefined): boolean | null => (has(d) ? v >= d : null);
  const out: Row[] = [];
  for (const kind of ['cheap', 'argon2id'] as const) {
    const label = kind === 'cheap' ? 'cheap hash' : 'argon2id';
    out.push(
      { name: `login+STAT+UIDL ${o.messages} msgs, ${label}, p50`, get: (r) => r.login[kind].p50, fmt: ms, target: '< 100 ms', ok: under100 },
      { name: `login+STAT+UIDL ${o.messages} msgs, ${label}, p99`, get: (r) => r.login[kind].p99, fmt: ms, target: '< 100 ms', ok: under100 },
    );
  }
  out.push(
    { name: 'login+STAT+UIDL, cold (first login)', get: (r) => r.login.cheap.cold, fmt: ms },
    { name: `RETR all, pipelined, msgs/s`, get: (r) => r.retr.pipelined.messagesPerSecond, fmt: (v) => v.toFixed(0), target: '>= dovecot', ok: atLeastDovecot },
    { name: `RETR all, pipelined, MB/s`, get: (r) => r.retr.pipelined.mbPerSecond, fmt: (v) => v.toFixed(1), target: '>= dovecot', ok: atLeastDovecot },
    { name: `RETR all, one at a time, msgs/s`, get: (r) => r.retr.sequential.messagesPerSecond, fmt: (v) => v.toFixed(0) },
    { name: `RETR all, one at a time, MB/s`, get: (r) => r.retr.sequential.mbPerSecond, fmt: (v) => v.toFixed(1) },
    { name: `RETR 1 MB messages, one at a time, MB/s`, get: (r) => r.retr.big?.mbPerSecond, fmt: (v) => v.toFixed(1) },
  );
  return out;
}

/** Prints one table: figure, postkontor, target (ok/MISSED), Dovecot, ratio postkontor/Dovecot. */
export function printPop3Table(results: readonly Pop3ServerResults[], o: Pop3BenchOptions): void {
  const [pk, dv] = results;
  if (!pk) return;
  printComparisonTable('POP3', rows(o), pk, dv, dv?.name ?? 'dovecot');
  for (const r of results) {
    const { pipelined: p, sequential: s, big: b } = r.retr;
    const c = r.login.cheap;
    const a = r.login.argon2id;
    console.log(
      `  ${r.name}: STAT ${c.messages} msgs, UIDL ${c.uidlLines} lines; login min/max ${ms(c.min)}/${ms(c.max)} cheap, ${ms(a.min)}/${ms(a.max)} argon2id (${c.runs} runs each); ` +
        `RETR median of ${r.retr.rounds}: pipelined (${r.retr.depth} deep) ${p.messages} msgs ${(p.octets / 1e6).toFixed(1)} MB in ${ms(p.ms)}, ` +
        `one at a time ${ms(s.ms)}` +
        (b ? `, ${b.messages} × 1 MB in ${ms(b.ms)}` : '') +
        `; ${r.retr.checked} messages checked byte for byte, every RETR's size = LIST's`,
    );
  }
}
