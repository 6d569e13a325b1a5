/**
 * TOP n m (RFC 1939 §7): the header, the blank line that ends it, then the first m lines of
 * the body. Works on the raw message ahead of the dot-stuffer, so a line is what the CRLF form
 * makes a line: it ends at LF (a bare CR does not end one), and it is empty when nothing or
 * only a CR precedes its LF. A message without an empty line is all header.
 */

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class TopCutter {
  /** The cut point was reached: stop reading the message. */
  done = false;
  private inHeader = true;
  private bodyLinesLeft: number;
  /** Bytes of the current (unfinished) line seen in earlier chunks. */
  private lineBytes = 0;
  /** The last of those bytes was CR. */
  private lineEndsCR = false;

  constructor(bodyLines: number) {
    this.bodyLinesLeft = bodyLines;
  }

  /** The part of `chunk` to send (all of it, or up to the cut point). */
  push(chunk: Buffer): Buffer {
    if (this.done) return EMPTY;
    const n = chunk.length;
    let pos = 0;
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, pos)) {
      const len = this.lineBytes + (i - pos);
      const endsCR = i > pos ? chunk[i - 1] === CR : this.lineEndsCR;
      const empty = len === 0 || (len === 1 && endsCR);
      this.lineBytes = 0;
      this.lineEndsCR = false;
      pos = i + 1;
      if (this.inHeader) {
        if (!empty) continue;
        this.inHeader = false;
        if (this.bodyLinesLeft > 0) continue;
      } else if (--this.bodyLinesLeft > 0) {
        continue;
      }
      this.done = true;
      return chunk.subarray(0, pos);
    }
    if (pos < n) {
      this.lineBytes += n - pos;
      this.lineEndsCR = chunk[n - 1] === CR;
    }
    return chunk;
  }
}
