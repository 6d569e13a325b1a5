/**
 * Shared set-up for the POP3 interop and cross-protocol tests: an IMAP test server that also
 * serves POP3 (`pop3Protocol`) on the same store, with one account (as startInteropServer), and
 * a raw POP3 client whose lines are stamped with performance.now() on arrival, for latency
 * measurements. Nothing sleeps: reads wait for bytes, the close, or a deadline.
 */
import { connect, type Socket } from 'node:net';
import { hashPassword } from '../../src/auth/password.ts';
import type { ProtocolFactory, SessionTimeouts } from '../../src/server/protocol.ts';
import type { Account, Mailbox } from '../../src/store/types.ts';
import { startImapTestServer, type ImapTestServer } from './imap-server.ts';
import { INTEROP_PASSWORD, INTEROP_USER, type InteropServer } from './interop-env.ts';
import { LineClient, type StampedLine } from './interop-lines.ts';

const POP3_MODULE = new URL('../../src/protocols/pop3/index.ts', import.meta.url);

export interface PopTestServer extends InteropServer {
  /** The POP3 listener's port (plain, STLS offered). */
  readonly popPort: number;
  /** The POP3S listener's port (implicit TLS, the test's self-signed certificate). */
  readonly popsPort: number;
}

export interface PopTestServerOptions {
  readonly timeouts?: Partial<SessionTimeouts>;
}

/** Starts IMAP + POP3 on one store, with the domain example.org and the account INTEROP_USER. */
export async function startPopServer(opts: PopTestServerOptions = {}): Promise<PopTestServer> {
  const mod = (await import(POP3_MODULE.href)) as { pop3Protocol?: unknown };
  if (typeof mod.pop3Protocol !== 'function') throw new Error('src/protocols/pop3/index.ts does not export pop3Protocol');
  const server: ImapTestServer = await startImapTestServer({
    also: { pop3: mod.pop3Protocol as ProtocolFactory, pop3s: mod.pop3Protocol as ProtocolFactory },
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
  });
  const { store } = server;
  await store.domains.add('example.org');
  const account: Account = await store.accounts.create({
    address: INTEROP_USER,
    passwordHash: await hashPassword(INTEROP_PASSWORD),
  });
  const mailbox = async (name: string): Promise<Mailbox> => {
    const mb = await store.mailboxes.get(account.id, name);
    if (!mb) throw new Error(`mailbox ${name} does not exist`);
    return mb;
  };
  const deliver = async (name: string, raw: string | Buffer, flags: string[] = [], internalDate?: number): Promise<number> => {
    const mb = await mailbox(name);
    const r = await store.messages.append(account.id, mb.id, {
      raw: typeof raw === 'string' ? Buffer.from(raw) : raw,
      flags,
      ...(internalDate === undefined ? {} : { internalDate }),
    });
    return r.uid;
  };
  const popPort = server.ports.pop3;
  const popsPort = server.ports.pop3s;
  if (!popPort || !popsPort) throw new Error('the test server has no POP3 or POP3S listener');
  return { ...server, account, user: INTEROP_USER, password: INTEROP_PASSWORD, mailbox, deliver, popPort, popsPort };
}

export interface PopLine {
  /** performance.now() when the line's last byte arrived. */
  readonly at: number;
  /** The line without CRLF. */
  readonly text: string;
}

export interface PopMulti {
  /** The status line (+OK ...). */
  readonly status: PopLine;
  /** The body after dot-unstuffing, in CRLF form (each line ends with CRLF), as RFC 1939 §3. */
  readonly body: Buffer;
  /** The raw octets between the status line and the terminating ".CRLF" (still dot-stuffed). */
  readonly wire: Buffer;
  /** When the terminating line arrived. */
  readonly endAt: number;
}

/** Undoes RFC 1939 §3 byte-stuffing: a line starting with "." loses that first dot. */
export function unstuff(wire: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < wire.length) {
    let eol = wire.indexOf('\r\n', pos);
    eol = eol < 0 ? wire.length : eol + 2;
    const start = wire[pos] === 0x2e ? pos + 1 : pos;
    parts.push(wire.subarray(start, eol));
    pos = eol;
  }
  return Buffer.concat(parts);
}

/**
 * A raw POP3 client: single-line answers, multi-line answers (read up to CRLF.CRLF and
 * unstuffed), every arrival stamped. The log holds every line for failure messages.
 */
