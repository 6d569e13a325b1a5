/**
 * An independent, deliberately naive MIME splitter for the invariant test: no mailsplit, no
 * libmime, just line scanning (RFC 2046 §5.1.1). The indexer's ranges must agree with it.
 */

/** A part as the naive splitter sees it. */
export interface NaivePart {
  hStart: number;
  hEnd: number;
  end: number;
  children: NaivePart[];
  message: NaivePart | null;
}

function headerEnd(raw: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const nl = raw.indexOf(0x0a, i);
    if (nl < 0 || nl >= end) return end;
    const line = raw.subarray(i, nl + 1).toString('latin1');
    if (line === '\n' || line === '\r\n') return nl + 1;
    i = nl + 1;
  }
  return end;
}

function header(raw: Buffer, start: number, end: number, name: string): string | null {
  const text = raw.subarray(start, end).toString('latin1').replace(/\r?\n[ \t]/g, ' ');
  const m = new RegExp(`^${name}:(.*)$`, 'im').exec(text);
  return m ? m[1]!.trim() : null;
}

/** Splits raw[start, end) as a message or body part; `inDigest` changes the default type. */
export function naiveSplit(raw: Buffer, start: number, end: number, inDigest = false, depth = 0): NaivePart {
  const hEnd = headerEnd(raw, start, end);
  const part: NaivePart = { hStart: start, hEnd, end, children: [], message: null };
  const ct = (header(raw, start, hEnd, 'content-type') ?? (inDigest ? 'message/rfc822' : 'text/plain')).toLowerCase();
  const type = ct.split(';')[0]!.trim();
  const cte = (header(raw, start, hEnd, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  if (type.startsWith('multipart/')) {
    const m = /boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(header(raw, start, hEnd, 'content-type') ?? '');
    const boundary = m ? (m[1] ?? m[2]!) : null;
    if (boundary) part.children = splitBody(raw, hEnd, end, boundary, type === 'multipart/digest', depth);
  } else if ((type === 'message/rfc822' || type === 'message/global') && ['7bit', '8bit', 'binary'].includes(cte)) {
    part.message = naiveSplit(raw, hEnd, end, false, depth + 1);
  }
  return part;
}

function splitBody(raw: Buffer, start: number, end: number, boundary: string, digest: boolean, depth: number): NaivePart[] {
  const delim = `--${boundary}`;
  const parts: NaivePart[] = [];
  let partStart = -1;
  let i = start;
  while (i < end) {
    const nl = raw.indexOf(0x0a, i);
    const lineEnd = nl < 0 || nl >= end ? end : nl + 1;
    const line = raw.subarray(i, lineEnd).toString('latin1').replace(/[ \t\r\n]+$/, '');
    const isClose = line === `${delim}--`;
    if (line === delim || isClose) {
      if (partStart >= 0) {
        // The line break before a delimiter belongs to the delimiter.
        let pEnd = i;
        if (pEnd > partStart && raw[pEnd - 1] === 0x0a) pEnd--;
        if (pEnd > partStart && raw[pEnd - 1] === 0x0d) pEnd--;
        parts.push(naiveSplit(raw, partStart, pEnd, digest, depth + 1));
      }
      if (isClose) return parts;
      partStart = lineEnd;
    }
    i = lineEnd;
  }
  if (partStart >= 0) parts.push(naiveSplit(raw, partStart, end, digest, depth + 1));
  return parts;
}
