/**
 * Frames POP3 input into lines, one at a time and only when the session asks (so a client
 * pipelining far ahead costs no parsing, RFC 2449 §6.6). Lines end in CRLF; a bare LF is
 * accepted too. A line longer than the limit (CRLF included: 255 octets for commands, RFC 2449
 * §4; more for AUTH responses) is reported once as `too-long` and the rest of it, up to its LF,
 * is dropped without being buffered.
 */

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export type LineEvent = { readonly kind: 'line'; readonly line: Buffer } | { readonly kind: 'too-long' };

export class LineReader {
  private buf: Buffer = EMPTY;
  /** Dropping the tail of a line already reported as too long. */
  private discarding = false;

  /** Bytes received and not yet framed. */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.discarding) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) return;
      this.discarding = false;
      chunk = chunk.subarray(lf + 1);
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** The next line (without its CRLF), `too-long`, or null when no complete line is buffered. */
  next(limit: number): LineEvent | null {
    const buf = this.buf;
    const lf = buf.indexOf(LF);
    if (lf === -1) {
      // Even if the line ended with the next byte, it would be longer than the limit.
      if (buf.length < limit) return null;
      this.buf = EMPTY;
      this.discarding = true;
      return { kind: 'too-long' };
    }
    this.buf = lf + 1 === buf.length ? EMPTY : buf.subarray(lf + 1);
    if (lf + 1 > limit) return { kind: 'too-long' };
    const end = lf > 0 && buf[lf - 1] === CR ? lf - 1 : lf;
    return { kind: 'line', line: buf.subarray(0, end) };
  }

  /** Drops everything buffered (STLS: plaintext sent after the command must not count, RFC 2595 §4). */
  clear(): void {
    this.buf = EMPTY;
    this.discarding = false;
  }
}
