/**
 * RFC 8601 §5: a receiving server MUST delete Authentication-Results fields that claim to come
 * from itself (its authserv-id) before adding its own; otherwise a sender could forge
 * "dkim=pass" in our name and clients that trust our header would believe it. Works on the raw
 * header block so the rest of the message stays byte-exact.
 */
import { findHeaderEnd } from '../../mime/headers.ts';

/** The message without Authentication-Results fields whose authserv-id is `authservId`. */
export function stripForgedResults(raw: Buffer, authservId: string): Buffer {
  const headerEnd = findHeaderEnd(raw, 0, raw.length);
  const header = raw.subarray(0, headerEnd).toString('latin1');
  if (!/^authentication-results[ \t]*:/im.test(header)) return raw;
  const wanted = authservId.toLowerCase();
  // Each field with its folded continuation lines (line ends are CRLF by now); a last line
  // without a line break is kept as it is.
  const fields = header.match(/[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*/g) ?? [];
  const tail = header.slice(fields.join('').length);
  const kept = fields.filter((field) => {
    const id = /^authentication-results[ \t]*:\s*([^;\s]+)/i.exec(field.replace(/\r\n[ \t]/g, ' '))?.[1];
    return id?.toLowerCase() !== wanted;
  });
  if (kept.length === fields.length) return raw;
  return Buffer.concat([Buffer.from(kept.join('') + tail, 'latin1'), raw.subarray(headerEnd)]);
}
