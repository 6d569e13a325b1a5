/**
 * A raw IMAP client for timing tests: every server line is stamped with performance.now() the
 * moment its bytes arrive (in the socket's 'data' handler, not when the test gets round to
 * reading it), so notification latencies are measured on arrival. Literals `{n}` are read as
 * part of their line. Nothing sleeps: reads wait for bytes, the close, or a deadline.
 */
import { connect, type Socket } from 'node:net';

export interface StampedLine {
  /** performance.now() when the line's last byte arrived. */
  readonly at: number;
  /** The line without CRLF; a literal's octets are inlined as text. */
  readonly text: string;
}

export interface CommandResult {
  /** performance.now() just before the command was written. */
  readonly sentAt: number;
  readonly untagged: StampedLine[];
  readonly tagged: StampedLine;
}

export class LineClient {
  readonly socket: Socket;
  readonly name: string;
  /** Every line ever received, in order (for failure messages). */
  readonly log: string[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #literal = 0;
  #partial = '';
  #lines: StampedLine[] = [];
  #closed = false;
  #wake: (() => void) | null = null;
  #tag = 0;

  private constructor(name: string, socket: Socket) {
    this.name = name;
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.#onData(d, performance.now()));
    socket.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
    socket.on('error', () => undefined);
  }

  static open(name: string, port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.off('error', reject);
        resolve(new LineClient(name, s));
      });
      s.once('error', reject);
    });
  }

  #onData(d: Buffer, at: number): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
    for (;;) {
      if (this.#literal > 0) {
        if (this.#buf.length < this.#literal) break;
        this.#partial += this.#buf.subarray(0, this.#literal).toString('utf8');
        this.#buf = this.#buf.subarray(this.#literal);
        this.#literal = 0;
        continue;
      }
      const eol = this.#buf.indexOf('\r\n');
      if (eol < 0) break;
      const text = this.#partial + this.#buf.subarray(0, eol).toString('utf8');
      this.#buf = this.#buf.subarray(eol + 2);
      const lit = /\{(\d+)\}$/.exec(text);
      if (lit) {
        this.#partial = `${text}\r\n`;
        this.#literal = Number(lit[1]);
        if (this.#literal === 0) this.#partial = text;
        continue;
      }
      this.#partial = '';
      this.#lines.push({ at, text });
      this.log.push(`${this.name} S: ${text}`);
    }
    this.#notify();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** The next unread line; rejects with the session log after `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<StampedLine> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line) return line;
      if (this.#closed) throw new Error(`${this.name}: connection closed\n${this.log.join('\n')}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.name}: no line within ${timeoutMs} ms\n${this.log.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Lines received and not read yet. */
  get unread(): readonly StampedLine[] {
    return this.#lines;
  }

  send(text: string): void {
    this.log.push(`${this.name} C: ${text}`);
    this.socket.write(`${text}\r\n`);
  }

  /** Sends a tagged command and reads up to its tagged answer; throws unless it is OK. */
  async command(text: string, timeoutMs = 5_000): Promise<CommandResult> {
    const tag = `${this.name}${++this.#tag}`;
    const sentAt = performance.now();
    this.send(`${tag} ${text}`);
    const untagged: StampedLine[] = [];
    for (;;) {
      const line = await this.next(timeoutMs);
      if (line.text.startsWith(`${tag} `)) {
        if (!line.text.startsWith(`${tag} OK`)) throw new Error(`${this.name}: ${line.text}\n${this.log.join('\n')}`);
        return { sentAt, untagged, tagged: line };
      }
      untagged.push(line);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
