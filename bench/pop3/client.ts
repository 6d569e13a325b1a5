/**
 * A minimal raw-socket POP3 client for the benchmarks, the same for every server: commands may be
 * pipelined (RFC 2449 §6.6; `send` writes many at once), each answer is matched to its command in
 * order, and multi-line answers are un-stuffed on the fly: the scan jumps from "\n." to "\n."
 * with Buffer.indexOf, counting the message's octets (stuffing dots removed, terminator left
 * out) without copying. Bodies are kept only when asked for (to check them byte for byte).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Reply {
  readonly ok: boolean;
  /** The status line without CRLF. */
  readonly line: string;
  /** Octets of the multi-line body after un-stuffing (0 for single-line answers). */
  readonly octets: number;
  /** The un-stuffed body, when `keep` was asked for. */
  readonly body?: Buffer;
  /** performance.now() when the answer's last byte arrived. */
  readonly at: number;
}

export interface Command {
  readonly line: string;
  /** Whether a +OK answer is multi-line (RETR, TOP, UIDL and LIST without argument, CAPA). */
  readonly multi: boolean;
  /** Keep the body (for checks). */
  readonly keep?: boolean;
}

interface Pending extends Command {
  resolve(r: Reply): void;
  reject(err: Error): void;
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.');

/** Scan states inside a multi-line body. */
const At = { MidLine: 0, LineStart: 1, LineStartDot: 2, LineStartDotCR: 3 } as const;
type At = (typeof At)[keyof typeof At];

export class PopClient {
  /** Bytes received on this connection so far. */
  bytesIn = 0;
  private readonly pending: Pending[] = [];
  private status: { line: string; ok: boolean } | null = null;
  private partialLine: Buffer | null = null;
  private state: At = At.MidLine;
  /** Raw body octets (stuffing and terminator included) and stuffing dots of the current answer. */
  private raw = 0;
  private stuffed = 0;
  private kept: Buffer[] | null = null;
  private greeting: ((line: string) => void) | null;
  private closed: Error | null = null;
  private closeWaiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket, greeting: (line: string) => void) {
    this.greeting = greeting;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => {
      this.fail(new Error('connection closed'));
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  /** Connects and waits for the +OK greeting. */
  static open(port: number, host = '127.0.0.1'): Promise<PopClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      const client: PopClient = new PopClient(socket, (line) => {
        if (line.startsWith('+OK')) resolve(client);
        else reject(new Error(`unexpected greeting: ${line}`));
      });
      socket.once('error', reject);
    });
  }

  /** Opens a connection and logs in with USER/PASS, one command after the other. */
  static async login(port: number, user: string, password: string): Promise<PopClient> {
    const c = await PopClient.open(port);
    await c.ok({ line: `USER ${user}`, multi: false });
    await c.ok({ line: `PASS ${password}`, multi: false });
    return c;
  }

  /** Sends the commands in one write; one promise per command, resolved in order. */
  send(commands: readonly Command[]): Promise<Reply>[] {
    if (this.closed) return commands.map(() => Promise.reject(this.closed!));
    const out = commands.map(
      (cmd) => new Promise<Reply>((resolve, reject) => this.pending.push({ ...cmd, resolve, reject })),
    );
    this.socket.write(commands.map((c) => `${c.line}\r\n`).join(''));
    return out;
  }

  /** One command; rejects on -ERR. */
  async ok(cmd: Command): Promise<Reply> {
    const r = await this.send([cmd])[0]!;
    if (!r.ok) throw new Error(`${cmd.line.split(' ')[0]} failed: ${r.line}`);
    return r;
  }

  /** QUIT, then waits for the server to close the connection (its maildrop lock is gone then). */
  async quit(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.closed) resolve();
      else this.closeWaiters.push(resolve);
    });
    await this.ok({ line: 'QUIT', multi: false });
    await closed;
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
    let i = 0;
    while (i < chunk.length) {
      if (this.status === null) {
        // A status line (or the greeting).
        const lf = chunk.indexOf(LF, i);
        if (lf === -1) {
          const rest = chunk.subarray(i);
          this.partialLine = this.partialLine ? Buffer.concat([this.partialLine, rest]) : rest;
          return;
        }
        let lineBuf = chunk.subarray(i, lf + 1);
        if (this.partialLine) {
          lineBuf = Buffer.concat([this.partialLine, lineBuf]);
          this.partialLine = null;
        }
        i = lf + 1;
        const line = lineBuf.toString('latin1').replace(/\r?\n$/, '');
        if (this.greeting) {
          const g = this.greeting;
          this.greeting = null;
          g(line);
          continue;
        }
        const head = this.pending[0];
        if (!head) {
          this.fail(new Error(`unexpected line: ${line}`));
          return;
        }
        const ok = line.startsWith('+OK');
        if (ok && head.multi) {
          this.status = { line, ok };
          this.state = At.LineStart;
          this.raw = 0;
          this.stuffed = 0;
          this.kept = head.keep ? [] : null;
        } else {
          this.pending.shift();
          head.resolve({ ok, line, octets: 0, at: performance.now() });
        }
      } else {
        const end = this.scanBody(chunk, i);
        const stop = end === -1 ? chunk.length : end;
        this.raw += stop - i;
        this.kept?.push(chunk.subarray(i, stop));
        i = stop;
        if (end !== -1) this.finishBody();
      }
    }
  }

  /** Advances the body scan over chunk[from..]; the index just after the terminator, or -1. */
  private scanBody(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let i = from;
    while (i < n) {
      switch (this.state) {
        case At.LineStart:
          this.state = chunk[i] === DOT ? At.LineStartDot : chunk[i] === LF ? At.LineStart : At.MidLine;
          i++;
          break;
        case At.LineStartDot:
          if (chunk[i] === CR) this.state = At.LineStartDotCR;
          else {
            this.stuffed++;
            this.state = chunk[i] === LF ? At.LineStart : At.MidLine;
          }
          i++;
          break;
        case At.LineStartDotCR:
          if (chunk[i] === LF) return i + 1;
          this.stuffed++;
          this.state = At.MidLine;
          break;
        case At.MidLine: {
          const k = chunk.indexOf(LF_DOT, i);
          if (k !== -1) {
            this.state = At.LineStartDot;
            i = k + 2;
          } else {
            this.state = chunk[n - 1] === LF ? At.LineStart : At.MidLine;
            i = n;
          }
          break;
        }
      }
    }
    return -1;
  }

  private finishBody(): void {
    const head = this.pending.shift()!;
    const { line, ok } = this.status!;
    this.status = null;
    // The terminator ".CRLF" is not the message's.
    const octets = this.raw - 3 - this.stuffed;
    const at = performance.now();
    let body: Buffer | undefined;
    if (this.kept) {
      const raw = Buffer.concat(this.kept);
      body = unstuff(raw.subarray(0, raw.length - 3));
      this.kept = null;
    }
    head.resolve({ ok, line, octets, at, ...(body ? { body } : {}) });
  }
}

/** Removes the stuffing dot of every line that starts with ".". */
export function unstuff(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  return Buffer.from(text.replace(/^\./, '').replace(/\n\./g, '\n'), 'latin1');
}
