/**
 * The output side of an IMAP connection: batching, backpressure, COMPRESS=DEFLATE and the
 * socket switch at STARTTLS. Writes made in one turn of the event loop leave in one system call
 * (the socket is corked until the turn ends or 64 KB are waiting): a FETCH answer is many small
 * pieces, and with TCP_NODELAY each would otherwise be its own write and packet.
 */
import type { Socket } from 'node:net';
import zlib from 'node:zlib';

/** Output queued in one turn beyond this is sent at once. */
const OUTPUT_BATCH_BYTES = 64 * 1024;

export class SessionOutput {
  private deflate: zlib.DeflateRaw | null = null;
  private flushPending = false;
  private corked = false;
  private corkedBytes = 0;
  private ended = false;

  constructor(private socket: Socket) {}

  get compressed(): boolean {
    return this.deflate !== null;
  }

  /** Queues output; false when the caller should wait for `drained()`. */
  write(data: string | Buffer): boolean {
    if (this.ended || this.socket.destroyed) return false;
    if (this.deflate) {
      const ok = this.deflate.write(data);
      this.scheduleDeflateFlush();
      return ok;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => this.flush());
    }
    const ok = this.socket.write(data);
    this.corkedBytes += data.length;
    if (this.corkedBytes >= OUTPUT_BATCH_BYTES) this.flush();
    return ok;
  }

  /** Sends what is queued now. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.corkedBytes = 0;
    this.socket.uncork();
  }

  /** Waits until the buffers drained (backpressure for large FETCH responses). */
  async drained(): Promise<void> {
    this.flush();
    const out: NodeJS.WritableStream & { writableNeedDrain: boolean } = this.deflate ?? this.socket;
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

  /** Under COMPRESS, what was written goes out at the end of this turn (one sync flush). */
  private scheduleDeflateFlush(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    setImmediate(() => {
      this.flushPending = false;
      this.deflate?.flush(zlib.constants.Z_SYNC_FLUSH);
    });
  }
}
