/**
 * SMTP replies: code, RFC 3463 enhanced status code and text, formatted once. Hooks return an
 * `SmtpReply` to refuse (its exact words go on the wire); the engine builds its own with `reply`.
 */

/** Any control character (C0, DEL, C1) would split or corrupt a reply line. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

export class SmtpReply {
  constructor(
    readonly code: number,
    /** `5.7.1`; empty for the replies that carry none (greeting, EHLO, 334/354). */
    readonly enhanced: string,
    readonly text: string,
  ) {}

  /** The reply line with its CRLF. */
  line(): string {
    const text = this.text.replace(CONTROL, ' ');
    return this.enhanced ? `${this.code} ${this.enhanced} ${text}\r\n` : `${this.code} ${text}\r\n`;
  }

  /** Closes the connection after it is sent (RFC 5321 §3.8: 421 service closing). */
  get closes(): boolean {
    return this.code === 421;
  }
}

export function smtpReply(code: number, enhanced: string, text: string): SmtpReply {
  return new SmtpReply(code, enhanced, text);
}

/** A multi-line reply (EHLO): `250-first`, …, `250 last`, with CRLFs. */
export function multiline(code: number, lines: readonly string[]): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) out += `${code}${i < lines.length - 1 ? '-' : ' '}${lines[i]!.replace(CONTROL, ' ')}\r\n`;
  return out;
}
