/**
 * The CRLF form of a stored message: what POP3 sends (RFC 1939 §3: lines end in CRLF) and what
 * LIST/STAT report. Only a bare LF (one not preceded by CR) becomes CRLF; a bare CR stays as is;
 * a message that does not end in a line break gets a final CRLF (an empty one stays empty).
 * The store computes PopMessage.size with `crlfLength`; the POP3 dot-stuffer
 * (src/protocols/pop3/wire/dot-stuffer.ts) must send exactly that many octets before stuffing.
 */

const LF = 0x0a;
const CR = 0x0d;

/** Octets of the CRLF form of `raw`, without building it. */
export function crlfLength(raw: Uint8Array): number {
  const n = raw.length;
  if (n === 0) return 0;
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, n);
  let bare = 0;
  // indexOf is native: one call per line, no per-byte loop in JS.
  for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) {
    if (i === 0 || buf[i - 1] !== CR) bare++;
  }
  return n + bare + (buf[n - 1] === LF ? 0 : 2);
}
