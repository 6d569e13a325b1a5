/**
 * Content-Transfer-Encoding decoding for IMAP BINARY (RFC 3516): base64, quoted-printable and the
 * identity encodings. Lenient like every mail reader (garbage in base64 is skipped), but an
 * encoding it does not know is reported as null so the server can answer [UNKNOWN-CTE].
 */

const IDENTITY = new Set(['7bit', '8bit', 'binary', '']);

function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.alloc(input.length);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!;
    if (b !== 0x3d) {
      out[o++] = b;
      continue;
    }
    // "=" CRLF (or LF) is a soft line break; "=XX" a byte; anything else stays as it is.
    if (input[i + 1] === 0x0d && input[i + 2] === 0x0a) {
      i += 2;
      continue;
    }
    if (input[i + 1] === 0x0a) {
      i += 1;
      continue;
    }
    const hex = input.subarray(i + 1, i + 3).toString('latin1');
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[o++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[o++] = b;
    }
  }
  return out.subarray(0, o);
}

/** The decoded bytes of a part body, or null for an unknown transfer encoding. */
export function decodeTransfer(body: Buffer, encoding: string): Buffer | null {
  const enc = encoding.trim().toLowerCase();
  if (IDENTITY.has(enc)) return body;
  if (enc === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return null;
}
