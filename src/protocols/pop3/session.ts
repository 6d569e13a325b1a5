/**
 * One POP3 connection (RFC 1939): framing, the AUTHORIZATION/TRANSACTION state machine,
 * dispatch, the maildrop lock, autologout.
 *
 * Invariants:
 * - Commands run one at a time, in order (RFC 2449 §6.6 PIPELINING); later lines wait unparsed
 *   in the line reader, and the socket stops reading while too much waits or a message streams.
 * - Every error a handler throws is answered here, in one catch; the session lives on, except
 *   in the middle of a multi-line answer, which cannot be taken back: then the connection ends.
 * - The store changes only at QUIT in TRANSACTION (the UPDATE state, RFC 1939 §6), in one
 *   transaction. A dropped connection, a timeout or a shutdown applies nothing.
 * - The maildrop lock (RFC 1939 §8) is released when the session ends, after UPDATE finished.
 */
import { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { plaintextAllowed } from '../../auth/plaintext-policy.ts';
import { LIMITS } from '../../core/limits.ts';
import type { Connection, ServerContext } from '../../server/protocol.ts';
import type { PopLock } from '../../store/ports.ts';
import type { Account } from '../../store/types.ts';
import { capabilities } from './capabilities.ts';
import { COMMANDS } from './commands/index.ts';
import type { CommandSpec, PopState } from './commands/types.ts';
import type { PopMaildrop } from './maildrop.ts';
import { popError, PopError, storeErrorToPop } from './pop-error.ts';
import { SessionOutput } from './session-output.ts';
import { parseCommandLine, shown, WireError, type CommandLine } from './wire/command.ts';
import { LineReader, type LineEvent } from './wire/line-reader.ts';
import { errLine, okLine, type RespCode } from './wire/responses.ts';

const GREETING = 'postkontor POP3 ready';
/** Unframed input held before the socket stops reading (a pipelined burst waits in TCP). */
const MAX_BUFFERED_INPUT = 16 * 1024;

export class PopSession {
  state: PopState = 'authorization';
  secure: boolean;
  socket: Socket;
  account: Account | null = null;
  maildrop: PopMaildrop | null = null;
  failedLogins = 0;
  /** The name a USER gave, for the PASS that must follow at once (RFC 1939 §7). */
  pendingUser: string | null = null;
  /** A multi-line answer is on its way: nothing else may be written into it. */
  streaming = false;
  /** QUIT's UPDATE in flight (shutdown waits for it). */
  updating: Promise<void> | null = null;

  private lock: PopLock | null = null;
  private readonly reader = new LineReader();
  private readonly out: SessionOutput;
  private running = false;
  private pumping = false;
  private closed = false;
  private lineWaiter: { limit: number; resolve: (ev: LineEvent | null) => void } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly onData = (chunk: Buffer): void => this.feed(chunk);
  private readonly onClose = (): void => this.cleanup();

  constructor(
    readonly ctx: ServerContext,
    readonly conn: Connection,
    /** STLS is offered on this (plain) listener. */
    readonly stlsOffered: boolean,
  ) {
    this.socket = conn.socket;
    this.secure = conn.secure;
    this.out = new SessionOutput(conn.socket);
  }

  start(): void {
    this.attach(this.socket);
    // No APOP timestamp: we never keep a recoverable password (RFC 1939 §7 APOP).
    this.write(okLine(GREETING));
    this.touch();
  }

  // ---- output ---------------------------------------------------------------------------

  write(data: string | Buffer): boolean {
    if (this.closed) return false;
    return this.out.write(data);
  }

  ok(text = ''): void {
    this.write(okLine(text));
  }

  err(text: string, code?: RespCode): void {
    this.write(errLine(text, code));
  }

  drained(): Promise<void> {
    return this.closed ? Promise.resolve() : this.out.drained();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A password may travel over this connection now (auth.plaintext). */
  loginAllowed(): boolean {
    return plaintextAllowed(this.ctx.config.auth.plaintext, { secure: this.secure, remoteAddress: this.conn.remoteAddress });
  }

  capabilityList(): string[] {
    return capabilities({
      authenticated: this.state === 'transaction',
      loginAllowed: this.loginAllowed(),
      stlsAvailable: this.stlsOffered && !this.secure,
      removesRetrieved: this.maildrop?.removesRetrieved ?? false,
    });
  }

  // ---- input ----------------------------------------------------------------------------

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.once('close', this.onClose);
  }

  private feed(chunk: Buffer): void {
    this.reader.push(chunk);
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed) {
        const waiter = this.lineWaiter;
        if (waiter) {
          const ev = this.reader.next(waiter.limit);
          if (!ev) break;
          this.lineWaiter = null;
          this.touch();
          waiter.resolve(ev);
          continue;
        }
        if (this.running) break;
        const ev = this.reader.next(LIMITS.pop3LineBytes);
        if (!ev) break;
        this.touch();
        this.onLine(ev);
      }
    } finally {
      this.pumping = false;
    }
    // Nothing more to answer now: send what is batched at once rather than a turn later (a
    // client that waits for each answer before its next command gains a turn per command).
    if (!this.running && !this.closed) this.out.flush();
    const hold = this.streaming || this.reader.buffered > MAX_BUFFERED_INPUT;
    if (hold && !this.closed) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  private onLine(ev: LineEvent): void {
    if (ev.kind === 'too-long') {
      this.pendingUser = null;
      this.err('line too long');
      return;
    }
    const cmd = parseCommandLine(ev.line);
    // PASS only right after USER: anything else in between forgets the user name.
    if (cmd.verb !== 'PASS') this.pendingUser = null;
    const spec = COMMANDS.get(cmd.verb);
    if (!spec) {
      this.err(cmd.verb ? `unknown command${shown(cmd.verb)}` : 'empty command line');
      return;
    }
    if (!spec.states.includes(this.state)) {
      this.err(`${cmd.verb} not allowed in this state: ${this.state === 'authorization' ? 'log in first' : 'already logged in'}`);
      return;
    }
    this.running = true;
    void this.execute(spec, cmd).finally(() => {
      this.running = false;
      this.touch();
      this.pump();
    });
  }

  private async execute(spec: CommandSpec, cmd: CommandLine): Promise<void> {
    const started = Date.now();
    this.conn.session.lastActivity = this.ctx.clock.now();
    try {
      await spec.handle(this, cmd);
    } catch (err) {
      this.answerError(err, cmd.verb);
    } finally {
      this.conn.log.debug({ cmd: cmd.verb, ms: Date.now() - started }, 'command');
    }
  }

  private answerError(err: unknown, verb: string): void {
    if (this.closed) return;
    if (this.streaming) {
      // Half a message is on the wire; an -ERR now would read as its content.
      this.conn.log.warn({ err, cmd: verb }, 'failed while sending a message; closing');
      this.end();
      return;
    }
    if (err instanceof WireError) return this.err(err.message);
    const perr = err instanceof PopError ? err : storeErrorToPop(err);
    if (perr) return this.err(perr.message, perr.code);
    this.conn.log.error({ err, cmd: verb }, 'command failed');
    this.err('internal error, the incident was logged', 'SYS/TEMP');
  }

  /** Reads one raw line (an AUTH response) of at most `limit` octets; null once closed. */
  readLine(limit: number): Promise<LineEvent | null> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(null);
      this.lineWaiter = { limit, resolve };
      queueMicrotask(() => this.pump());
    });
  }

  // ---- login and the maildrop -----------------------------------------------------------

  /** Enters TRANSACTION holding the lock; false (lock released) when the connection went meanwhile. */
  async enterTransaction(account: Account, maildrop: PopMaildrop, lock: PopLock): Promise<boolean> {
    if (this.closed) {
      await lock.release();
      return false;
    }
    this.lock = lock;
    this.account = account;
    this.maildrop = maildrop;
    this.state = 'transaction';
    this.conn.session.user = account.address;
    return true;
  }

  /** Rejects (Unavailable) when the maildrop lock was lost since login: UPDATE must not run. */
  async verifyLock(): Promise<void> {
    if (!this.lock) throw popError('the maildrop lock is not held', 'SYS/TEMP');
    await this.lock.verify();
  }

  async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = null;
    if (!lock) return;
    try {
      await lock.release();
    } catch (err) {
      this.conn.log.warn({ err }, 'releasing the maildrop lock failed');
    }
  }

  // ---- connection -----------------------------------------------------------------------

  /** STLS (RFC 2595 §4): drop buffered plaintext (CVE-2011-0411), then hand the socket to TLS. */
  upgradeToTls(): void {
    const plain = this.socket;
    this.reader.clear();
    plain.off('data', this.onData);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.ctx.secureContext });
    secure.on('error', (err) => this.conn.log.debug({ err }, 'TLS error'));
    this.socket = secure;
    this.out.useSocket(secure);
    this.secure = true;
    this.attach(secure);
  }

  /** Says why and closes, without UPDATE (timeout, shutdown, protocol violation). */
  fatal(text: string, code?: RespCode): void {
    if (this.closed) return;
    if (!this.streaming) this.err(text, code);
    this.end();
  }

  /** Shutdown: a QUIT already updating finishes first; anyone else is told and closed. */
  shutdown(): Promise<void> {
    if (this.updating) return this.updating;
    this.fatal('server shutting down', 'SYS/TEMP');
    return Promise.resolve();
  }

  end(): void {
    if (this.closed) return;
    this.out.end();
    this.cleanup();
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.onIdle(), this.ctx.timeouts.pop3IdleMs);
    this.idleTimer.unref();
  }

  private onIdle(): void {
    // A long RETR to a slow reader or an UPDATE is work in progress, not idling.
    if ((this.running && !this.lineWaiter) || this.updating) return this.touch();
    // RFC 1939 §3: "close the TCP connection without removing any messages or sending any
    // response to the client".
    this.conn.log.info('autologout');
    this.end();
  }

  private cleanup(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const waiter = this.lineWaiter;
    this.lineWaiter = null;
    waiter?.resolve(null);
    // QUIT releases the lock itself once its UPDATE is done.
    if (!this.updating) void this.releaseLock();
  }
}
