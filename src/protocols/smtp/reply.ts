/**
 * An SMTP refusal with its exact words: reply code, RFC 3463 enhanced status code and text.
 * smtp-server reads `responseCode` from the errors our hooks return; `SmtpConnection.send`
 * keeps the enhanced code we chose instead of the library's guess from the reply code alone.
 */
export class SmtpReply extends Error {
  readonly responseCode: number;

  constructor(code: number, enhanced: string, text: string) {
    super(`${enhanced} ${text}`);
    this.name = 'SmtpReply';
    this.responseCode = code;
  }
}

export function smtpReply(code: number, enhanced: string, text: string): SmtpReply {
  return new SmtpReply(code, enhanced, text);
}

/** A reply text that already starts with an enhanced status code (`5.7.1 relay access denied`). */
export const ENHANCED_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;
