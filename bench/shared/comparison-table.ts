/**
 * The table every bench beside Dovecot prints: figure, postkontor, target (ok/MISSED), the other
 * server, and the ratio postkontor/other.
 */
import { loadavg } from 'node:os';

export const has = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

export interface ComparisonRow<R> {
  readonly name: string;
  readonly get: (r: R) => number | null | undefined;
  readonly fmt: (v: number) => string;
  readonly target?: string;
  /** Verdict from postkontor's value and the other server's (when there is one); null: none. */
  readonly ok?: (v: number, other: number | undefined) => boolean | null;
}

export function printComparisonTable<R>(
  title: string,
  rows: readonly ComparisonRow<R>[],
  pk: R,
  other: R | undefined,
  otherName: string,
  targetWidth = 10,
): void {
  console.log(`\n${title} (load average ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  console.log(
    `${'figure'.padEnd(46)} ${'postkontor'.padStart(11)}   ${'target'.padEnd(targetWidth)} ${''.padEnd(6)} ${otherName.padStart(16)} ${'ratio pk/dv'.padStart(11)}`,
  );
  for (const row of rows) {
    const v = row.get(pk);
    const d = other ? row.get(other) : undefined;
    const verdict = row.ok && has(v) ? row.ok(v, has(d) ? d : undefined) : null;
    const ratio = has(v) && has(d) && d !== 0 ? (v / d).toFixed(2) : '-';
    console.log(
      `${row.name.padEnd(46)} ${(has(v) ? row.fmt(v) : '-').padStart(11)}   ${(row.target ?? '').padEnd(targetWidth)} ${(verdict === null ? '' : verdict ? 'ok' : 'MISSED').padEnd(6)} ${(has(d) ? row.fmt(d) : '-').padStart(16)} ${ratio.padStart(11)}`,
    );
  }
}
