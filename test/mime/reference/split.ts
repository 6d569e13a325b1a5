/**
 * Byte-exact MIME split on top of @zone-eu/mailsplit: offsets come from counting the lengths
 * of the emitted chunks in order (the stream is lossless, see deps.md §b). mailsplit does not
 * say where a part ends, so ends are derived here: a part ends where the delimiter line of an
 * enclosing multipart begins, minus the line break before it, which belongs to the delimiter
 * (RFC 2046 §5.1.1). Embedded messages are not descended into here (`ignoreEmbedded`); the
 * indexer splits message/rfc822 bodies itself, so every nesting level takes one path.
 */
import { Splitter } from '@zone-eu/mailsplit';
import type { MimeNode, SplitterChunk } from '@zone-eu/mailsplit';
import { LIMITS } from '../../../src/core/limits.ts';
import { findHeaderEnd } from '../../../src/mime/headers.ts';

/** A part found by the splitter: header [hStart, hEnd), body [hEnd, end), children if multipart. */
export interface SplitNode {
  hStart: number;
  hEnd: number;
  end: number;
  /** Set when mailsplit found delimiter lines, so the part is a multipart with parts. */
  children: SplitNode[];
}

interface Work extends SplitNode {
  parent: Work | null;
  boundary: Buffer | null;
  children: Work[];
}

/** Splits `raw[start, end)` as one message; never rejects (falls back to one leaf part). */
export async function splitMessage(raw: Buffer, start = 0, end = raw.length): Promise<SplitNode> {
  try {
    const tree = await runSplitter(raw, start, end);
    if (tree) return strip(tree);
  } catch {
    // mailsplit refuses huge headers and too many parts (EMAXLEN): fall back below.
  }
  return { hStart: start, hEnd: findHeaderEnd(raw, start, end), end, children: [] };
}

function strip(w: Work): SplitNode {
  return { hStart: w.hStart, hEnd: w.hEnd, end: w.end, children: w.children.map(strip) };
}

function runSplitter(raw: Buffer, start: number, end: number): Promise<Work | null> {
  return new Promise((resolve, reject) => {
    const splitter = new Splitter({
      ignoreEmbedded: true,
      // Beyond this we would drop parts anyway; a bound keeps memory in check.
      maxChildNodes: LIMITS.mimeParts * 2,
    });
    const nodes = new Map<MimeNode, Work>();
    let root: Work | null = null;
    let current: Work | null = null;
    let off = start;

    const extend = (w: Work | null, to: number): void => {
      for (let n = w; n; n = n.parent) if (n.end < to) n.end = to;
    };

    splitter.on('data', (chunk: SplitterChunk) => {
      if (chunk.type === 'node') {
        const len = chunk.getHeaders().length;
        const parent = chunk.parentNode ? (nodes.get(chunk.parentNode) ?? null) : null;
        const boundary = chunk._boundary && chunk.multipart ? chunk._boundary : null;
        const w: Work = { hStart: off, hEnd: off + len, end: off + len, children: [], parent, boundary };
        nodes.set(chunk, w);
        if (parent) parent.children.push(w);
        else root ??= w;
        extend(w, w.hEnd);
        current = w;
        off += len;
        return;
      }
      const s = off;
      off += chunk.value.length;
      if (chunk.type === 'body') {
        extend(nodes.get(chunk.node) ?? current, off);
        return;
      }
      current = dataChunk(raw, s, off, nodes.get(chunk.node) ?? current, current, extend);
    });
    // The typings only declare 'data'; the rest are the plain stream events.
    const stream: NodeJS.EventEmitter = splitter;
    stream.on('error', reject);
    stream.on('end', () => {
      // The stream must have given back every byte, or our offsets mean nothing.
      if (!root || off !== end) return resolve(null);
      root.end = end;
      resolve(root);
    });
    splitter.end(raw.subarray(start, end));
  });
}

/**
 * Walks the lines of a multipart "data" chunk [s, e): delimiter lines end the open parts below
 * the multipart that owns the boundary; anything else (preamble, epilogue) extends its owner.
 */
function dataChunk(
  raw: Buffer,
  s: number,
  e: number,
  owner: Work | null,
  current: Work | null,
  extend: (w: Work | null, to: number) => void,
): Work | null {
  let lineStart = s;
  while (lineStart < e) {
    let lineEnd = raw.indexOf(0x0a, lineStart);
    lineEnd = lineEnd < 0 || lineEnd >= e ? e : lineEnd + 1;
    // A chunk may start with the line break that precedes the delimiter.
    let dash = lineStart;
    if (raw[dash] === 0x0d) dash++;
    if (raw[dash] === 0x0a) dash++;
    const m = dash < lineEnd ? delimiterOwner(raw, dash, lineEnd, current) : null;
    if (m) {
      const cut = dash - lineBreakBefore(raw, dash);
      for (let n = current; n && n !== m; n = n.parent) {
        n.end = Math.max(n.hEnd, Math.min(n.end, cut));
      }
      extend(m, lineEnd);
      // After a closing delimiter, what follows is the owner's epilogue (RFC 2046 §5.1.1).
      current = m;
      owner = m;
    } else {
      extend(owner, lineEnd);
    }
    lineStart = lineEnd;
  }
  return current;
}

function lineBreakBefore(raw: Buffer, pos: number): number {
  if (pos >= 2 && raw[pos - 1] === 0x0a && raw[pos - 2] === 0x0d) return 2;
  if (pos >= 1 && (raw[pos - 1] === 0x0a || raw[pos - 1] === 0x0d)) return 1;
  return 0;
}

/** The open multipart whose boundary this line is a delimiter of (RFC 2046 §5.1.1), or null. */
function delimiterOwner(raw: Buffer, pos: number, lineEnd: number, from: Work | null): Work | null {
  if (raw[pos] !== 0x2d || raw[pos + 1] !== 0x2d) return null;
  for (let n = from; n; n = n.parent) {
    const b = n.boundary;
    if (!b || pos + 2 + b.length > lineEnd) continue;
    if (raw.compare(b, 0, b.length, pos + 2, pos + 2 + b.length) !== 0) continue;
    let i = pos + 2 + b.length;
    if (raw[i] === 0x2d && raw[i + 1] === 0x2d) i += 2;
    while (i < lineEnd && (raw[i] === 0x20 || raw[i] === 0x09 || raw[i] === 0x0d)) i++;
    if (i < lineEnd && raw[i] === 0x0a) i++;
    if (i === lineEnd) return n;
  }
  return null;
}
