/**
 * Bytes to Unicode for legacy charsets and RFC 2047 encoded words, never throwing: an unknown or
 * broken charset falls back to UTF-8 when the bytes are valid UTF-8 and to latin1 otherwise.
 */
import iconv from 'iconv-lite';
import libmime from 'libmime';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes header or body bytes whose charset is unknown: UTF-8 if valid (RFC 6532), else latin1. */
export function bytesToString(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/** Decodes bytes in the named charset; unknown names fall back as `bytesToString` does. */
export function decodeCharset(bytes: Uint8Array, charset: string | null | undefined): string {
  const name = normalizeCharset(charset);
  if (name === '' || name === 'us-ascii' || name === 'ascii' || name === 'utf-8' || name === 'utf8') {
    return bytesToString(bytes);
  }
  try {
    if (name.startsWith('iso-2022-jp')) {
      // iconv-lite has no ISO-2022-JP; libmime decodes it (via encoding-japanese).
      return libmime.decodeWord(name, 'B', Buffer.from(bytes).toString('base64'));
    }
    if (iconv.encodingExists(name)) {
      return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), name);
    }
  } catch {
    // iconv-lite can throw on a codec it lists but cannot build; fall through.
  }
  return bytesToString(bytes);
}

function normalizeCharset(charset: string | null | undefined): string {
  let name = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  // RFC 2231 §5 allows a language suffix ("utf-8*en"); iconv does not know it.
  const star = name.indexOf('*');
  if (star >= 0) name = name.slice(0, star);
  // Mail says "iso-8859-1" but means windows-1252 (WHATWG Encoding §4.2 does the same).
  return name === 'iso-8859-1' || name === 'latin1' ? 'windows-1252' : name;
}

/** Decodes RFC 2047 encoded words (adjacent words joined per §6.2), never throwing. */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
