/**
 * POP3 response encoders: status lines with RFC 2449 §8 / RFC 3206 response codes, multi-line
 * answers (RFC 1939 §3, dot-stuffed), SASL continuations (RFC 5034 §4).
 */

/** Response codes we send: RFC 2449 §8.1 (IN-USE, LOGIN-DELAY) and RFC 3206 (SYS/*, AUTH). */
export type RespCode = 'AUTH' | 'SYS/TEMP' | 'SYS/PERM' | 'IN-USE' | 'LOGIN-DELAY';

/** Status text never carries a line break (a user name from SASL could). */
function clean(text: string): string {
  return text.replace(/[\r\n\0]/g, ' ');
}

export function okLine(text = ''): string {
  return text ? `+OK ${clean(text)}\r\n` : '+OK\r\n';
}

export function errLine(text: string, code?: RespCode): string {
  return `-ERR ${code ? `[${code}] ` : ''}${clean(text)}\r\n`;
}

/** `+OK first`, the lines (each dot-stuffed), then the terminating ".". */
export function multiLine(first: string, lines: readonly string[]): string {
  let out = okLine(first);
  for (const line of lines) out += `${line.startsWith('.') ? '.' : ''}${clean(line)}\r\n`;
  return `${out}.\r\n`;
}

/** A SASL server challenge (already base64; empty for none): `+ ` then the data. */
export function continuation(base64: string): string {
  return `+ ${base64}\r\n`;
}
