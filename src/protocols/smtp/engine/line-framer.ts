/**
 * Frames command input into lines (LF-terminated; a CR before the LF is dropped, a bare LF is
 * accepted as most servers do). A line longer than the limit is reported once as too long and its
 * rest, up to the next LF, is dropped without being buffered: the session answers it and goes on
 * with the next line (RFC 5321 §4.5.3.1.4, 500 "line too long").
 */
const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/** `next()` saw a line over the limit. */
export const TOO_LONG = Symbol('too long');

export class LineFramer {
  private buf: Buffer = EMPTY;
  private discarding = false;

  constructor(private readonly limit: number) {}

  /** Bytes received and not yet framed. */
  get buffered(): number {
    return this.buf.length;
  }

  /** A whole line is waiting. */
  get hasLine(): boolean {
    return this.buf.indexOf(LF) !== -1;
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

  /** The next line without its line end, TOO_LONG, or null when no whole line is buffered. */
  next(): Buffer | typeof TOO_LONG | null {
    const buf = this.buf;
    const lf = buf.indexOf(LF);
    if (lf === -1) {
      // Even if the line ended with the next byte it would be over the limit.
      if (buf.length < this.limit) return null;
      this.buf = EMPTY;
      this.discarding = true;
      return TOO_LONG;
    }
    this.buf = lf + 1 === buf.length ? EMPTY : buf.subarray(lf + 1);
    if (lf + 1 > this.limit) return TOO_LONG;
    return buf.subarray(0, lf > 0 && buf[lf - 1] === CR ? lf - 1 : lf);
  }

  /** Everything buffered, which is then forgotten (DATA takes it over). */
  takeAll(): Buffer {
    const b = this.buf;
    this.buf = EMPTY;
    return b;
  }

  /** Drops everything buffered (STARTTLS: plaintext pipelined after it must not count). */
  clear(): void {
    this.buf = EMPTY;
    this.discarding = false;
  }
}
