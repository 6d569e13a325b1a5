/**
 * A cursor over a framed command (line segments and literals) with the RFC 9051 §9 token
 * readers every command parser shares: atoms, quoted strings, literals, astrings, numbers.
 * Every failure is a WireError naming what was expected and where.
 */
import { WireError } from './types.ts';
import type { CommandFrame, FramePart } from './receiver.ts';

/** Sentinel returned by `peek()` when the next token is a literal. */
export const LITERAL = -2;
/** Sentinel returned by `peek()` at the end of the command. */
export const END = -1;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** ATOM-CHAR (RFC 9051 §9): any CHAR except atom-specials ( ) { SP CTL % * " \ ]. */
export function isAtomChar(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== 0x28 && b !== 0x29 && b !== 0x7b && b !== 0x25 && b !== 0x2a && b !== 0x22 && b !== 0x5c && b !== 0x5d;
}

/** ASTRING-CHAR: ATOM-CHAR or "]" (resp-specials). */
export function isAstringChar(b: number): boolean {
  return isAtomChar(b) || b === 0x5d;
}

/** Reads tokens from a CommandFrame; positions are counted per line segment for messages. */
export class Reader {
  private index = 0;
  private pos = 0;
  tag: string | null = null;

  constructor(private readonly parts: readonly FramePart[]) {}

  /** A reader positioned at the start of the frame. */
  static of(frame: CommandFrame): Reader {
    return new Reader(frame.parts);
  }

  private get line(): Buffer {
    const p = this.parts[this.index];
    return p !== undefined && p.type === 'line' ? p.data : Buffer.alloc(0);
  }

  /** The next byte, `LITERAL` when a literal follows, or `END`. */
  peek(): number {
    const line = this.line;
    if (this.pos < line.length) return line[this.pos]!;
    return this.index + 1 < this.parts.length ? LITERAL : END;
  }

  /** The next `n` bytes of the current line segment as latin1 text (fewer near its end). */
  peekText(n: number): string {
    return this.line.subarray(this.pos, this.pos + n).toString('latin1');
  }

  /** True at the end of the command. */
  atEnd(): boolean {
    return this.peek() === END;
  }

  /** Throws a WireError naming the position (offset in the current line segment). */
  fail(message: string, code?: string, no = false): never {
    throw new WireError(message, this.tag, code, no);
  }

  /** A short description of where the cursor is, for error messages. */
  where(): string {
    const b = this.peek();
    if (b === END) return 'at end of command';
    if (b === LITERAL) return 'at a literal';
    const near = this.line.subarray(this.pos, this.pos + 12).toString('latin1').replace(/[^\x20-\x7e]/g, '?');
    return `at "${near}"`;
  }

  /** Consumes one byte when it is `b`. */
  take(b: number): boolean {
    if (this.peek() !== b) return false;
    this.pos++;
    return true;
  }

  /** Consumes `b` or fails with "expected <what>". */
  expect(b: number, what: string): void {
    if (!this.take(b)) this.fail(`expected ${what} ${this.where()}`);
  }

  /** Consumes the single SP between arguments. */
  sp(after: string): void {
    if (!this.take(0x20)) this.fail(`expected SP after ${after} ${this.where()}`);
  }

  /** Fails unless the command has ended. */
  end(after: string): void {
    if (!this.atEnd()) this.fail(`unexpected ${this.where().slice(3)} after ${after}`);
  }

  /** Reads the longest run of bytes matching `ok` from the current line segment (maybe empty). */
  run(ok: (b: number) => boolean): string {
    const line = this.line;
    const start = this.pos;
    while (this.pos < line.length && ok(line[this.pos]!)) this.pos++;
    return line.subarray(start, this.pos).toString('latin1');
  }

  /** Reads an atom (1*ATOM-CHAR) or fails naming `what`. */
  atom(what: string): string {
    const s = this.run(isAtomChar);
    if (s === '') this.fail(`expected ${what} ${this.where()}`);
    return s;
  }

  /** Reads a bare word up to SP, "(", ")" or "[" and upper-cases it (command names, keys). */
  word(what: string): string {
    const s = this.run((b) => isAtomChar(b) && b !== 0x5b);
    if (s === '') this.fail(`expected ${what} ${this.where()}`);
    return s.toUpperCase();
  }

  /** Reads a number (RFC 9051 number: 0..2^32-1). */
  number(what: string, max = 0xffffffff): number {
    const s = this.run((b) => b >= 0x30 && b <= 0x39);
    if (s === '') this.fail(`expected ${what} ${this.where()}`);
    const n = s.length > 20 ? Infinity : Number(s);
    if (n > max) this.fail(`${what} ${s} is out of range`);
    return n;
  }

  /** Reads a nz-number (1..2^32-1). */
  nzNumber(what: string): number {
    const n = this.number(what);
    if (n === 0) this.fail(`${what} must not be 0`);
    return n;
  }

  /**
   * Reads a mod-sequence value or other number64 (RFC 7162 §7: up to 2^63-1). Values above
   * 2^53-1 are clamped: we never issue such a MODSEQ, so every comparison against one of ours
   * comes out the same, and `number` stays exact.
   */
  modseq(what: string): number {
    const s = this.run((b) => b >= 0x30 && b <= 0x39);
    if (s === '') this.fail(`expected ${what} ${this.where()}`);
    const digits = s.replace(/^0+(?=\d)/, '');
    if (digits.length > 19 || (digits.length === 19 && digits > '9223372036854775807')) this.fail(`${what} ${s} is out of range`);
    return Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
  }

  /** Reads a literal if one comes next. */
  literal(): Buffer | null {
    if (this.peek() !== LITERAL) return null;
    const p = this.parts[this.index + 1]!;
    this.index += 2;
    this.pos = 0;
    return p.data;
  }

  /** The part a `literal()` call would return, to inspect its `binary`/`sync` marks. */
  peekLiteralPart(): FramePart | null {
    return this.peek() === LITERAL ? this.parts[this.index + 1]! : null;
  }

  /** Reads a quoted string (RFC 9051 §4.3: `\` escapes only `"` and `\`). */
  quoted(): Buffer | null {
    if (!this.take(0x22)) return null;
    const line = this.line;
    const bytes: number[] = [];
    for (;;) {
      if (this.pos >= line.length) this.fail('unterminated quoted string');
      const b = line[this.pos++]!;
      if (b === 0x22) return Buffer.from(bytes);
      if (b === 0x5c) {
        const e = line[this.pos++];
        if (e !== 0x22 && e !== 0x5c) this.fail('invalid escape in quoted string (only \\" and \\\\)');
        bytes.push(e);
      } else if (b === 0) {
        this.fail('NUL in quoted string');
      } else {
        bytes.push(b);
      }
    }
  }

  /** Reads a string (quoted or literal) as bytes. */
  stringBytes(what: string): Buffer {
    const s = this.quoted() ?? this.literal();
    if (s === null) this.fail(`expected ${what} (quoted string or literal) ${this.where()}`);
    return s;
  }

  /** Reads an astring (atom with "]", quoted or literal) as bytes. */
  astringBytes(what: string): Buffer {
    const s = this.quoted() ?? this.literal();
    if (s !== null) return s;
    const a = this.run(isAstringChar);
    if (a === '') this.fail(`expected ${what} ${this.where()}`);
    return Buffer.from(a, 'latin1');
  }

  /** Reads an astring as text (UTF-8; RFC 9051 allows it, RFC 3501 clients send ASCII). */
  astring(what: string): string {
    return this.text(this.astringBytes(what), what);
  }

  /** Reads a string (quoted or literal) as UTF-8 text. */
  string(what: string): string {
    return this.text(this.stringBytes(what), what);
  }

  /** Reads an nstring: NIL or a string. */
  nstring(what: string): string | null {
    if (this.peekWord('NIL')) {
      this.pos += 3;
      return null;
    }
    return this.string(what);
  }

  /** True when the next bytes are `w` (case-insensitive) followed by a delimiter. */
  peekWord(w: string): boolean {
    const line = this.line;
    if (this.pos + w.length > line.length) return false;
    if (line.subarray(this.pos, this.pos + w.length).toString('latin1').toUpperCase() !== w) return false;
    const next = line[this.pos + w.length];
    return next === undefined || !isAtomChar(next);
  }

  /** Consumes `w` (case-insensitive, whole word) when it comes next. */
  takeWord(w: string): boolean {
    if (!this.peekWord(w)) return false;
    this.pos += w.length;
    return true;
  }

  /** Decodes bytes as UTF-8 or fails: strings with invalid UTF-8 cannot be names or passwords. */
  text(bytes: Buffer, what: string): string {
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail(`${what} is not valid UTF-8`);
    }
  }

  /** Reads "(" item *(SP item) ")" (or "()" when `allowEmpty`), calling `item` for each. */
  list(what: string, item: () => void, allowEmpty = false): void {
    this.expect(0x28, `"(" to open ${what}`);
    if (this.take(0x29)) {
      if (!allowEmpty) this.fail(`${what} must not be empty`);
      return;
    }
    for (;;) {
      item();
      if (this.take(0x29)) return;
      this.sp(`an item of ${what}`);
    }
  }
}
