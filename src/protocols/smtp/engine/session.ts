/**
 * One SMTP server session (RFC 5321, ESMTP): framing, the command state machine, AUTH
 * (RFC 4954), STARTTLS (RFC 3207), DATA. The application decides in the hooks (types.ts).
 *
 * Invariants:
 * - Commands run one at a time, in order. While a hook is pending, later input waits in the
 *   framer (the socket pauses past SMTP_LIMITS.bufferedInputBytes).
 * - Replies are collected and written in one socket write when the session runs out of whole
 *   lines to answer (RFC 2920 §3.2: pipelined replies may be batched, never held while the
 *   server waits for input), so a pipelined MAIL/RCPT/DATA group costs one write.
 * - A reply with code 421 closes the connection after it is sent.
 * - STARTTLS discards everything the client sent after it in plaintext (CVE-2011-0411) and
 *   forgets the session (RFC 3207 §4.2): EHLO again, AUTH again.
 * - DATA bytes never pass the line framer: they go straight from the socket to the DataReader.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { DataReader } from './data-reader.ts';
import { applyMailParams, emptyEnvelope, recipientOf, sizeTooBig, type SmtpEnvelope, type SmtpRecipient } from './envelope.ts';
import { SMTP_LIMITS } from './limits.ts';
import { LineFramer, TOO_LONG } from './line-framer.ts';
import { hasControl, parsePath, valuelessParam, type SmtpPath } from './path.ts';
import { multiline, smtpReply, SmtpReply } from './reply.ts';
import {
  AUTH_ABORTED,
  decodeLoginUser,
  decodePlain,
  EMPTY_CHALLENGE,
  isCancel,
  LOGIN_PASSWORD,
  LOGIN_USERNAME,
  loginCredentials,
  type AuthCredentials,
} from './sasl.ts';
import type { SmtpEngineConfig, SmtpHooks, SmtpPeer } from './types.ts';

const MAIL_VALUE_PARAMS = ['BODY', 'SIZE', 'RET', 'ENVID'];
const RCPT_VALUE_PARAMS = ['NOTIFY', 'ORCPT'];
/** How long a closed session waits for the peer to close its side before the socket is destroyed. */
const HALF_CLOSE_MS = 5000;
const HTTP_REQUEST = /^(?:OPTIONS|GET|HEAD|POST|PUT|DELETE|TRACE|CONNECT) \/.* HTTP\/\d\.\d$/i;

const OK = '250 2.0.0 OK\r\n';
const FLUSHED = '250 2.0.0 Flushed\r\n';
const MAIL_OK = '250 2.1.0 Accepted\r\n';
const RCPT_OK = '250 2.1.5 Accepted\r\n';
const START_DATA = '354 End data with <CR><LF>.<CR><LF>\r\n';
const BYE = '221 2.0.0 Bye\r\n';
const HELP = '214 2.0.0 See https://www.rfc-editor.org/rfc/rfc5321 for details\r\n';
const VRFY = '252 2.5.0 Try to send something. No promises though\r\n';
const AUTH_OK = '235 2.7.0 Authentication successful\r\n';
const READY_TLS = '220 2.0.0 Ready to start TLS\r\n';

