/**
 * Decoded text of text/* parts for search and preview: transfer decoding (RFC 2045 §6),
 * charset conversion, and a deliberately small HTML-to-text reduction. Never throws.
 */
import { decodeCharset } from './charset.ts';

/** Undoes base64 or quoted-printable (RFC 2045 §6.7, §6.8); other encodings pass through. */
export function decodeTransfer(body: Buffer, encoding: string): Buffer {
  if (encoding === 'base64') {
    // Node's decoder skips characters outside the alphabet, as RFC 2045 §6.8 asks.
    return Buffer.from(body.toString('latin1'), 'base64');
  }
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function hex(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.alloc(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    const hi = hex(body[i + 1]);
    const lo = hex(body[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[n++] = hi * 16 + lo;
      i += 2;
      continue;
    }
    // Soft line break: "=" then optional whitespace then the line end (RFC 2045 §6.7 rule 5).
    let j = i + 1;
    while (body[j] === 0x20 || body[j] === 0x09) j++;
    if (body[j] === 0x0d && body[j + 1] === 0x0a) i = j + 1;
    else if (body[j] === 0x0a) i = j;
    else if (j >= body.length) i = j;
    else out[n++] = c; // A stray "=" is kept, as robust decoders do.
  }
  return out.subarray(0, n);
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
  euro: '€', auml: 'ä', ouml: 'ö', uuml: 'ü', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß',
};

function entity(name: string): string {
  if (name[0] === '#') {
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
      ? String.fromCodePoint(code)
      : '';
  }
  return ENTITIES[name] ?? `&${name};`;
}

/** Reduces HTML to its visible text, good enough for search and previews (not for display). */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|\/p|\/div|\/tr|\/li|\/h[1-6])\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#?[a-zA-Z0-9]{1,10});/g, (_m, name: string) => entity(name));
}

/** Decodes a text/* body to Unicode; HTML is reduced to text. */
export function partText(body: Buffer, encoding: string, charset: string | undefined, subtype: string): string {
  const text = decodeCharset(decodeTransfer(body, encoding), charset);
  return subtype === 'html' ? htmlToText(text) : text;
}

/** Counts lines as a reader would: line breaks, plus one for a final line without one. */
export function countLines(raw: Uint8Array, start: number, end: number): number {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let lines = 0;
  // indexOf is native: one call per line instead of a JS step per byte.
  for (let i = buf.indexOf(0x0a, start); i !== -1 && i < end; i = buf.indexOf(0x0a, i + 1)) lines++;
  if (end > start && buf[end - 1] !== 0x0a) lines++;
  return lines;
}

/** Collapses whitespace runs to one space and trims (RFC 8970 §3.1 preview). */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0\u200b]+/g, ' ').trim();
}

/** Whether a UTF-16 unit is in `collapseWhitespace`'s class: JS `\s` (ECMA-262 WhiteSpace and LineTerminator), NBSP and ZWSP. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * The first `maxPoints` code points of `collapseWhitespace(text.slice(0, maxUnits))`, in one pass
 * that stops once they are found (the preview needs 200 of them, not the whole collapsed text).
 */
export function collapsedPrefix(text: string, maxUnits: number, maxPoints: number): string {
  const limit = Math.min(text.length, maxUnits);
  let out = '';
  let points = 0;
  let space = false;
  let runStart = 0;
  let i = 0;
  // Copies runs of non-space units at once; a run ends at a space or at the point limit.
  while (i < limit && points < maxPoints) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      if (runStart < i) out += text.slice(runStart, i);
      if (out !== '') space = true;
      runStart = ++i;
      continue;
    }
    if (space) {
      out += ' ';
      space = false;
      if (++points === maxPoints) break;
    }
    // A surrogate pair is one code point; a lone surrogate (also one cut off at `limit`) is one too.
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < limit && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    points++;
  }
  if (runStart < i) out += text.slice(runStart, i);
  return out;
}