export class PopClient {
  readonly socket: Socket;
  readonly name: string;
  readonly log: string[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #closed = false;
  #closedAt: number | null = null;
  #wake: (() => void) | null = null;
  /** Arrival time of the last chunk. */
  #lastAt = 0;

  private constructor(name: string, socket: Socket) {
    this.name = name;
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.#lastAt = performance.now();
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, d]) : d;
      this.#notify();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#closedAt = performance.now();
      this.#notify();
    });
    socket.on('error', () => undefined);
  }

  static open(name: string, port: number): Promise<PopClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.off('error', reject);
        resolve(new PopClient(name, s));
      });
      s.once('error', reject);
    });
  }

  /** Opens, reads the greeting and logs in with USER/PASS; throws with the log unless +OK. */
  static async login(name: string, port: number, user: string, pass: string): Promise<PopClient> {
    const c = await PopClient.open(name, port);
    const greeting = await c.line();
    if (!greeting.text.startsWith('+OK')) throw new Error(`${name}: greeting ${greeting.text}`);
    await c.ok(`USER ${user}`);
    await c.ok(`PASS ${pass}`, `PASS ***`);
    return c;
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** When the server closed the connection (performance.now()), or null. */
  get closedAt(): number | null {
    return this.#closedAt;
  }

  async #wait(deadline: number, what: string): Promise<void> {
    if (this.#closed) throw new Error(`${this.name}: connection closed while waiting for ${what}\n${this.log.join('\n')}`);
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${this.name}: no ${what} within the deadline\n${this.log.join('\n')}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The next line from the server. */
  async line(timeoutMs = 5_000): Promise<PopLine> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const eol = this.#buf.indexOf('\r\n');
      if (eol >= 0) {
        const text = this.#buf.subarray(0, eol).toString('utf8');
        this.#buf = this.#buf.subarray(eol + 2);
        this.log.push(`${this.name} S: ${text}`);
        return { at: this.#lastAt, text };
      }
      await this.#wait(deadline, 'line');
    }
  }

  send(text: string, shown = text): void {
    this.log.push(`${this.name} C: ${shown}`);
    this.socket.write(`${text}\r\n`);
  }

  /** Sends a command and returns its one-line answer (+OK or -ERR). */
  async command(text: string, shown = text, timeoutMs = 5_000): Promise<PopLine & { sentAt: number }> {
    const sentAt = performance.now();
    this.send(text, shown);
    return { ...(await this.line(timeoutMs)), sentAt };
  }

  /** Sends a command; throws with the log unless the answer is +OK. */
  async ok(text: string, shown = text): Promise<PopLine & { sentAt: number }> {
    const r = await this.command(text, shown);
    if (!r.text.startsWith('+OK')) throw new Error(`${this.name}: ${shown} -> ${r.text}\n${this.log.join('\n')}`);
    return r;
  }

  /** Sends a command with a multi-line answer; throws unless +OK. */
  async multi(text: string, timeoutMs = 10_000): Promise<PopMulti> {
    const status = await this.ok(text);
    const deadline = performance.now() + timeoutMs;
    // The body is everything up to the first CRLF "." CRLF (or "." CRLF right away when empty).
    for (;;) {
      let end = -1;
      let skip = 0;
      if (this.#buf.subarray(0, 3).equals(Buffer.from('.\r\n'))) {
        end = 0;
        skip = 3;
      } else {
        const i = this.#buf.indexOf('\r\n.\r\n');
        if (i >= 0) {
          end = i + 2;
          skip = 3;
        }
      }
      if (end >= 0) {
        const wire = Buffer.from(this.#buf.subarray(0, end));
        this.#buf = this.#buf.subarray(end + skip);
        this.log.push(`${this.name} S: <${wire.length} octets> .`);
        return { status, wire, body: unstuff(wire), endAt: this.#lastAt };
      }
      await this.#wait(deadline, `end of the answer to ${text}`);
    }
  }

  /** UIDL as [number, uidl] pairs. */
  async uidl(): Promise<[number, string][]> {
    const r = await this.multi('UIDL');
    return r.body
      .toString('utf8')
      .split('\r\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [n, id] = l.split(' ');
        return [Number(n), id!];
      });
  }

  /** LIST as [number, size] pairs. */
  async list(): Promise<[number, number][]> {
    const r = await this.multi('LIST');
    return r.body
      .toString('utf8')
      .split('\r\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [n, size] = l.split(' ');
        return [Number(n), Number(size)];
      });
  }

  /** Resolves once the server closed the connection; rejects after `timeoutMs`. */
  async waitClosed(timeoutMs = 5_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.name}: still open after ${timeoutMs} ms\n${this.log.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.#closedAt!;
  }

  /** Unread bytes (for checks that nothing more arrived). */
  get pending(): string {
    return this.#buf.toString('utf8');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A message in CRLF form, as POP3 sends it: bare LF becomes CRLF, a missing final CRLF is added. */
export function crlfForm(raw: Buffer): Buffer {
  const s = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  return Buffer.from(s.endsWith('\r\n') ? s : `${s}\r\n`, 'latin1');
}

/** A message whose body has every dot-stuffing trap: ".", "..", ".text", "...", a lone "." last. */
export function dotMessage(n: number): Buffer {
  return Buffer.from(
    `From: Dora <dora@example.net>\r\nTo: alice@example.org\r\nSubject: Dots ${n}\r\n` +
      `Date: Mon, 9 Nov 2026 08:0${n % 10}:00 +0000\r\nMessage-ID: <dots${n}@example.net>\r\n\r\n` +
      `.leading dot\r\n..two dots\r\n.\r\n...\r\nmiddle line. with a dot\r\n. space after dot\r\n` +
      `.\r\n\r\n..\r\n.`,
  );
}

/** An ordinary message, in CRLF form, with 8-bit UTF-8 in the body. */
export function plainMessage(n: number, subject = `Plain ${n}`): Buffer {
  return Buffer.from(
    `From: Paul <paul@example.net>\r\nTo: alice@example.org\r\nSubject: ${subject}\r\n` +
      `Date: Mon, 9 Nov 2026 09:0${n % 10}:00 +0000\r\nMessage-ID: <plain${n}@example.net>\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n` +
      `Hello ${n}.\r\nGr\u00fc\u00dfe aus K\u00f6ln.\r\n`,
    'utf8',
  );
}

/**
 * A large message (`bytes` octets, CRLF form, 76-octet lines, every 997th line starting with a
 * dot, one line that is a lone dot), deterministic.
 */
export function bigMessage(bytes: number, tag = 'big'): Buffer {
  const head =
    `From: Bert <bert@example.net>\r\nTo: alice@example.org\r\nSubject: A large message (${tag})\r\n` +
    `Date: Mon, 9 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${tag}@example.net>\r\n` +
    `Content-Type: text/plain; charset=us-ascii\r\n\r\n`;
  const parts: string[] = [head];
  let size = head.length;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; size < bytes - 80; i++) {
    let line: string;
    if (i === 5000) line = '.';
    else {
      let s = '';
      for (let j = 0; j < 74; j++) s += alphabet[(i * 7 + j * 13) % 64];
      line = i % 997 === 0 ? `.${s.slice(1)}` : s;
    }
    parts.push(`${line}\r\n`);
    size += line.length + 2;
  }
  const last = 'x'.repeat(Math.max(0, bytes - size - 2));
  parts.push(`${last}\r\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

/** An IMAP client (stamped lines) logged in as the test account with INBOX selected. */
export async function imapSelect(server: PopTestServer, name: string, mailbox = 'INBOX'): Promise<LineClient> {
  const c = await LineClient.open(name, server.port);
  const greeting = await c.next();
  if (!greeting.text.startsWith('* OK')) throw new Error(`${name}: greeting ${greeting.text}`);
  await c.command(`LOGIN ${server.user} ${server.password}`);
  await c.command(`SELECT ${mailbox}`);
  return c;
}

/** Same, then in IDLE (the continuation read). */
export async function imapIdle(server: PopTestServer, name: string, mailbox = 'INBOX'): Promise<LineClient> {
  const c = await imapSelect(server, name, mailbox);
  c.send('idle IDLE');
  const cont = await c.next();
  if (!cont.text.startsWith('+')) throw new Error(`${name}: IDLE answered ${cont.text}`);
  return c;
}

/** The next IMAP line that is not an untagged RECENT count. */
export async function nextNotRecent(c: LineClient, timeoutMs = 2_000): Promise<StampedLine> {
  for (;;) {
    const line = await c.next(timeoutMs);
    if (!/^\* \d+ RECENT$/.test(line.text)) return line;
  }
}
