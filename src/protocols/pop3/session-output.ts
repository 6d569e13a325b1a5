/**
 * The output side of a POP3 connection. Writes made in one turn of the event loop leave in one
 * system call (the socket is corked until the turn ends or 64 KB wait): pipelined commands
 * (RFC 2449 §6.6) get their answers batched, and a small RETR's status line, body and
 * terminator go out together. `drained()` is the backpressure a streaming RETR waits on.
 */
import type { Socket } from 'node:net';

const OUTPUT_BATCH_BYTES = 64 * 1024;

export class SessionOutput {
  private corked = false;
  private corkedBytes = 0;
  private ended = false;

  constructor(private socket: Socket) {}

  /** Queues output; false when the caller should wait for `drained()`. */
  write(data: string | Buffer): boolean {
    if (this.ended || this.socket.destroyed) return false;
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

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.corkedBytes = 0;
    this.socket.uncork();
  }

  /** Resolves once the socket's buffer drained (or the socket closed). */
  async drained(): Promise<void> {
    this.flush();
    const socket = this.socket;
    if (this.ended || socket.destroyed || !socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    });
  }

  /** STLS: what is queued goes out in the clear, everything after on the TLS socket. */
  useSocket(socket: Socket): void {
    this.flush();
    this.socket = socket;
  }

  end(): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    this.socket.end();
    // A peer that never reads would keep the socket (and its buffers) forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}
