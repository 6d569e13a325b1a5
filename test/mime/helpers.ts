/**
 * Shared helpers for the MIME tests: the fixture corpus, a flattening of the part tree for
 * goldens, and a tiny IMAP s-expression checker that also consumes literals.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MimePart } from '../../src/mime/types.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'mime');

/** Every `.eml` of the corpus, by name (without extension), sorted. */
export function corpus(): { name: string; raw: Buffer }[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => ({ name: f.slice(0, -4), raw: readFileSync(join(FIXTURES, f)) }));
}

/** Every part of a tree, depth first, embedded message roots included. */
export function allParts(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const walk = (p: MimePart): void => {
    out.push(p);
    p.children?.forEach(walk);
    if (p.message) walk(p.message.body);
  };
  walk(root);
  return out;
}

/**
 * Checks that `text` is exactly one parenthesised IMAP list of NIL, numbers, atoms, quoted
 * strings and `{n}\r\n` literals (n counted in UTF-8 octets). Returns an error text or null.
 */
export function checkSexp(text: string): string | null {
  const b = Buffer.from(text, 'utf8');
  let i = 0;
  let depth = 0;
  let lists = 0;
  let prevWasItem = false;
  while (i < b.length) {
    const c = b[i]!;
    if (depth === 0 && lists > 0) return `trailing data at ${i}`;
    if (c === 0x28) {
      if (prevWasItem && depth > 0 && b[i - 1] !== 0x20 && b[i - 1] !== 0x28 && b[i - 1] !== 0x29) return `( glued at ${i}`;
      depth++;
      i++;
      prevWasItem = false;
      continue;
    }
    if (depth === 0) return `item outside list at ${i}`;
    if (c === 0x29) {
      depth--;
      if (depth === 0) lists++;
      i++;
      prevWasItem = true;
      continue;
    }
    if (c === 0x20) {
      if (b[i + 1] === 0x20 || b[i + 1] === 0x29) return `stray space at ${i}`;
      i++;
      continue;
    }
    if (c === 0x22) {
      i++;
      while (i < b.length && b[i] !== 0x22) {
        if (b[i] === 0x5c) {
          if (b[i + 1] !== 0x22 && b[i + 1] !== 0x5c) return `bad escape at ${i}`;
          i++;
        } else if (b[i]! >= 0x80 || b[i] === 0x0d || b[i] === 0x0a || b[i] === 0) {
          return `8-bit or CR/LF/NUL in quoted string at ${i}`;
        }
        i++;
      }
      if (i >= b.length) return 'unterminated quoted string';
      i++;
    } else if (c === 0x7b) {
      const close = b.indexOf(0x7d, i);
      if (close < 0) return 'unterminated literal length';
      const n = Number(b.subarray(i + 1, close).toString());
      if (!Number.isInteger(n) || b[close + 1] !== 0x0d || b[close + 2] !== 0x0a) return `bad literal at ${i}`;
      i = close + 3 + n;
      if (i > b.length) return 'literal runs past the end';
    } else {
      const start = i;
      while (i < b.length && b[i] !== 0x20 && b[i] !== 0x28 && b[i] !== 0x29) i++;
      const atom = b.subarray(start, i).toString();
      if (atom !== 'NIL' && !/^\d+$/.test(atom)) return `unexpected atom ${JSON.stringify(atom)} at ${start}`;
    }
    prevWasItem = true;
  }
  if (depth !== 0) return 'unbalanced parentheses';
  if (lists !== 1) return `expected one list, got ${lists}`;
  return null;
}
