/**
 * The output side of an IMAP connection: batching, backpressure, COMPRESS=DEFLATE and the
 * socket switch at STARTTLS. Writes made in one turn of the event loop are gathered here and
 * leave as one buffer in one socket write (at the end of the turn, or as soon as 64 KB are
 * waiting): a FETCH answer is many small pieces (`* 5 FETCH (`, `UID 9`, `{2048}`, the body,
 * `)`), and handing each to the socket costs more than copying it, while with TCP_NODELAY each
 * would otherwise be its own packet.
 *
 * Backpressure: `write()` returns false once the socket (or the deflate stream) holds more than
 * OUTPUT_HIGH_WATER bytes it could not send yet; the caller then waits for `drained()`. A fast
 * client thus never costs a wait, and a slow one holds at most about that much per connection.
 */
import type { Socket } from 'node:net';
import zlib from 'node:zlib';

/** Output gathered in one turn beyond this is sent at once. */
const OUTPUT_BATCH_BYTES = 64 * 1024;
/** Unsent bytes queued in the socket (or deflate stream) above which writers should wait. */
const OUTPUT_HIGH_WATER = 256 * 1024;

export class SessionOutput {
  private deflate: zlib.DeflateRaw | null = null;
  private deflateFlushPending = false;
  /** Gathered output: complete buffers, then the text written since the last buffer. */
  private readonly parts: Buffer[] = [];
  private text = '';
  /** Bytes in `parts` plus characters in `text` (a close enough measure for batching). */
  private pending = 0;
  private flushScheduled = false;
  private ended = false;

  constructor(private socket: Socket) {}

  get compressed(): boolean {
    return this.deflate !== null;
  }

  /** Queues output; false when the caller should wait for `drained()`. */
  write(data: string | Buffer): boolean {
    if (this.ended || this.socket.destroyed) return false;
    if (typeof data === 'string') {
      this.text += data;
    } else {
      if (this.text) this.takeText();
      this.parts.push(data);
    }
    this.pending += data.length;
    if (this.pending >= OUTPUT_BATCH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return this.sink().writableLength + this.pending < OUTPUT_HIGH_WATER;
  }

  /** Sends what is gathered now, as one buffer. */
  flush(): void {
    if (this.pending === 0) return;
    if (this.text) this.takeText();
    const parts = this.parts;
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts.length = 0;
    this.pending = 0;
    if (this.deflate) {
      this.deflate.write(data);
      this.scheduleDeflateFlush();
    } else {
      this.socket.write(data);
    }
  }

  /** Waits until the buffers drained (backpressure for large FETCH responses). */
  async drained(): Promise<void> {
    this.flush();
    const out = this.sink();
    if (this.ended || !out.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      out.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** STARTTLS: what is queued goes out in the clear, everything after on the TLS socket. */
  useSocket(socket: Socket): void {
    this.flush();
    this.socket = socket;
  }

  /** COMPRESS=DEFLATE (RFC 4978): from now on output is a raw deflate stream. */
  compress(): void {
    this.flush();
    const deflate = zlib.createDeflateRaw();
    deflate.pipe(this.socket);
    this.deflate = deflate;
  }

  end(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    if (this.deflate) this.deflate.end();
    else this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private sink(): NodeJS.WritableStream & { writableLength: number; writableNeedDrain: boolean } {
    return this.deflate ?? this.socket;
  }

  private takeText(): void {
    this.parts.push(Buffer.from(this.text, 'utf8'));
    this.text = '';
  }

  /** Under COMPRESS, what was written goes out at the end of this turn (one sync flush). */
  private scheduleDeflateFlush(): void {
    if (this.deflateFlushPending) return;
    this.deflateFlushPending = true;
    setImmediate(() => {
      this.deflateFlushPending = false;
      this.deflate?.flush(zlib.constants.Z_SYNC_FLUSH);
    });
  }
}
