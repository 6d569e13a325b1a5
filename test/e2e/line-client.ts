/**
 * A raw CRLF line client for protocol tests (SMTP, IMAP, POP3): every line read is kept with the
 * time it arrived (performance.now()), and reads wait for a matching line, the close, or a
 * deadline; they never sleep.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Line {
  readonly text: string;
  readonly at: number;
}

/** How long a read waits for its line by default. */
export const OP_TIMEOUT_MS = 10_000;

export class LineClient {
  readonly lines: Line[] = [];
  onLine: ((line: Line) => void) | null = null;
  #cursor = 0;
  #buffer = '';
  #waiter: (() => void) | null = null;
  #closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      const at = performance.now();
      this.#buffer += d;
      let i: number;
      while ((i = this.#buffer.indexOf('\r\n')) >= 0) {
        const line = { text: this.#buffer.slice(0, i), at };
        this.lines.push(line);
        this.#buffer = this.#buffer.slice(i + 2);
        this.onLine?.(line);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to 127.0.0.1:`port`, from `localAddress` (another loopback address: another client IP). */
  static open(port: number, localAddress = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress });
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  send(text: string): void {
    this.socket.write(`${text}\r\n`);
  }

  /** Reads lines until one matches; throws when the server closes or does not answer in time. */
  async until(match: RegExp, timeoutMs = OP_TIMEOUT_MS): Promise<Line> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      while (this.#cursor < this.lines.length) {
        const line = this.lines[this.#cursor++]!;
        if (match.test(line.text)) return line;
      }
      if (this.#closed) throw new Error(`connection closed by the server waiting for ${match}; last: ${this.tail()}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no answer within ${timeoutMs} ms waiting for ${match}; last: ${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Sends a command and waits for the line that ends it. */
  async cmd(text: string, done: RegExp, timeoutMs?: number): Promise<Line> {
    this.send(text);
    return this.until(done, timeoutMs);
  }

  /** The lines read since `from` (an index into `lines`). */
  since(from: number): Line[] {
    return this.lines.slice(from);
  }

  tail(): string {
    return this.lines
      .slice(-10)
      .map((l) => l.text)
      .join(' | ');
  }

  close(): void {
    this.socket.destroy();
  }
}
