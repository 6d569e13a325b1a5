/**
 * ENVELOPE and BODY/BODYSTRUCTURE in IMAP syntax (RFC 3501 §7.4.2, RFC 9051 §7.5.2, formal
 * syntax RFC 3501 §9). Pure string building from the stored index; no parsing happens here.
 */
import type { Address, Envelope, MessageIndex, MimePart } from './types.ts';

// CHAR8 excludes NUL (RFC 3501 §9), so no string form can carry it: it is dropped.
const NEEDS_LITERAL = /[\r\n\u0080-\uffff]/;

/** An IMAP string: quoted when it can be, a literal `{n}\r\n...` (n in UTF-8 octets) otherwise. */
export function imapString(value: string): string {
  const s = value.replace(/\0/g, '');
  if (NEEDS_LITERAL.test(s)) return `{${Buffer.byteLength(s, 'utf8')}}\r\n${s}`;
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** An nstring: NIL for null, else `imapString`. */
export function imapNString(value: string | null | undefined): string {
  return value === null || value === undefined ? 'NIL' : imapString(value);
}

function address(a: Address): string {
  return `(${imapNString(a.name)} ${imapNString(a.adl)} ${imapNString(a.mailbox)} ${imapNString(a.host)})`;
}

function addressList(list: Address[] | null): string {
  return list && list.length > 0 ? `(${list.map(address).join('')})` : 'NIL';
}

/** The ENVELOPE structure (RFC 3501 §7.4.2); absent Sender/Reply-To repeat From, as required. */
export function imapEnvelope(env: Envelope): string {
  return `(${[
    imapNString(env.date),
    imapNString(env.subject),
    addressList(env.from),
    addressList(env.sender ?? env.from),
    addressList(env.replyTo ?? env.from),
    addressList(env.to),
    addressList(env.cc),
    addressList(env.bcc),
    imapNString(env.inReplyTo),
    imapNString(env.messageId),
  ].join(' ')})`;
}

/** RFC 2231 §7 extended-value: attribute-chars stay, every other octet becomes %XX. */
function percentEncode(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function paramList(params: Record<string, string>): string {
  const entries = Object.entries(params);
  if (entries.length === 0) return 'NIL';
  const items = entries.map(([k, v]) => {
    // 8-bit values go out in RFC 2231 extended form so any rev1 client can take them.
    if (/[^\x20-\x7e]/.test(v)) {
      return `${imapString(`${k.toUpperCase()}*`)} ${imapString(`utf-8''${percentEncode(v)}`)}`;
    }
    return `${imapString(k.toUpperCase())} ${imapString(v)}`;
  });
  return `(${items.join(' ')})`;
}

function extension(part: MimePart): string {
  const d = part.disposition ? `(${imapString(part.disposition.type.toUpperCase())} ${paramList(part.disposition.params)})` : 'NIL';
  const lang = part.language;
  const l = !lang ? 'NIL' : lang.length === 1 ? imapString(lang[0]!) : `(${lang.map(imapString).join(' ')})`;
  return `${d} ${l} ${imapNString(part.location)}`;
}

function isMessage(part: MimePart): part is MimePart & { message: NonNullable<MimePart['message']> } {
  return part.type === 'message' && part.message !== undefined;
}

/** One body (RFC 3501 §9 `body`): BODY form, or BODYSTRUCTURE form when `extended`. */
export function imapBody(part: MimePart, extended: boolean): string {
  if (part.children && part.children.length > 0) {
    const kids = part.children.map((c) => imapBody(c, extended)).join('');
    const ext = extended ? ` ${paramList(part.params)} ${extension(part)}` : '';
    return `(${kids} ${imapString(part.subtype.toUpperCase())}${ext})`;
  }
  let type = part.type.toUpperCase();
  let subtype = part.subtype.toUpperCase();
  if (type === 'MESSAGE' && (subtype === 'RFC822' || subtype === 'GLOBAL') && !isMessage(part)) {
    // An encoded (or too deep) message has no parsed envelope; clients parse MESSAGE/RFC822 as
    // body-type-msg, so it is shown as an opaque part instead of breaking their parser.
    type = 'APPLICATION';
    subtype = 'OCTET-STREAM';
  }
  const fields = [
    imapString(type),
    imapString(subtype),
    paramList(part.params),
    imapNString(part.id),
    imapNString(part.description),
    imapString(part.encoding.toUpperCase()),
    String(part.size),
  ];
  if (isMessage(part) && type === 'MESSAGE') {
    fields.push(imapEnvelope(part.message.envelope), imapBody(part.message.body, extended), String(part.lines ?? 0));
  } else if (type === 'TEXT') {
    fields.push(String(part.lines ?? 0));
  }
  if (extended) fields.push(imapNString(part.md5), extension(part));
  return `(${fields.join(' ')})`;
}

/** BODY (`extended` false) or BODYSTRUCTURE (`extended` true) of a whole message. */
export function imapBodystructure(index: MessageIndex, extended: boolean): string {
  return imapBody(index.root, extended);
}
