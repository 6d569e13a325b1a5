/**
 * IMAP modified UTF-7 mailbox names (RFC 3501 §5.1.3), for IMAP4rev1 clients that did not
 * enable UTF8=ACCEPT. Written out rather than taken from iconv-lite's `utf7-imap` codec because
 * that decoder accepts anything, and a server must refuse names that are not valid.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

function encodeRun(units: number[]): string {
  const bytes: number[] = [];
  for (const u of units) bytes.push(u >> 8, u & 0xff);
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  // No "=" padding in modified BASE64; the unused bits are zero.
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]!;
  }
  return `&${out}-`;
}

/** Encodes a Unicode mailbox name; lone surrogates (not Unicode) become U+FFFD. */
export function encodeMailboxName(name: string): string {
  const s = name.replace(LONE_SURROGATE, '\ufffd');
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0x20 && u <= 0x7e) {
      if (run.length > 0) {
        out += encodeRun(run);
        run = [];
      }
      out += u === 0x26 ? '&-' : s[i];
    } else {
      run.push(u);
    }
  }
  if (run.length > 0) out += encodeRun(run);
  return out;
}

function decodeRun(b64: string): string | null {
  let bits = 0;
  let acc = 0;
  const bytes: number[] = [];
  for (const c of b64) {
    const v = B64.indexOf(c);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
  }
  // Leftover bits must be zero padding shorter than one character; whole UTF-16 units only.
  if (acc !== 0 || bits >= 6 || bytes.length % 2 !== 0 || bytes.length === 0) return null;
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    const u = (bytes[i]! << 8) | bytes[i + 1]!;
    // Printable US-ASCII must be written directly (RFC 3501 §5.1.3).
    if (u >= 0x20 && u <= 0x7e) return null;
    out += String.fromCharCode(u);
  }
  return out.search(LONE_SURROGATE) < 0 ? out : null;
}

/**
 * Decodes a modified UTF-7 mailbox name; returns null when the input is not valid modified
 * UTF-7 (8-bit or control characters, a "&" run that is unterminated, badly padded, encodes
 * printable ASCII or unpaired surrogates, or two runs back to back, which no encoder emits).
 */
export function decodeMailboxName(encoded: string): string | null {
  let out = '';
  let i = 0;
  let lastRunEnd = -1;
  while (i < encoded.length) {
    const c = encoded.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null;
    if (c !== 0x26) {
      out += encoded[i];
      i++;
      continue;
    }
    const dash = encoded.indexOf('-', i + 1);
    if (dash < 0) return null;
    if (dash === i + 1) {
      out += '&';
    } else {
      if (lastRunEnd === i) return null;
      const run = decodeRun(encoded.slice(i + 1, dash));
      if (run === null) return null;
      out += run;
      lastRunEnd = dash + 1;
    }
    i = dash + 1;
  }
  return out;
}
