/**
 * The streaming encoder of a POP3 multi-line message answer (RFC 1939 §3): the message's CRLF
 * form (bare LF becomes CRLF, bare CR stays, a final CRLF is added when missing; exactly what
 * src/mime/crlf.ts counts) with every line that starts with "." given one more "."; `end()`
 * closes the answer with ".CRLF".
 *
 * RETR throughput is benchmarked, so the scan jumps from LF to LF with the native
 * Buffer.indexOf and a chunk that needs no change (the common case: CRLF mail, no line starting
 * with a dot) is passed through as is, without a copy. A chunk that needs insertions is copied
 * once. CR and LF split across chunks are handled by the carried state.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const EMPTY = Buffer.alloc(0);
const TERMINATOR = Buffer.from('.\r\n');
const CRLF_TERMINATOR = Buffer.from('\r\n.\r\n');

export class DotStuffer {
  /** Octets of the CRLF form passed through so far, before stuffing (== crlfLength of the input once ended). */
  crlfOctets = 0;
  /** The previous input byte was CR (a LF at the start of the next chunk is not bare). */
  private prevCR = false;
  /** The next output byte starts a line (the previous one was LF, or nothing was sent yet). */
  private lineStart = true;
  /** Insertion points of the current chunk, reused: position * 2 + (0: CR, 1: dot). */
  private readonly inserts: number[] = [];

  /** Encodes one chunk of the raw message; may return `chunk` itself. */
  push(chunk: Buffer): Buffer {
    const n = chunk.length;
    if (n === 0) return EMPTY;
    const ins = this.inserts;
    ins.length = 0;
    let crs = 0;
    if (this.lineStart && chunk[0] === DOT) ins.push(1);
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
      if (i === 0 ? !this.prevCR : chunk[i - 1] !== CR) {
        ins.push(i * 2);
        crs++;
      }
      if (i + 1 < n && chunk[i + 1] === DOT) ins.push((i + 1) * 2 + 1);
    }
    const last = chunk[n - 1];
    this.lineStart = last === LF;
    this.prevCR = last === CR;
    this.crlfOctets += n + crs;
    if (ins.length === 0) return chunk;
    const out = Buffer.allocUnsafe(n + ins.length);
    let from = 0;
    let to = 0;
    for (const code of ins) {
      const pos = code >> 1;
      to += chunk.copy(out, to, from, pos);
      out[to++] = code & 1 ? DOT : CR;
      from = pos;
    }
    chunk.copy(out, to, from, n);
    return out;
  }

  /** The end of the answer: a final CRLF if the message lacks one, then ".CRLF". */
  end(): Buffer {
    if (this.lineStart) return TERMINATOR;
    this.crlfOctets += 2;
    this.lineStart = true;
    return CRLF_TERMINATOR;
  }
}

/** One-shot form for a message read in one go: the whole stuffed body and terminator. */
export function dotStuff(raw: Buffer): { body: Buffer; tail: Buffer; crlfOctets: number } {
  const s = new DotStuffer();
  const body = s.push(raw);
  const tail = s.end();
  return { body, tail, crlfOctets: s.crlfOctets };
}
