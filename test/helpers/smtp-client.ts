/**
 * A raw SMTP client for exact-line tests: writes bytes as given (no dot-stuffing, no CRLF
 * fixing, so smuggling and bad-input tests send exactly what they mean), reads whole replies
 * (multi-line `250-…` continuations joined), upgrades with STARTTLS verifying the test certificate.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface SmtpReplyLines {
  readonly code: number;
  /** Every line of the reply, without CRLF. */
  readonly lines: string[];
  /** The last line (the whole reply for single-line replies). */
  readonly last: string;
  /** performance.now() when the last line arrived (stamped in the 'data' handler). */
  readonly at: number;
}

export class SmtpLineClient {
  #socket: Socket;
  #buf = '';
  #lines: { text: string; at: number }[] = [];
  #closed = false;
  #wake: (() => void) | null = null;
  /** Every line received, for failure messages. */
  readonly log: string[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  static async open(port: number, opts: { tls?: { ca: Buffer } } = {}): Promise<SmtpLineClient> {
    const socket = opts.tls
      ? tlsConnect({ host: '127.0.0.1', port, ca: opts.tls.ca, servername: 'localhost' })
      : netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new SmtpLineClient(socket);
  }

  #attach(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      const at = performance.now();
      this.#buf += d;
      let nl: number;
      while ((nl = this.#buf.indexOf('\r\n')) >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 2);
        this.#lines.push({ text: line, at });
        this.log.push(line);
      }
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #nextLine(timeoutMs: number): Promise<{ text: string; at: number } | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms; received so far:\n${this.log.join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#lines.shift()!;
  }

  /** The next whole reply; null once the server closed without one. */
  async reply(timeoutMs = 5000): Promise<SmtpReplyLines | null> {
    const lines: string[] = [];
    let at = 0;
    for (;;) {
      const line = await this.#nextLine(timeoutMs);
      if (line === null) return lines.length ? { code: Number(lines[0]!.slice(0, 3)), lines, last: lines.at(-1)!, at } : null;
      lines.push(line.text);
      at = line.at;
      if (line.text[3] !== '-') return { code: Number(line.text.slice(0, 3)), lines, last: line.text, at };
    }
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Sends one command line (CRLF added) and returns the reply's last line. */
  async cmd(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    const r = await this.reply();
    return r ? r.last : '<closed>';
  }

  /**
   * STARTTLS, then the TLS handshake on the same socket verifying the test certificate.
   * `injected` is sent in plaintext in the same write, after STARTTLS (an injection attempt).
   */
  async starttls(ca: Buffer, injected = ''): Promise<string> {
    this.write(`STARTTLS\r\n${injected}`);
    const answer = (await this.reply())?.last ?? '<closed>';
    if (!answer.startsWith('220')) return answer;
    const plain = this.#socket;
    plain.removeAllListeners('data');
    const secure = tlsConnect({ socket: plain, ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#attach(secure);
    return answer;
  }

  /** Closes the connection once the server closed it, or forces it after `ms`. */
  async waitClosed(ms = 3000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.#closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.#closed;
  }

  close(): void {
    this.#socket.destroy();
  }
}
