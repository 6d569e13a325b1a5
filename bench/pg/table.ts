/**
 * The PostgreSQL bench's tables, in the style of the other benches (figure first, then value
 * columns; load average in the title): one column per setup and a ratio column.
 */
import { loadavg } from 'node:os';

export const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

export function printTable(title: string, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(`\n${title} (load average ${load()})`);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(Math.max(52, widths[0]!)) : c.padStart(Math.max(11, widths[i]!)))).join('   ');
  console.log(line(headers));
  for (const r of rows) console.log(line(r));
}

export const fmtInt = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');
export const fmtMs = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '-');
export const fmtRatio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? (a / b).toFixed(2) : '-');
