/** Small display helpers shared by the views. */
import type { Addr } from './api.ts';

export function addrText(a: Addr): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

export function addrShort(list: readonly Addr[]): string {
  if (list.length === 0) return '(nobody)';
  return list.map((a) => a.name || a.address).join(', ');
}

const sameDay = (a: Date, b: Date): boolean =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** "14:05" today, "3 Mar" this year, "3 Mar 2023" before. */
export function shortDate(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const now = new Date();
  if (sameDay(d, now)) return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const opts: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return d.toLocaleDateString(undefined, opts);
}

export function longDate(ms: number | string | null): string {
  if (ms === null) return '';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Parses "a@b, Name <c@d>" into bare addresses. */
export function parseAddressList(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => /<([^>]+)>/.exec(s)?.[1]?.trim() ?? s);
}
