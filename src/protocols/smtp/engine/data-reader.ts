/**
 * The DATA section (RFC 5321 §4.1.1.4, §4.5.2): removes dot-stuffing and finds the end of data,
 * `<CRLF>.<CRLF>`, and nothing else: a bare LF or bare CR never starts a line here, so `<LF>.<LF>`
 * or `<CR>.<CR>` cannot end a message (the SMTP smuggling class, CVE-2023-51764; line-ends.ts
 * does the rest). Lines of any length are accepted; bytes past the size limit are counted, not kept.
 *
 * Fed in whatever chunks the socket delivers. It only ever looks at bytes with Buffer.indexOf
 * (for `\r\n.`) and at the few bytes after a line start, so a 10 MB message costs a handful of
 * native searches, not a JavaScript loop per byte. The message's final CRLF belongs to it.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF_DOT = Buffer.from('\r\n.');
const HELD_CR = Buffer.from('\r');

/** Where the previous chunk left off. */
const enum At {
  /** Inside a line, the last byte was not CR. */
  Mid,
  /** Inside a line, the last byte was CR. */
  Cr,
  /** At the start of a line (after CRLF, or the start of DATA). */
  LineStart,
  /** A line began with `.`: dropped (unstuffed), deciding what follows. */
  Dot,
  /** `.` then CR at a line start: the end unless something other than LF follows. */
  DotCr,
}

export class DataReader {
  private at = At.LineStart;
  private chunks: Buffer[] = [];
  private kept = 0;
  /** Octets of the unstuffed message so far, also past the limit. */
  size = 0;

  constructor(private readonly limit: number) {}

  /** Message octets beyond the limit were received (and dropped). */
  get tooBig(): boolean {
    return this.size > this.limit;
  }

  /**
   * Consumes `chunk`; returns how many of its bytes belong to DATA (the terminator included) once
   * the end was found, or -1 when all of it was consumed and the end is still to come.
   */
  feed(chunk: Buffer): number {
    const len = chunk.length;
    let i = 0;
    let start = 0;
    let at = this.at;
    while (i < len) {
      switch (at) {
        case At.Mid: {
          const idx = chunk.indexOf(CRLF_DOT, i);
          if (idx !== -1) {
            // Keep the CRLF, drop the dot.
            this.keep(chunk, start, idx + 2);
            i = start = idx + 3;
            at = At.Dot;
            break;
          }
          // No line start with a dot in the rest: keep it all, remember a trailing CR or CRLF.
          // (A CRLF split across chunks is seen by the Cr state of the next chunk.)
          if (chunk[len - 1] === CR) at = At.Cr;
          else if (len - i >= 2 && chunk[len - 1] === LF && chunk[len - 2] === CR) at = At.LineStart;
          i = len;
          break;
        }
        case At.Cr:
          if (chunk[i] === LF) {
            i++;
            at = At.LineStart;
          } else at = At.Mid;
          break;
        case At.LineStart:
          if (chunk[i] === DOT) {
            this.keep(chunk, start, i);
            i = start = i + 1;
            at = At.Dot;
          } else at = At.Mid;
          break;
        case At.Dot:
          if (chunk[i] === CR) {
            this.keep(chunk, start, i);
            i = start = i + 1;
            at = At.DotCr;
          } else at = At.Mid;
          break;
        case At.DotCr:
          if (chunk[i] === LF) {
            this.at = At.LineStart;
            return i + 1;
          }
          // `.` CR and not LF: an ordinary line after all; the CR is message data.
          this.keepBuffer(HELD_CR);
          at = At.Mid;
          break;
      }
    }
    this.keep(chunk, start, len);
    this.at = at;
    return -1;
  }

  /** The whole unstuffed message (null when it was too big), and the reader is reset. */
  take(): Buffer | null {
    const out = this.tooBig ? null : this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
    this.chunks = [];
    this.kept = 0;
    this.size = 0;
    this.at = At.LineStart;
    return out;
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    if (to > from) this.keepBuffer(chunk.subarray(from, to));
  }

  private keepBuffer(part: Buffer): void {
    this.size += part.length;
    if (this.size > this.limit) {
      this.chunks = [];
      this.kept = 0;
      return;
    }
    this.chunks.push(part);
    this.kept += part.length;
  }
}