const HELO_FIRST = smtpReply(503, '5.5.1', 'Error: send HELO/EHLO first');
const NEED_MAIL = smtpReply(503, '5.5.1', 'Error: need MAIL command');
const NEED_RCPT = smtpReply(503, '5.5.1', 'Error: need RCPT command');
const NESTED_MAIL = smtpReply(503, '5.5.1', 'Error: nested MAIL command');
const AUTH_REQUIRED = smtpReply(530, '5.7.0', 'Authentication required');
const BAD_SENDER = smtpReply(501, '5.1.7', 'Error: Bad sender address syntax');
const BAD_RECIPIENT = smtpReply(501, '5.1.3', 'Error: Bad recipient address syntax');
const UNKNOWN = smtpReply(500, '5.5.2', 'Error: command not recognized');
const TOO_MANY_UNKNOWN = smtpReply(421, '4.7.0', 'too many unrecognized commands; closing connection');
const LINE_TOO_LONG = smtpReply(500, '5.5.2', 'line too long');
const TLS_ACTIVE = smtpReply(503, '5.5.1', 'Error: TLS already active');
const NO_TLS = smtpReply(502, '5.5.1', 'Error: STARTTLS not available');
const IDENTITY = smtpReply(503, '5.5.1', 'Error: No identity changes permitted');
const UNKNOWN_MECH = smtpReply(504, '5.5.4', 'Error: Unrecognized authentication type');
const ENCRYPT_FIRST = smtpReply(538, '5.7.11', 'Encryption required for requested authentication mechanism; use STARTTLS first');
const TOO_MANY_UNAUTHENTICATED = smtpReply(421, '4.7.0', 'too many commands without AUTH; closing connection');
const HTTP_REFUSED = smtpReply(421, '4.7.0', 'HTTP requests not allowed');

/** What a pending hook is for. */
const enum Pending {
  None,
  Auth,
  Mail,
  Rcpt,
  Data,
}

/** An AUTH exchange waiting for the client's next response line. */
type AuthStep = { readonly mech: 'PLAIN' } | { readonly mech: 'LOGIN-USER' } | { readonly mech: 'LOGIN-PASS'; readonly username: string };

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

export class SmtpSession<S> {
  /** Encrypted: implicit TLS or after STARTTLS. */
  secure: boolean;
  /** The EHLO/HELO argument (lower-cased), '' until one was accepted. */
  helo = '';
  /** EHLO (true) or HELO (false) opened the session. */
  esmtp = false;
  /** The authenticated user, once AUTH succeeded. */
  user: string | null = null;
  envelope: SmtpEnvelope = emptyEnvelope();
  /** 1 for the first transaction of the connection, then one more after each DATA. */
  transaction = 1;

  private socket: Socket;
  private readonly framer = new LineFramer(SMTP_LIMITS.commandLineBytes);
  private readonly reader: DataReader;
  private inData = false;
  private authStep: AuthStep | null = null;
  private pending = Pending.None;
  private pendingPath: SmtpPath | SmtpRecipient | null = null;
  private pumping = false;
  private closed = false;
  private out = '';
  private unknown = 0;
  /** Commands before AUTH on a listener that requires it. */
  private unauthenticated = 0;
  private readonly onChunk = (chunk: Buffer): void => this.feed(chunk);
  private readonly onIdle = (): void => this.idle();
  private readonly hookDone = (value: unknown): void => this.settled(value);
  private readonly hookFailed = (err: unknown): void => this.settled(this.failure(err));

  constructor(
    private readonly config: SmtpEngineConfig,
    private readonly hooks: SmtpHooks<S>,
    socket: Socket,
    readonly peer: SmtpPeer,
    /** The application's per-session state (the hooks' business). */
    readonly state: S,
  ) {
    this.socket = socket;
    this.secure = config.implicitTls;
    this.reader = new DataReader(config.maxMessageBytes);
  }

  /** Sends the greeting at once (no "early talker" pause) and starts reading. */
  start(): void {
    this.attach(this.socket);
    this.socket.write(`220 ${this.config.hostname} ESMTP postkontor\r\n`);
  }

  /** TLS version and cipher once encrypted (for the Received header). */
  get tls(): { readonly version: string; readonly cipher: string } | null {
    return this.secure && this.socket instanceof TLSSocket ? tlsInfo(this.socket) : null;
  }

  /** RFC 3848 protocol type for the Received header: ESMTP, ESMTPS, ESMTPA, ESMTPSA (SMTP… after HELO). */
  get transmissionType(): string {
    return `${this.esmtp ? 'ESMTP' : 'SMTP'}${this.secure ? 'S' : ''}${this.user ? 'A' : ''}`;
  }

