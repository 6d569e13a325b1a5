/**
 * A minimal raw-socket IMAP client for the benchmarks: frames responses (lines plus `{n}` literals,
 * whose bytes are counted but not kept), matches tagged completions to commands and hands every
 * untagged response to a listener. Small per connection on purpose: the memory bench opens 5,000.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Completion {
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly text: string;
  /** performance.now() when the tagged line arrived. */
  readonly at: number;
  /** Untagged responses received while the command ran (only when `collect` was asked for). */
  readonly untagged: string[];
}

interface Pending {
  readonly tag: string;
  readonly collect: boolean;
  readonly untagged: string[];
  resolve(c: Completion): void;
  reject(err: Error): void;
}

const LITERAL_AT_END = /\{(\d+)\+?\}\r\n$/;

export class ImapClient {
  /** Bytes received on this connection so far (lines and literals). */
  bytesIn = 0;
  /** Called for every untagged (`*`) response, with the time its last byte arrived. */
  onUntagged: ((text: string, at: number) => void) | null = null;
  private rest: Buffer | null = null;
  private literalLeft = 0;
  private partial = '';
  private nextTag = 1;
  private pending: Pending[] = [];
  private continuation: ((line: string) => void) | null = null;
  private greeting: ((line: string) => void) | null;
  private closed: Error | null = null;

  private constructor(private readonly socket: Socket, greeting: (line: string) => void) {
    this.greeting = greeting;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects and waits for the greeting. */
  static open(port: number, host = '127.0.0.1'): Promise<ImapClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      const client: ImapClient = new ImapClient(socket, (line) => {
        if (line.startsWith('* OK') || line.startsWith('* PREAUTH')) resolve(client);
        else reject(new Error(`unexpected greeting: ${line.trim()}`));
      });
      socket.once('error', reject);
    });
  }

  /** LOGIN then SELECT (or EXAMINE) `mailbox`; throws on anything but OK. */
  static async session(port: number, user: string, password: string, mailbox?: string): Promise<ImapClient> {
    const c = await ImapClient.open(port);
    await c.ok(`LOGIN ${quote(user)} ${quote(password)}`);
    if (mailbox) await c.ok(`SELECT ${quote(mailbox)}`);
    return c;
  }

  /** Sends one command (without tag); resolves with its completion, whatever the status. */
  command(text: string, opts: { collect?: boolean } = {}): Promise<Completion> {
    if (this.closed) return Promise.reject(this.closed);
    const tag = `b${this.nextTag++}`;
    return new Promise((resolve, reject) => {
      this.pending.push({ tag, collect: opts.collect === true, untagged: [], resolve, reject });
      this.socket.write(`${tag} ${text}\r\n`);
    });
  }

  /** Like command(), but a NO or BAD is thrown. */
  async ok(text: string, opts: { collect?: boolean } = {}): Promise<Completion> {
    const c = await this.command(text, opts);
    if (c.status !== 'OK') throw new Error(`${text.split(' ')[0]} failed: ${c.status} ${c.text}`);
    return c;
  }

  /** Starts IDLE and resolves once the server's `+` continuation arrived; the result ends it. */
  async idle(): Promise<{ done(): Promise<Completion> }> {
    const started = new Promise<string>((resolve) => (this.continuation = resolve));
    const completion = this.command('IDLE');
    const first = await Promise.race([started, completion]);
    if (typeof first !== 'string') throw new Error(`IDLE refused: ${first.status} ${first.text}`);
    return {
      done: () => {
        this.socket.write('DONE\r\n');
        return completion;
      },
    };
  }

  /** Writes raw bytes (for DONE and pipelining experiments). */
  write(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = err;
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  private receive(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let pos = 0;
    while (pos < buf.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, buf.length - pos);
        this.literalLeft -= take;
        pos += take;
        continue;
      }
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      const line = buf.toString('latin1', pos, nl + 1);
      pos = nl + 1;
      const lit = LITERAL_AT_END.exec(line);
      if (lit) {
        this.partial += line;
        this.literalLeft = Number(lit[1]);
        continue;
      }
      const text = this.partial + line;
      this.partial = '';
      this.response(text);
    }
    if (pos < buf.length) {
      buf = buf.subarray(pos);
      this.rest = Buffer.from(buf);
    }
  }

  private response(text: string): void {
    const at = performance.now();
    if (this.greeting) {
      const g = this.greeting;
      this.greeting = null;
      g(text);
      return;
    }
    if (text.startsWith('* ')) {
      const p = this.pending[0];
      if (p?.collect) p.untagged.push(text);
      this.onUntagged?.(text, at);
      return;
    }
    if (text.startsWith('+')) {
      const k = this.continuation;
      this.continuation = null;
      k?.(text);
      return;
    }
    const sp = text.indexOf(' ');
    const tag = text.slice(0, sp);
    const idx = this.pending.findIndex((p) => p.tag === tag);
    if (idx < 0) return;
    const [p] = this.pending.splice(idx, 1);
    const rest = text.slice(sp + 1).trimEnd();
    const status = rest.slice(0, rest.indexOf(' ') < 0 ? undefined : rest.indexOf(' ')) as Completion['status'];
    p!.resolve({ status, text: rest, at, untagged: p!.untagged });
  }
}

export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
