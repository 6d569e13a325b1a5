/**
 * Incremental IMAP command framer (Stalwart's receiver.rs idea): bytes in, split anywhere, and
 * whole commands (line segments plus their literals) out. It knows only framing: where a line
 * ends, where a literal header `{n}` / `{n+}` / `~{n}` sits, and how large things may grow. The
 * command's meaning is parse-command.ts's job.
 *
 * Invariants:
 * - Memory: one command never holds more than IMAP_LIMITS allow (line, literal, command total);
 *   a refused literal or line is skipped without buffering it.
 * - After any non-fatal error the receiver is ready for the next command.
 * - The receiver pauses after a command that changes what the next bytes mean (IDLE, STARTTLS,
 *   COMPRESS, AUTHENTICATE without an initial response) and after every `line` event, so bytes
 *   pipelined behind them (iOS sends DONE and its next command in one packet) wait for the
 *   session's `setLineMode()` or `takeRemaining()`.
 */
import { WireError } from './types.ts';
import { IMAP_LIMITS } from './limits.ts';

/** One piece of a framed command: a line segment (CRLF and literal header removed) or a literal. */
export type FramePart =
  | { readonly type: 'line'; readonly data: Buffer }
  | {
      readonly type: 'literal';
      readonly data: Buffer;
      /** `{n}` (true) needed a `+` continuation; `{n+}` (false) is RFC 7888 LITERAL+. */
      readonly sync: boolean;
      /** Written `~{n}`: RFC 3516 literal8 or, inside APPEND's `UTF8 (...)`, RFC 6855's UTF-8 literal. */
      readonly binary: boolean;
    };

/**
 * A complete command as the client framed it: always starts and ends with a line part and
 * alternates line, literal, line... The tag is the first word of the first line, as sent.
 */
export interface CommandFrame {
  readonly tag: string;
  readonly parts: readonly FramePart[];
}

/** What `push()` reports, in input order. */
export type ReceiverEvent =
  | { readonly type: 'command'; readonly frame: CommandFrame }
  /**
   * A synchronising literal was accepted: the session must now send `+ ...` (RFC 9051 §7.5), or
   * call `refuseLiteral()` and answer the command tagged instead. `command` is the upper-cased
   * verb (`APPEND`, `UID SEARCH`...), `size` the announced octets.
   */
  | { readonly type: 'continue'; readonly tag: string; readonly command: string; readonly size: number }
  /** A CRLF-terminated line in line mode (IDLE's DONE, SASL responses), without the CRLF. */
  | { readonly type: 'line'; readonly line: Buffer }
  /** A refused command (answer it tagged when `error.tag`); `fatal`: send BYE and close. */
  | { readonly type: 'error'; readonly error: WireError; readonly fatal: boolean };

/** Receiver options fixed per connection. */
export interface ReceiverOptions {
  /** The server announced LITERAL- instead of LITERAL+: `{n+}` above 4096 octets is refused. */
  readonly literalMinus?: boolean;
}