  /** Server shutdown: 421 to the client, then close (RFC 5321 §3.8). */
  shutdown(): void {
    if (this.closed) return;
    this.reply(smtpReply(421, '4.3.2', `${this.config.hostname} shutting down`));
    this.flush();
    this.end();
  }

  // ---- input ----------------------------------------------------------------------------

  private attach(socket: Socket): void {
    socket.on('data', this.onChunk);
    socket.once('close', () => this.cleanup());
    // 'timeout' fires after each idle period once armed (setTimeout's own callback would be `once`).
    socket.on('timeout', this.onIdle);
    socket.setTimeout(this.config.idleTimeoutMs);
  }

  private feed(chunk: Buffer): void {
    if (this.closed) return;
    // The common case of a message body: straight into the reader, no framing, no copy.
    if (this.inData && this.pending === Pending.None && this.framer.buffered === 0) {
      const used = this.reader.feed(chunk);
      if (used === -1) return;
      this.framer.push(chunk.subarray(used));
      this.endOfData();
    } else {
      this.framer.push(chunk);
    }
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.pending === Pending.None) {
        if (this.inData) {
          const rest = this.framer.takeAll();
          if (rest.length === 0) break;
          const used = this.reader.feed(rest);
          if (used === -1) break;
          this.framer.push(rest.subarray(used));
          this.endOfData();
          continue;
        }
        const line = this.framer.next();
        if (line === null) break;
        if (line === TOO_LONG) {
          // An AUTH exchange cannot go on after a mangled response.
          if (this.authStep) this.authStep = null;
          this.reply(LINE_TOO_LONG);
          continue;
        }
        if (this.authStep) this.authResponse(line.toString('utf8'));
        else this.command(line.toString('utf8'));
      }
    } finally {
      this.pumping = false;
    }
    if (this.closed) return;
    // Batch replies only while more whole commands are already here (RFC 2920 §3.2).
    if (this.pending === Pending.None || !this.framer.hasLine) this.flush();
    const hold = this.pending !== Pending.None && this.framer.buffered > SMTP_LIMITS.bufferedInputBytes;
    if (hold) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  // ---- output ---------------------------------------------------------------------------

  private reply(r: SmtpReply): void {
    this.out += r.line();
    if (r.closes) {
      this.flush();
      this.end();
    }
  }

  private flush(): void {
    if (this.out === '' || this.closed) return;
    this.socket.write(this.out);
    this.out = '';
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    // A peer that never closes its side must not keep the socket forever (idle() destroys it).
    this.socket.setTimeout(HALF_CLOSE_MS);
  }

  private idle(): void {
    if (this.closed) {
      this.socket.destroy();
      return;
    }
    // A hook at work (a slow delivery) is not the client idling.
    if (this.pending !== Pending.None) {
      this.socket.setTimeout(this.config.idleTimeoutMs);
      return;
    }
    this.peer.log.info('idle timeout');
    this.reply(smtpReply(421, '4.4.2', `${this.config.hostname} idle timeout; closing connection`));
  }

  private cleanup(): void {
    this.closed = true;
    this.out = '';
  }

  // ---- commands -------------------------------------------------------------------------

  private command(line: string): void {
    const sp = line.indexOf(' ');
    const verb = (sp === -1 ? line : line.slice(0, sp)).toUpperCase();
    const rest = sp === -1 ? '' : line.slice(sp + 1);
    // A client that will not log in on submission gets a few tries, not a free channel.
    if (this.config.authRequired && !this.user && verb !== 'AUTH' && ++this.unauthenticated > SMTP_LIMITS.unauthenticatedCommands) {
      return this.reply(TOO_MANY_UNAUTHENTICATED);
    }
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        return this.hello(verb === 'EHLO', rest);
      case 'MAIL':
        return this.mail(rest);
      case 'RCPT':
        return this.rcpt(rest);
      case 'DATA':
        return this.data();
      case 'RSET':
        this.envelope = emptyEnvelope();
        this.out += FLUSHED;
        return;
      case 'NOOP':
        this.out += OK;
        return;
      case 'QUIT':
        this.out += BYE;
        this.flush();
        this.end();
        return;
      case 'AUTH':
        return this.auth(rest);
      case 'STARTTLS':
        return this.startTls(rest);
      case 'HELP':
        this.out += HELP;
        return;
      case 'VRFY':
        // RFC 5321 §3.5.3: 252 when we will not tell.
        this.out += VRFY;
        return;
    }
    if (HTTP_REQUEST.test(line)) return this.reply(HTTP_REFUSED);
    if (++this.unknown >= SMTP_LIMITS.unknownCommands) return this.reply(TOO_MANY_UNKNOWN);
    this.reply(UNKNOWN);
  }

  /** MAIL, RCPT, DATA (and AUTH) need a greeting first; on submission MAIL/RCPT/DATA need AUTH. */
  private refusedBeforeTransaction(): SmtpReply | null {
    if (!this.helo) return HELO_FIRST;
    if (this.config.authRequired && !this.user) return AUTH_REQUIRED;
    return null;
  }

  private hello(extended: boolean, rest: string): void {
    const args = rest.trim().split(/\s+/);
    const name = args[0] ?? '';
    if (args.length !== 1 || name === '') {
      this.out += extended ? '501 Error: syntax: EHLO hostname\r\n' : '501 Error: Syntax: HELO hostname\r\n';
      return;
    }
    if (name.length > SMTP_LIMITS.heloLength || hasControl(name)) {
      this.out += '501 Error: Bad hostname syntax\r\n';
      return;
    }
    this.helo = name.toLowerCase();
    this.esmtp = extended;
    this.envelope = emptyEnvelope();
    const greeting = `${this.config.hostname} Nice to meet you, [${this.peer.remoteAddress.replace(/^::ffff:/i, '')}]`;
    if (!extended) {
      this.out += `250 ${greeting}\r\n`;
      return;
    }
    const auth = !this.user && this.config.passwordAllowed(this.secure, this.peer.remoteAddress);
    const starttls = !this.secure && this.config.starttls !== null;
    this.out += `250-${greeting}\r\n${ehloKeywords(this.config.maxMessageBytes, auth, starttls)}`;
  }

  private mail(rest: string): void {
    const early = this.refusedBeforeTransaction();
    if (early) return this.reply(early);
    const parsed = parsePath(rest, 'FROM');
    if (!parsed.ok) return this.reply(BAD_SENDER);
    const bad = paramError(parsed, MAIL_VALUE_PARAMS);
    if (bad) return this.reply(bad);
    if (this.envelope.mailFrom) return this.reply(NESTED_MAIL);
    const refused = applyMailParams(this.envelope, parsed.path, this.config.maxMessageBytes);
    if (refused) return this.reply(refused);
    this.invoke(Pending.Mail, parsed.path);
  }

  private rcpt(rest: string): void {
    const early = this.refusedBeforeTransaction();
    if (early) return this.reply(early);
    const parsed = parsePath(rest, 'TO');
    if (!parsed.ok || parsed.path.address === '') return this.reply(BAD_RECIPIENT);
    const bad = paramError(parsed, RCPT_VALUE_PARAMS);
    if (bad) return this.reply(bad);
    if (!this.envelope.mailFrom) return this.reply(NEED_MAIL);
    const rcpt = recipientOf(parsed.path);
    if (rcpt instanceof SmtpReply) return this.reply(rcpt);
    this.invoke(Pending.Rcpt, rcpt);
  }

  private data(): void {
    const early = this.refusedBeforeTransaction();
    if (early) return this.reply(early);
    if (this.envelope.rcptTo.length === 0) return this.reply(NEED_RCPT);
    this.out += START_DATA;
    this.inData = true;
  }

  private endOfData(): void {
    this.inData = false;
    const size = this.reader.size;
    const message = this.reader.take();
    if (this.peer.log.isLevelEnabled('debug')) this.peer.log.debug({ bytes: size }, 'DATA received');
    if (!message) {
      this.reply(sizeTooBig(this.config.maxMessageBytes));
      this.nextTransaction();
      return;
    }
    this.invoke(Pending.Data, message);
  }

  private nextTransaction(): void {
    this.transaction++;
    this.unknown = 0;
    this.envelope = emptyEnvelope();
  }

  // ---- AUTH (RFC 4954) ------------------------------------------------------------------

  private auth(rest: string): void {
    if (!this.helo) return this.reply(HELO_FIRST);
    // Refused before any credentials cross an unencrypted connection (RFC 4954 §4, §6).
    if (!this.config.passwordAllowed(this.secure, this.peer.remoteAddress)) return this.reply(ENCRYPT_FIRST);
    if (this.user) return this.reply(IDENTITY);
    const args = rest.trim().split(/\s+/);
    const mech = (args[0] ?? '').toUpperCase();
    const initial = args.length > 1 ? args[1]! : null;
    if (mech !== 'PLAIN' && mech !== 'LOGIN') return this.reply(UNKNOWN_MECH);
    if (args.length > 2) return this.reply(smtpReply(501, '5.5.4', `Error: syntax: AUTH ${mech}${mech === 'PLAIN' ? ' token' : ''}`));
    if (mech === 'PLAIN') {
      if (initial === null) {
        this.authStep = { mech: 'PLAIN' };
        this.out += EMPTY_CHALLENGE;
        return;
      }
      return this.plain(initial);
    }
    if (initial === null) {
      this.authStep = { mech: 'LOGIN-USER' };
      this.out += LOGIN_USERNAME;
      return;
    }
    this.loginUser(initial);
  }

  private authResponse(line: string): void {
    const step = this.authStep!;
    this.authStep = null;
    if (isCancel(line)) return this.reply(AUTH_ABORTED);
    if (step.mech === 'PLAIN') return this.plain(line);
    if (step.mech === 'LOGIN-USER') return this.loginUser(line);
    this.credentials(loginCredentials(step.username, line));
  }

  private plain(response: string): void {
    const creds = decodePlain(response);
    if (creds instanceof SmtpReply) return this.reply(creds);
    this.credentials(creds);
  }

  private loginUser(response: string): void {
    const username = decodeLoginUser(response);
    if (username instanceof SmtpReply) return this.reply(username);
    this.authStep = { mech: 'LOGIN-PASS', username };
    this.out += LOGIN_PASSWORD;
  }

  private credentials(creds: AuthCredentials): void {
    this.invoke(Pending.Auth, creds);
  }

  // ---- STARTTLS (RFC 3207) --------------------------------------------------------------

  private startTls(rest: string): void {
    if (rest.trim() !== '') return this.reply(smtpReply(501, '5.5.4', 'Error: syntax: STARTTLS'));
    if (this.secure) return this.reply(TLS_ACTIVE);
    const context = this.config.starttls;
    if (!context) return this.reply(NO_TLS);
    this.out += READY_TLS;
    this.flush();
    const plain = this.socket;
    // Whatever the client pipelined after STARTTLS arrived in plaintext: it must not count.
    this.framer.clear();
    plain.off('data', this.onChunk);
    plain.off('timeout', this.onIdle);
    plain.setTimeout(0);
    const secure = new TLSSocket(plain, { isServer: true, secureContext: context });
    secure.on('error', (err: Error) => this.peer.log.debug({ err: err.message }, 'TLS error'));
    this.socket = secure;
    this.secure = true;
    // RFC 3207 §4.2: the server forgets everything it learned before the handshake.
    this.helo = '';
    this.esmtp = false;
    this.user = null;
    this.envelope = emptyEnvelope();
    this.attach(secure);
  }

  // ---- hooks ----------------------------------------------------------------------------

  /** Runs a hook; a synchronous answer is applied at once, a promise pauses the command loop. */
  private invoke(kind: Pending, arg: SmtpPath | SmtpRecipient | Buffer | AuthCredentials): void {
    this.pending = kind;
    let result: unknown;
    try {
      switch (kind) {
        case Pending.Mail:
          this.pendingPath = arg as SmtpPath;
          result = this.hooks.mailFrom(this, arg as SmtpPath);
          break;
        case Pending.Rcpt:
          this.pendingPath = arg as SmtpRecipient;
          result = this.hooks.rcptTo(this, arg as SmtpRecipient);
          break;
        case Pending.Data:
          result = this.hooks.data(this, arg as Buffer);
          break;
        case Pending.Auth:
          result = this.hooks.auth(this, arg as AuthCredentials);
          break;
      }
    } catch (err) {
      result = this.failureOf(kind, err);
    }
    if (isPromise(result)) {
      result.then(this.hookDone, this.hookFailed);
      return;
    }
    this.settled(result);
  }

  private failure(err: unknown): SmtpReply {
    return this.failureOf(this.pending, err);
  }

  private failureOf(kind: Pending, err: unknown): SmtpReply {
    const command = kind === Pending.Auth ? 'AUTH' : kind === Pending.Mail ? 'MAIL' : kind === Pending.Rcpt ? 'RCPT' : 'DATA';
    try {
      return this.hooks.failed(this, err, command);
    } catch {
      return smtpReply(451, '4.3.0', 'internal error; try again later');
    }
  }

  private settled(value: unknown): void {
    const kind = this.pending;
    const path = this.pendingPath;
    this.pending = Pending.None;
    this.pendingPath = null;
    if (this.closed) return;
    if (value instanceof SmtpReply) {
      if (kind === Pending.Data) this.nextTransaction();
      this.reply(value);
    } else {
      switch (kind) {
        case Pending.Mail:
          this.envelope.mailFrom = path;
          this.out += MAIL_OK;
          break;
        case Pending.Rcpt:
          this.addRecipient(path as SmtpRecipient);
          this.out += RCPT_OK;
          break;
        case Pending.Data:
          this.nextTransaction();
          this.out += `250 2.6.0 ${String(value)}\r\n`;
          break;
        case Pending.Auth:
          this.user = (value as { user: string }).user;
          this.out += AUTH_OK;
          break;
        case Pending.None:
          break;
      }
    }
    if (kind === Pending.Mail && !this.envelope.mailFrom) this.envelope = emptyEnvelope();
    this.pump();
  }

  /** A repeated recipient (compared case-insensitively) replaces the earlier entry. */
  private addRecipient(rcpt: SmtpRecipient): void {
    const list = this.envelope.rcptTo;
    const key = rcpt.address.toLowerCase();
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.address.toLowerCase() === key) {
        list[i] = rcpt;
        return;
      }
    }
    list.push(rcpt);
  }
}

