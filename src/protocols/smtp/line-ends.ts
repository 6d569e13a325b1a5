/**
 * SMTP smuggling defence, second half. The engine (engine/data-reader.ts) ends DATA only at
 * <CRLF>.<CRLF>, so a bare `<LF>.<LF>` (or `<CR>.<CR>`) cannot end a message here; but stored as
 * sent, such a line would end it at the next hop that is lenient about line ends (forwarding, a
 * relayed copy). We therefore store and pass on every bare LF and bare CR as CRLF: the dot line
 * becomes an ordinary line that any later SMTP client dot-stuffs, and no second message can hide
 * in one DATA. Chosen over refusing (550 5.6.11) because plenty of honest software still writes
 * bare LF.
 */

/** Returns `raw` itself when it has no bare CR or LF (the common case: no copy). */
export function normalizeLineEnds(raw: Buffer): Buffer {
  let bare = false;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x0d) {
      if (raw[i + 1] !== 0x0a) {
        bare = true;
        break;
      }
      i++;
    } else if (b === 0x0a) {
      bare = true;
      break;
    }
  }
  if (!bare) return raw;
  const out = Buffer.allocUnsafe(raw.length * 2);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x0d) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
      if (raw[i + 1] === 0x0a) i++;
    } else if (b === 0x0a) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
    } else {
      out[n++] = b;
    }
  }
  return out.subarray(0, n);
}