type State =
  | { readonly k: 'line' }
  /** `buf` grows by doubling up to `need` as octets arrive, so a header alone allocates little. */
  | { readonly k: 'literal'; readonly sync: boolean; readonly binary: boolean; readonly need: number; buf: Buffer; got: number }
  /** Throwing away a refused literal; then the rest of its command. */
  | { readonly k: 'skip'; remaining: number }
  /** Throwing away a line; `tail` keeps its last bytes to spot a literal header at its end. */
  | { readonly k: 'discard'; tail: Buffer; readonly command: boolean }
  | { readonly k: 'dead' };

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
/** Longest literal header worth looking for at the end of a discarded line: `~{` 20 digits `+}`. */
const TAIL_BYTES = 32;
const HEADER_RE = /(~?)\{(\d{1,20})(\+?)\}$/;
const TAG_RE = /^[\x21-\x7e]+$/;
const TAG_BAD = /[(){%*"\\+]/;

/** Frames IMAP commands out of an arbitrarily split byte stream; see the module comment. */
export class ImapReceiver {
  private state: State = { k: 'line' };
  private lineMode = false;
  private pausedFlag = false;
  private readonly held: Buffer[] = [];
  private heldLength = 0;
  private readonly lineChunks: Buffer[] = [];
  private lineLength = 0;
  private parts: FramePart[] = [];
  private tag = '';
  private verb = '';
  private total = 0;
  private readonly literalMinus: boolean;

  constructor(options: ReceiverOptions = {}) {
    this.literalMinus = options.literalMinus ?? false;
  }

  /** True while the receiver holds input until the session calls `setLineMode()`. */
  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Octets currently buffered (held input plus the partial command); for tests and metrics. */
  get bufferedBytes(): number {
    let literal = 0;
    if (this.state.k === 'literal') literal = this.state.got;
    return this.heldLength + this.lineLength + this.total + literal;
  }

  /**
   * Switches between command framing and line mode (IDLE's DONE, AUTHENTICATE responses) and
   * releases a pause; call `push(Buffer.alloc(0))` afterwards to frame input already held.
   */
  setLineMode(on: boolean): void {
    this.lineMode = on;
    this.pausedFlag = false;
  }

  /**
   * Hands over every byte not yet framed and resets the receiver: for STARTTLS (the session
   * throws plaintext away, CVE-2011-0411) and COMPRESS (the bytes are deflate data).
   */
  takeRemaining(): Buffer {
    const pieces = [...this.lineChunks, ...this.held];
    this.held.length = 0;
    this.heldLength = 0;
    this.resetCommand();
    this.pausedFlag = false;
    if (this.state.k !== 'dead') this.state = { k: 'line' };
    return Buffer.concat(pieces);
  }

  /**
   * Abandons the command whose synchronising literal was just announced (the last event was
   * `continue`): instead of `+`, the session answers it tagged (e.g. APPEND to a missing mailbox,
   * NO [TRYCREATE]), and a client that waits for `+` then never sends the literal (RFC 9051 §7.5).
   */
  refuseLiteral(): void {
    if (this.state.k !== 'literal' || !this.state.sync || this.state.got > 0) return;
    this.resetCommand();
    this.state = { k: 'line' };
  }

  /** Feeds bytes (split anywhere) and returns the events they complete, in order. */
  push(chunk: Buffer): ReceiverEvent[] {
    const out: ReceiverEvent[] = [];
    if (this.state.k === 'dead') return out;
    if (chunk.length > 0) {
      this.held.push(chunk);
      this.heldLength += chunk.length;
    }
    while (!this.pausedFlag && this.held.length > 0 && !this.dead()) {
      const c = this.held.shift()!;
      this.heldLength -= c.length;
      const used = this.consume(c, out);
      if (used < c.length) {
        this.held.unshift(c.subarray(used));
        this.heldLength += c.length - used;
      }
    }
    if (this.pausedFlag && this.heldLength > IMAP_LIMITS.heldBytes) {
      this.fail(out, new WireError('too much input before the server answered', null), true);
    }
    return out;
  }

  /** Consumes from `c` until it is used up or the receiver pauses; returns the bytes used. */
  private consume(c: Buffer, out: ReceiverEvent[]): number {
    let pos = 0;
    while (pos < c.length && !this.pausedFlag) {
      const s = this.state;
      switch (s.k) {
        case 'line':
          pos = this.readLine(c, pos, out);
          break;
        case 'literal': {
          const take = Math.min(s.need - s.got, c.length - pos);
          if (s.buf.length < s.got + take) {
            const grown = Buffer.allocUnsafe(Math.min(s.need, Math.max(s.got + take, s.buf.length * 2)));
            s.buf.copy(grown, 0, 0, s.got);
            s.buf = grown;
          }
          c.copy(s.buf, s.got, pos, pos + take);
          s.got += take;
          pos += take;
          if (s.got === s.need) this.finishLiteral(s.buf, s.sync, s.binary);
          break;
        }
        case 'skip': {
          const take = Math.min(s.remaining, c.length - pos);
          s.remaining -= take;
          pos += take;
          if (s.remaining === 0) this.state = { k: 'discard', tail: EMPTY, command: true };
          break;
        }
        case 'discard':
          pos = this.discardLine(s, c, pos, out);
          break;
        case 'dead':
          return c.length;
      }
    }
    return pos;
  }

  private readLine(c: Buffer, pos: number, out: ReceiverEvent[]): number {
    const lf = c.indexOf(LF, pos);
    const end = lf < 0 ? c.length : lf;
    let length = this.lineLength + (end - pos);
    // The CR of CRLF is not part of the line; before the LF arrives a trailing CR may be it.
    if (lf >= 0 && this.lastLineByte(c, pos, end) === CR) length -= 1;
    if (length > IMAP_LIMITS.lineBytes + (lf < 0 ? 1 : 0)) {
      const seen = Buffer.concat([...this.lineChunks, c.subarray(pos, end)]);
      if (!this.lineMode) this.noteTag(seen);
      this.lineChunks.length = 0;
      this.lineLength = 0;
      const what = this.lineMode ? 'line' : 'command line';
      this.refuse(out, `${what} too long (limit ${IMAP_LIMITS.lineBytes} octets)`, 'TOOBIG', false);
      this.state = { k: 'discard', tail: tailOf(EMPTY, seen), command: !this.lineMode };
      return end; // the LF, if any, is handled by discardLine
    }
    if (lf < 0) {
      this.lineChunks.push(c.subarray(pos));
      this.lineLength += c.length - pos;
      return c.length;
    }
    this.lineChunks.push(c.subarray(pos, lf));
    let line = Buffer.concat(this.lineChunks);
    this.lineChunks.length = 0;
    this.lineLength = 0;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    this.onLine(line, out);
    return lf + 1;
  }

  private dead(): boolean {
    return this.state.k === 'dead';
  }

  private lastLineByte(c: Buffer, pos: number, end: number): number | undefined {
    if (end > pos) return c[end - 1];
    const last = this.lineChunks[this.lineChunks.length - 1];
    return last === undefined ? undefined : last[last.length - 1];
  }

  private onLine(line: Buffer, out: ReceiverEvent[]): void {
    if (this.lineMode) {
      out.push({ type: 'line', line });
      this.pausedFlag = true;
      return;
    }
    const first = this.parts.length === 0;
    // Some clients send bare CRLFs between commands as keep-alives; there is nothing to answer.
    if (first && line.length === 0) return;
    if (first) this.noteTag(line);
    const text = line.toString('latin1');
    const m = HEADER_RE.exec(text);
    if (m === null) {
      this.parts.push({ type: 'line', data: line });
      const frame: CommandFrame = { tag: this.tag, parts: this.parts };
      out.push({ type: 'command', frame });
      if (this.pausesAfter(frame)) this.pausedFlag = true;
      this.resetCommand();
      return;
    }
    const segment = line.subarray(0, m.index);
    this.parts.push({ type: 'line', data: segment });
    this.total += segment.length;
    this.onLiteralHeader(Number(m[2]), m[3] !== '+', m[1] === '~', out);
  }

  private onLiteralHeader(n: number, sync: boolean, binary: boolean, out: ReceiverEvent[]): void {
    const append = this.verb === 'APPEND';
    const limit = append ? IMAP_LIMITS.appendLiteralBytes : IMAP_LIMITS.literalBytes;
    const totalLimit = append ? IMAP_LIMITS.appendCommandBytes : IMAP_LIMITS.commandBytes;
    let problem: string | null = null;
    if (n > limit) problem = `literal of ${n} octets is over the limit of ${limit}`;
    else if (this.total + n > totalLimit) problem = `command is over the limit of ${totalLimit} octets`;
    else if (this.parts.length / 2 >= IMAP_LIMITS.literalsPerCommand) problem = 'too many literals in one command';
    else if (!sync && this.literalMinus && n > IMAP_LIMITS.literalMinusBytes) {
      problem = `non-synchronising literal over ${IMAP_LIMITS.literalMinusBytes} octets (LITERAL-)`;
    }
    if (problem === null) {
      if (sync) out.push({ type: 'continue', tag: this.tag, command: this.verb, size: n });
      this.state = { k: 'literal', sync, binary, need: n, buf: EMPTY, got: 0 };
      if (n === 0) this.finishLiteral(EMPTY, sync, binary);
      return;
    }
    // RFC 7889 §4: an APPEND over APPENDLIMIT is NO [TOOBIG]; other oversized input is BAD.
    this.refuse(out, problem, 'TOOBIG', append);
    if (sync) {
      // The client waits for "+" and, seeing the tagged answer instead, never sends the literal.
      this.resetCommand();
      this.state = { k: 'line' };
    } else {
      this.skipLiteral(n, out);
    }
  }

  private skipLiteral(n: number, out: ReceiverEvent[]): void {
    this.resetCommand();
    if (n > IMAP_LIMITS.skipLiteralBytes) {
      this.fail(out, new WireError(`literal of ${n} octets is too large to skip`, null), true);
    } else {
      this.state = { k: 'skip', remaining: n };
    }
  }

  private finishLiteral(data: Buffer, sync: boolean, binary: boolean): void {
    this.parts.push({ type: 'literal', data, sync, binary });
    this.total += data.length;
    this.state = { k: 'line' };
  }

  private discardLine(s: { tail: Buffer; readonly command: boolean }, c: Buffer, pos: number, out: ReceiverEvent[]): number {
    const lf = c.indexOf(LF, pos);
    if (lf < 0) {
      s.tail = tailOf(s.tail, c.subarray(pos));
      return c.length;
    }
    let tail = tailOf(s.tail, c.subarray(pos, lf));
    if (tail.length > 0 && tail[tail.length - 1] === CR) tail = tail.subarray(0, tail.length - 1);
    this.state = { k: 'line' };
    this.resetCommand();
    const m = s.command ? HEADER_RE.exec(tail.toString('latin1')) : null;
    // A discarded line that ends in {n+} is followed by n octets the client sends regardless; a
    // synchronising {n} ends the command, since the client waits for "+" that never comes.
    if (m !== null && m[3] === '+') this.skipLiteral(Number(m[2]), out);
    // In line mode the session decides what a refused line means (IDLE, SASL), as for a line.
    if (!s.command) this.pausedFlag = true;
    return lf + 1;
  }

  private pausesAfter(frame: CommandFrame): boolean {
    switch (this.verb) {
      case 'IDLE':
      case 'STARTTLS':
      case 'COMPRESS':
        return true;
      case 'AUTHENTICATE': {
        // With SASL-IR (RFC 4959) the mechanism may finish without any continuation lines.
        const words = frame.parts[0]?.data.toString('latin1').trim().split(/ +/) ?? [];
        return frame.parts.length === 1 && words.length < 4;
      }
      default:
        return false;
    }
  }

  private noteTag(line: Buffer): void {
    if (this.parts.length > 0) return;
    const text = line.subarray(0, 256).toString('latin1');
    const words = text.split(' ');
    this.tag = words[0] ?? '';
    this.verb = (words[1] ?? '').toUpperCase();
    if (this.verb === 'UID') this.verb = `UID ${(words[2] ?? '').toUpperCase()}`;
  }

  private refuse(out: ReceiverEvent[], message: string, code: string, no: boolean): void {
    const tag = TAG_RE.test(this.tag) && !TAG_BAD.test(this.tag) ? this.tag : null;
    out.push({ type: 'error', error: new WireError(message, tag, code, no), fatal: false });
  }

  private fail(out: ReceiverEvent[], error: WireError, fatal: boolean): void {
    out.push({ type: 'error', error, fatal });
    if (fatal) {
      this.state = { k: 'dead' };
      this.held.length = 0;
      this.heldLength = 0;
      this.lineChunks.length = 0;
      this.lineLength = 0;
      this.resetCommand();
    }
  }

  private resetCommand(): void {
    this.parts = [];
    this.tag = '';
    this.verb = '';
    this.total = 0;
  }
}

function tailOf(prev: Buffer, next: Buffer): Buffer {
  if (next.length >= TAIL_BYTES) return Buffer.from(next.subarray(next.length - TAIL_BYTES));
  const joined = Buffer.concat([prev, next]);
  return joined.length > TAIL_BYTES ? Buffer.from(joined.subarray(joined.length - TAIL_BYTES)) : joined;
}
