/**
 * FETCH BODY[section] resolution over the stored index (RFC 3501 §6.4.5, RFC 9051 §6.4.5):
 * a section spec becomes a byte range of the raw message, so no re-parse is needed.
 */
import type { MessageIndex, MimePart } from './types.ts';

/** A half-open byte range [start, end) into the raw message. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Resolves "", "1.2", "HEADER", "TEXT", "1.MIME", "2.HEADER", "2.TEXT" (case-insensitive) to a
 * byte range; null when the section does not exist. "HEADER.FIELDS (...)" callers pass "HEADER"
 * and filter with `filterHeaderFields`.
 */
export function sectionRange(index: MessageIndex, section: string): ByteRange | null {
  const spec = section.trim().toUpperCase();
  if (spec === '') return { start: 0, end: index.size };
  const parts = spec.split('.');
  let last = parts[parts.length - 1]!;
  const nums = /^\d+$/.test(last) ? parts : parts.slice(0, -1);
  if (nums === parts) last = '';
  if (!nums.every((n) => /^[1-9]\d*$/.test(n))) return null;

  // No part number: the message itself.
  if (nums.length === 0) {
    if (last === 'HEADER') return { start: index.root.headerStart, end: index.root.headerEnd };
    if (last === 'TEXT') return { start: index.root.bodyStart, end: index.size };
    return null;
  }
  const part = findPart(index.root, nums.map(Number));
  if (!part) return null;
  switch (last) {
    case '':
      return { start: part.bodyStart, end: part.bodyEnd };
    case 'MIME':
      return { start: part.headerStart, end: part.headerEnd };
    case 'HEADER':
    case 'TEXT': {
      // Only a message/rfc822 part has a HEADER and TEXT of its own (RFC 3501 §6.4.5).
      const inner = part.message?.body;
      if (!inner) return null;
      return last === 'HEADER'
        ? { start: inner.headerStart, end: inner.headerEnd }
        : { start: inner.bodyStart, end: part.bodyEnd };
    }
    default:
      return null;
  }
}

/**
 * Walks part numbers from a message root. A non-multipart message has exactly one part, "1",
 * which is the message body; a message/rfc822 part's children are those of its message.
 */
export function findPart(messageRoot: MimePart, nums: number[]): MimePart | null {
  let msg: MimePart = messageRoot;
  let cur: MimePart | null = null;
  for (const n of nums) {
    if (cur !== null) {
      // Going deeper than a leaf is only possible through an embedded message.
      if (cur.children) {
        cur = cur.children[n - 1] ?? null;
        if (!cur) return null;
        continue;
      }
      if (!cur.message) return null;
      msg = cur.message.body;
    }
    if (msg.children) cur = msg.children[n - 1] ?? null;
    else cur = n === 1 ? msg : null;
    if (!cur) return null;
  }
  return cur;
}

/**
 * BODY[HEADER.FIELDS (...)] and HEADER.FIELDS.NOT (RFC 3501 §6.4.5): the header lines whose
 * field name is (or with `not`, is not) in `fields`, folded continuation lines included,
 * followed by the blank line.
 */
export function filterHeaderFields(headerBytes: Buffer, fields: string[], not: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const out: Buffer[] = [];
  let keep = false;
  let pos = 0;
  while (pos < headerBytes.length) {
    let nl = headerBytes.indexOf(0x0a, pos);
    nl = nl < 0 ? headerBytes.length : nl + 1;
    const line = headerBytes.subarray(pos, nl);
    pos = nl;
    // The blank line ends the header; what follows (if anything) is not header.
    if ((line.length === 1 && line[0] === 0x0a) || (line.length === 2 && line[0] === 0x0d && line[1] === 0x0a)) break;
    if (line[0] === 0x20 || line[0] === 0x09) {
      if (keep) out.push(line);
      continue;
    }
    const colon = line.indexOf(0x3a);
    if (colon <= 0) {
      keep = false;
      continue;
    }
    const name = line.subarray(0, colon).toString('latin1').trim().toLowerCase();
    keep = wanted.has(name) !== not;
    if (keep) out.push(line);
  }
  // A final header line without its line break still needs one before the blank line.
  const lastLine = out[out.length - 1];
  if (lastLine && lastLine[lastLine.length - 1] !== 0x0a) out.push(Buffer.from('\r\n'));
  out.push(Buffer.from('\r\n'));
  return Buffer.concat(out);
}
