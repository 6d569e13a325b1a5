/**
 * A byte-exact test client connection: writes exactly what it is told (optionally in small
 * chunks) and reads whole server responses: for IMAP a line, or a line interrupted by `{n}`
 * literals; with `{ literals: false }` (POP3) every CRLF-terminated line is one response.
 * It never sleeps: every read waits for bytes, the close, or a deadline.
 */
import { connect, type Socket } from 'node:net';

/** One server response: the text around each literal, and the literal octets. */
export interface Response {
  readonly texts: string[];
  readonly literals: Buffer[];
}

export class ReadTimeout extends Error {}
export class ConnectionClosed extends Error {}

const LITERAL_AT_END = /~?\{(\d+)\}$/;

export function formatResponse(r: Response, max = 400): string {
  let out = r.texts[0] ?? '';
  r.literals.forEach((lit, i) => {
    const shown = lit.length > max ? `${lit.subarray(0, max).toString('utf8')}…(${lit.length - max} more octets)` : lit.toString('utf8');
    out += `\n${indentBlock(shown)}\n      > ${r.texts[i + 1] ?? ''}`;
  });
  return out;
}

function indentBlock(s: string): string {
  return s
    .split(/\r\n/)
    .map((l) => `      | ${l}`)
    .join('\n');
}

export class TestConnection {
  readonly socket: Socket;
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  private constructor(
    socket: Socket,
    /** Lines ending in `{n}` announce n octets of literal data (IMAP); off for POP3. */
    readonly literals: boolean,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
      this.#notify();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
    socket.on('error', (err) => {
      this.#error = err;
      this.#notify();
    });
  }

  static open(port: number, opts: { readonly literals?: boolean } = {}): Promise<TestConnection> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.off('error', reject);
        resolve(new TestConnection(s, opts.literals ?? true));
      });
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes received and not yet consumed by a read. */
  get pending(): Buffer {
    return this.#buf;
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Resolves when more bytes arrive or the socket closes; rejects at the deadline. */
  #more(deadline: number): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionClosed('the server closed the connection'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        reject(new ReadTimeout('timed out'));
      }, Math.max(0, deadline - Date.now()));
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Writes `bytes`, in pieces of `chunk` octets when given, each write awaited. */
  async write(bytes: Buffer, chunk?: number): Promise<void> {
    const size = chunk ?? bytes.length;
    for (let off = 0; off < bytes.length; off += size) {
      const part = bytes.subarray(off, off + size);
      await new Promise<void>((resolve, reject) => {
        this.socket.write(part, (err) => (err ? reject(err) : resolve()));
      });
    }
  }

  /** A complete response at the start of the buffer and its length, or null when incomplete. */
  #complete(): { response: Response; length: number } | null {
    const texts: string[] = [];
    const literals: Buffer[] = [];
    let off = 0;
    for (;;) {
      const at = this.#buf.indexOf('\r\n', off);
      if (at < 0) return null;
      const line = this.#buf.subarray(off, at).toString('utf8');
      texts.push(line);
      off = at + 2;
      const lit = this.literals ? LITERAL_AT_END.exec(line) : null;
      if (!lit) return { response: { texts, literals }, length: off };
      const n = Number(lit[1]);
      if (this.#buf.length < off + n) return null;
      literals.push(Buffer.from(this.#buf.subarray(off, off + n)));
      off += n;
    }
  }

  /**
   * Reads one whole response. On a timeout or close midway nothing is consumed, so `pending`
   * still shows the partial response for the failure report.
   */
  async readResponse(deadline: number): Promise<Response> {
    for (;;) {
      const got = this.#complete();
      if (got) {
        this.#buf = this.#buf.subarray(got.length);
        return got.response;
      }
      await this.#more(deadline);
    }
  }

  /** Waits until the server closes the connection (true) or the deadline passes (false). */
  async waitClosed(deadline: number): Promise<boolean> {
    while (!this.#closed) {
      try {
        await this.#more(deadline);
      } catch (err) {
        if (err instanceof ReadTimeout) return false;
        if (err instanceof ConnectionClosed) return true;
        throw err;
      }
    }
    return true;
  }

  /** Half-closes our side (the server should close its side in turn). */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  get error(): Error | null {
    return this.#error;
  }
}
