import { PkError } from './errors.ts';

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KB: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
};

/**
 * Parses a human size such as `500M`, `2GB`, `1.5G`, `1048576` or `0`/`unlimited` (no quota).
 * Units are binary (1K = 1024), as Dovecot's quota settings are.
 */
export function parseSize(input: string): number {
  const text = input.trim();
  if (/^(unlimited|none)$/i.test(text)) return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text);
  const unit = m?.[2]?.toUpperCase() ?? '';
  const factor = UNITS[unit];
  if (!m || factor === undefined) {
    throw new PkError(
      'PK_ERR_INVALID_SIZE',
      `invalid size "${input}": use a number with an optional unit K, M, G or T (e.g. 500M, 2G), or 0 for unlimited`,
    );
  }
  const value = Math.round(Number(m[1]) * factor);
  if (!Number.isSafeInteger(value)) {
    throw new PkError('PK_ERR_INVALID_SIZE', `invalid size "${input}": too large`);
  }
  return value;
}

/** Formats bytes for people: 0 → "unlimited", else the largest exact-ish binary unit. */
export function formatSize(bytes: number): string {
  if (bytes === 0) return 'unlimited';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return `${s}${units[i]}`;
}
