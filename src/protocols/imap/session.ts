/**
 * One IMAP connection: framing, the state machine, dispatch, and telling the client about
 * changes from the change feed.
 *
 * Invariants (mox's server.go, in prose):
 * - Commands run one at a time, in order; pipelined commands wait in the receiver's buffer.
 * - The selected mailbox's view changes only at sync points: the end of a command, NOOP, IDLE.
 *   EXPUNGE is not reported at the end of FETCH, STORE or SEARCH (RFC 3501 §7.4.1).
 * - Store writes resolve after commit; untagged responses go out after that; nothing is written
 *   to the socket inside a store transaction.
 * - Every error a handler throws is answered here, in one catch; a bug answers NO [SERVERBUG]
 *   and the connection lives on.
 */
import { TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import type { Socket } from 'node:net';
import type { Change, Unsubscribe } from '../../store/changes.ts';
import type { Account } from '../../store/types.ts';
import type { Connection, ServerContext } from '../../server/protocol.ts';
import { plaintextAllowed } from '../../auth/plaintext-policy.ts';
import { capabilities } from './capabilities.ts';
import { SessionOutput } from './session-output.ts';
import { COMMANDS } from './commands/index.ts';
import { expungeLines, type MailboxView, type Removed } from './mailbox-view.ts';
import { ProtocolError, storeErrorToImap } from './protocol-error.ts';
import type { Completion, SessionState } from './session-types.ts';
import { ImapReceiver, type ReceiverEvent } from './wire/receiver.ts';
import { parseCommand } from './wire/parse-command.ts';
import { WireError, type Command } from './wire/types.ts';

const GREETING_TEXT = 'postkontor ready';
/** Framed commands waiting behind a running one before the socket stops reading. */
const MAX_QUEUED_EVENTS = 64;

export class ImapSession {
  state: SessionState = 'not-authenticated';
  account: Account | null = null;
  view: MailboxView | null = null;
  /** \Recent UIDs of the selected mailbox for this session (IMAP4rev1 only). */
  recent = new Set<number>();
  /** ENABLE IMAP4rev2 (RFC 9051 §6.3.1). */
  rev2 = false;
  /** Mailbox names are UTF-8 (ENABLE UTF8=ACCEPT, RFC 6855, or IMAP4rev2), not modified UTF-7. */
  utf8 = false;
  /** UTF8=ACCEPT itself was enabled (ENABLE answers it once). */
  utf8Enabled = false;
  /** CONDSTORE enabled by ENABLE, SELECT (CONDSTORE) or a MODSEQ-using command (RFC 7162 §3.1). */
  condstore = false;
  /** ENABLE QRESYNC (RFC 7162 §3.2): VANISHED instead of EXPUNGE, UID in every FETCH. */
  qresync = false;
  secure: boolean;
  failedLogins = 0;
  /** SEARCHRES saved result, as UIDs (RFC 5182). */
  savedSearch: number[] = [];
  socket: Socket;

  private readonly receiver = new ImapReceiver();
  /** Framed input not yet handled, in order (commands wait here while one runs). */
  private readonly events: ReceiverEvent[] = [];
  private running = false;
  private pumping = false;
  private closed = false;
  private lineWaiter: ((line: Buffer | null) => void) | null = null;
  private idleWake: (() => void) | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private selectedGone = false;
  private selecting: { mailboxId: number; buffered: Change[] } | null = null;
  private readonly out: SessionOutput;

  constructor(
    readonly ctx: ServerContext,
    readonly conn: Connection,
    /** STARTTLS is offered on this (plain) listener. */
    readonly starttlsOffered: boolean,
  ) {
    this.socket = conn.socket;
    this.secure = conn.secure;
    this.out = new SessionOutput(conn.socket);
  }

  start(): void {
    this.attach(this.socket);
    this.writeLine(`* OK [CAPABILITY ${this.capabilityList()}] ${GREETING_TEXT}`);
    this.touch();
  }

  // ---- output ---------------------------------------------------------------------------

  write(data: string | Buffer): boolean {
    if (this.closed) return false;
    return this.out.write(data);
  }

  writeLine(line: string): void {
    this.write(`${line}\r\n`);
  }

  /** Waits until the output drained (backpressure for large FETCH responses). */
  drained(): Promise<void> {
    return this.closed ? Promise.resolve() : this.out.drained();
  }

  capabilityList(): string {
    const loginAllowed = this.loginAllowed();
    return capabilities({
      authenticated: this.state !== 'not-authenticated',
      secure: this.secure,
      starttls: this.starttlsOffered,
      loginAllowed,
    }).join(' ');
  }

  /** Password logins are allowed now (auth.plaintext; LOGINDISABLED when not, RFC 9051 §6.2.3). */
  loginAllowed(): boolean {
    return plaintextAllowed(this.ctx.config.auth.plaintext, { secure: this.secure, remoteAddress: this.conn.remoteAddress });
  }

  // ---- input ----------------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    this.touch();
    this.feed(chunk);
  };

  private readonly onClose = (): void => this.cleanup();

  /**
   * Listens to a socket. Only these two listeners are ever removed again (STARTTLS, COMPRESS):
   * the composition root's own `close` listener unregisters the connection.
   */
  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.once('close', this.onClose);
  }

  /** Frames input (an empty chunk releases what a paused receiver holds) and runs what is due. */
  private feed(chunk: Buffer): void {
    for (const ev of this.receiver.push(chunk)) this.events.push(ev);
    // A client pipelining far ahead of a slow command is held back by TCP, not by our memory.
    if (this.events.length > MAX_QUEUED_EVENTS) this.socket.pause();
    this.pump();
    if (this.events.length <= MAX_QUEUED_EVENTS && this.socket.isPaused()) this.socket.resume();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed) {
        if (this.running && !this.lineWaiter) break;
        const ev = this.events.shift();
        if (!ev) break;
        this.onEvent(ev);
      }
    } finally {
      this.pumping = false;
    }
  }

  private onEvent(ev: ReceiverEvent): void {
    switch (ev.type) {
      case 'line': {
        const waiter = this.lineWaiter;
        this.lineWaiter = null;
        this.receiver.setLineMode(false);
        this.touch();
        waiter?.(ev.line);
        // The receiver paused after the line; whatever the client pipelined behind it is framed now.
        queueMicrotask(() => this.feed(Buffer.alloc(0)));
        return;
      }
      case 'continue':
        this.writeLine('+ Ready for literal data');
        return;
      case 'error':
        this.answerWireError(ev.error);
        if (ev.fatal) this.fatal(ev.error.message);
        return;
      case 'command': {
        let cmd: Command;
        try {
          cmd = parseCommand(ev.frame, { utf8: this.utf8 });
        } catch (err) {
          if (err instanceof WireError) this.answerWireError(err);
          else this.writeLine(`${ev.frame.tag ?? '*'} BAD [CLIENTBUG] Cannot parse command`);
          return;
        }
        this.running = true;
        this.touch();
        void this.execute(cmd).finally(() => {
          this.running = false;
          this.touch();
          // A command the receiver paused after (IDLE, STARTTLS, AUTHENTICATE) has switched modes
          // by now, or failed without switching: either way framing resumes in command mode.
          if (this.receiver.paused && !this.lineWaiter) this.receiver.setLineMode(false);
          this.feed(Buffer.alloc(0));
        });
      }
    }
  }

  private answerWireError(err: WireError): void {
    const code = err.code ? `[${err.code}] ` : '';
    this.writeLine(`${err.tag ?? '*'} ${err.no && err.tag ? 'NO' : 'BAD'} ${code}${err.message}`);
  }

  /** Reads one raw line (SASL response, IDLE's DONE); null when the connection closed. */
  readLine(): Promise<Buffer | null> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(null);
      this.lineWaiter = resolve;
      this.touch();
      this.receiver.setLineMode(true);
      queueMicrotask(() => this.feed(Buffer.alloc(0)));
    });
  }

  // ---- commands -------------------------------------------------------------------------

  private async execute(cmd: Command): Promise<void> {
    const spec = COMMANDS[cmd.name];
    const started = Date.now();
    this.conn.session.lastActivity = this.ctx.clock.now();
    if (!spec.states.includes(this.state)) {
      this.writeLine(`${cmd.tag} BAD ${this.wrongStateText(cmd.name, spec.states)}`);
      return;
    }
    try {
      // New mail and flag changes may be announced at any time (RFC 9051 §7.3.1, §7.5.2); doing
      // it first lets a UID command act on a message another connection just told the client
      // about. EXPUNGE waits for the end of a command that allows it, since it renumbers the
      // messages a command may name by sequence number; NOOP and CHECK name none.
      if (this.state === 'selected') await this.flushUpdates(cmd.name === 'NOOP' || cmd.name === 'CHECK');
      const completion: Completion = await spec.handle(this, cmd as never);
      const allowExpunge = spec.expungeAllowed ? spec.expungeAllowed(cmd as never) : true;
      if (this.state === 'selected') await this.flushUpdates(allowExpunge);
      if (this.closed) return;
      const code = completion.code ? `[${completion.code}] ` : '';
      this.writeLine(`${cmd.tag} OK ${code}${completion.text}`);
      completion.after?.();
    } catch (err) {
      this.answerError(cmd, err);
    } finally {
      this.conn.log.debug({ cmd: cmd.name, ms: Date.now() - started }, 'command');
    }
  }

  private answerError(cmd: Command, err: unknown): void {
    const perr = err instanceof ProtocolError ? err : storeErrorToImap(err);
    if (!perr) {
      this.conn.log.error({ err, cmd: cmd.name }, 'command failed');
      this.writeLine(`${cmd.tag} NO [SERVERBUG] Internal error, the incident was logged`);
      return;
    }
    const code = perr.code ? `[${perr.code}] ` : '';
    if (perr.kind === 'BYE') {
      this.fatal(`${code}${perr.message}`);
      return;
    }
    this.writeLine(`${cmd.tag} ${perr.kind} ${code}${perr.message}`);
  }

  private wrongStateText(name: string, states: readonly SessionState[]): string {
    if (this.state === 'not-authenticated') return `${name} requires authentication`;
    if (states.includes('selected')) return `${name} requires a selected mailbox`;
    if (states.includes('not-authenticated')) return `${name} is only allowed before logging in`;
    return `${name} is not allowed now`;
  }

  // ---- login, selection, change feed ----------------------------------------------------

  loggedIn(account: Account): void {
    this.account = account;
    this.state = 'authenticated';
    this.conn.session.user = account.address;
    this.unsubscribe?.();
    this.unsubscribe = this.ctx.store.changes.subscribe(account.id, (c) => this.onChange(c));
  }

  /**
   * Starts buffering changes of a mailbox about to be selected, so that nothing committed between
   * the snapshot and `select()` is missed (the view drops what the snapshot already has).
   */
  beginSelect(mailboxId: number): void {
    this.view = null;
    this.state = 'authenticated';
    this.selecting = { mailboxId, buffered: [] };
  }

  select(view: MailboxView, recent: Set<number>): void {
    const buffered = this.selecting?.mailboxId === view.mailboxId ? this.selecting.buffered : [];
    this.selecting = null;
    this.view = view;
    this.recent = recent;
    this.selectedGone = false;
    this.savedSearch = [];
    this.state = 'selected';
    for (const c of buffered) this.onChange(c);
  }

  unselect(): void {
    this.selecting = null;
    this.view = null;
    this.recent = new Set();
    this.savedSearch = [];
    this.state = 'authenticated';
  }

  private onChange(change: Change): void {
    if (this.selecting && change.mailboxId === this.selecting.mailboxId) {
      this.selecting.buffered.push(change);
      return;
    }
    const view = this.view;
    if (!view || change.mailboxId !== view.mailboxId) return;
    if (change.kind === 'mailbox-deleted') this.selectedGone = true;
    view.enqueue(change);
    this.idleWake?.();
  }

  /** Sends what changed in the selected mailbox since the client last heard. */
  async flushUpdates(allowExpunge: boolean): Promise<void> {
    const view = this.view;
    if (!view) return;
    if (this.selectedGone) {
      this.fatal('Selected mailbox was deleted, have to disconnect');
      return;
    }
    if (!view.hasPending) return;
    const out = view.sync({
      allowExpunge,
      condstore: this.condstore,
      flagsOf: (uid, flags) => this.flagsOf(uid, flags),
      flagLines: (keywords) => flagLines(keywords, view.readOnly),
      vanished: this.qresync,
    });
    if (out.arrived.length > 0 && !this.rev2 && this.account) {
      const before = this.recent.size;
      if (view.readOnly) {
        for (const uid of out.arrived) this.recent.add(uid);
      } else {
        // The view has moved on: its lines go out even when \Recent cannot be claimed (the
        // database is away), else this client would never hear of these messages.
        const claim = await this.ctx.store.mailboxes.claimRecent(this.account.id, view.mailboxId).catch((err: unknown) => {
          this.conn.log.warn({ err }, 'claiming \\Recent failed');
          return null;
        });
        if (claim) for (const uid of out.arrived) if (uid > claim.previous) this.recent.add(uid);
      }
      const exists = out.lines.findIndex((l) => l.endsWith(' EXISTS'));
      if (exists >= 0 || this.recent.size !== before) {
        out.lines.splice(exists + 1, 0, `* ${this.recent.size} RECENT`);
      }
    }
    for (const line of out.lines) this.writeLine(line);
  }

  /** Reports messages this session removed (EXPUNGE, MOVE, CLOSE excepted). */
  reportRemoved(removed: readonly Removed[]): void {
    for (const line of expungeLines(removed, this.qresync)) this.writeLine(line);
  }

  /** FLAGS list of a message as this session shows it (\Recent added for rev1 sessions). */
  flagsOf(uid: number, flags: readonly string[]): string {
    const list = !this.rev2 && this.recent.has(uid) ? [...flags, '\\Recent'] : flags;
    return `(${list.join(' ')})`;
  }

  /** Runs `wake` whenever a change for the selected mailbox arrives (IDLE). */
  setIdleWake(wake: (() => void) | null): void {
    this.idleWake = wake;
  }

  // ---- connection -----------------------------------------------------------------------

  /** STARTTLS (RFC 9051 §6.2.1): drop buffered plaintext, then hand the socket to TLS. */
  upgradeToTls(): void {
    const plain = this.socket;
    this.receiver.takeRemaining();
    this.events.length = 0;
    plain.off('data', this.onData);
    plain.off('close', this.onClose);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.ctx.secureContext });
    secure.on('error', (err) => this.conn.log.debug({ err }, 'TLS error'));
    this.socket = secure;
    this.out.useSocket(secure);
    this.secure = true;
    this.attach(secure);
  }

  /**
   * COMPRESS=DEFLATE (RFC 4978): from now on both directions are raw deflate streams. Bytes the
   * client sent after the command are already compressed and go through the inflater first.
   */
  startCompression(): void {
    const socket = this.socket;
    const rest = this.receiver.takeRemaining();
    const inflate = zlib.createInflateRaw();
    this.out.compress();
    socket.off('data', this.onData);
    socket.on('data', (chunk: Buffer) => {
      this.touch();
      inflate.write(chunk);
    });
    inflate.on('data', (chunk: Buffer) => this.feed(chunk));
    inflate.on('error', () => this.end());
    if (rest.length) inflate.write(rest);
  }

  get compressed(): boolean {
    return this.out.compressed;
  }

  /** Untagged BYE and close (protocol violation, timeout, shutdown). */
  fatal(text: string): void {
    if (this.closed) return;
    this.writeLine(`* BYE ${text}`);
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.out.end();
    this.closed = true;
    this.cleanup();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Restarts the autologout timer (RFC 9051 §5.4) while the session waits for the client: between
   * commands, and in a command that reads from the client (IDLE until DONE, AUTHENTICATE). While
   * the server is answering (a slow LOGIN, a FETCH streaming to a slow client) it is stopped.
   * Server pushes never restart it: it measures the client's silence.
   */
  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.closed || (this.running && !this.lineWaiter)) return;
    this.idleTimer = setTimeout(() => this.fatal('Autologout; idle for too long'), this.ctx.timeouts.imapIdleMs);
    this.idleTimer.unref();
  }

  private cleanup(): void {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    const waiter = this.lineWaiter;
    this.lineWaiter = null;
    waiter?.(null);
    this.idleWake?.();
  }
}

const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

/** The FLAGS and PERMANENTFLAGS lines for a mailbox's keyword set (RFC 3501 §7.2.6). */
export function flagLines(keywords: readonly string[], readOnly: boolean): string[] {
  const all = [SYSTEM_FLAGS, ...keywords].join(' ');
  return [
    `* FLAGS (${all})`,
    readOnly
      ? '* OK [PERMANENTFLAGS ()] No permanent flags permitted'
      : `* OK [PERMANENTFLAGS (${all} \\*)] Flags permitted`,
  ];
}