const keywordCache = new Map<string, string>();

/** The EHLO keyword lines after the greeting line (RFC 5321 §4.1.1.1), built once per variant. */
function ehloKeywords(size: number, auth: boolean, starttls: boolean): string {
  const key = `${size} ${auth} ${starttls}`;
  let text = keywordCache.get(key);
  if (text === undefined) {
    const lines = ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN'];
    if (auth) lines.push('AUTH PLAIN LOGIN');
    if (starttls) lines.push('STARTTLS');
    lines.push(`SIZE ${size}`);
    text = multiline(250, lines);
    keywordCache.set(key, text);
  }
  return text;
}

function paramError(parsed: { readonly path: SmtpPath; readonly duplicate?: string }, valueKeys: readonly string[]): SmtpReply | null {
  // RFC 3461 §4: a parameter may appear at most once.
  if (parsed.duplicate) return smtpReply(501, '5.5.4', `Error: duplicate ${parsed.duplicate} parameter`);
  const valueless = valuelessParam(parsed.path.params, valueKeys);
  return valueless ? smtpReply(501, '5.5.4', `Error: ${valueless} parameter requires a value`) : null;
}

function tlsInfo(socket: TLSSocket): { version: string; cipher: string } | null {
  const version = socket.getProtocol();
  const cipher = socket.getCipher();
  return version && cipher ? { version, cipher: cipher.name } : null;
}
