/**
 * RFC 5322 §3.4 address-list parsing into IMAP ENVELOPE address structures (RFC 3501 §7.4.2).
 * Raw values are kept (encoded words are not decoded: IMAP clients decode them). Malformed
 * input still yields addresses; a missing part is filled in as Dovecot does.
 */
import type { Address } from './types.ts';

// Dovecot's placeholders: a NIL host would mean "group syntax" to the client (RFC 3501 §7.4.2).
const MISSING_MAILBOX = 'MISSING_MAILBOX';
const MISSING_DOMAIN = 'MISSING_DOMAIN';

interface Token {
  kind: 'atom' | 'quoted' | 'special';
  text: string;
  /** Whitespace or a comment came before this token. */
  space: boolean;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let space = false;
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      space = true;
      i++;
    } else if (c === '(') {
      // Comments nest (RFC 5322 §3.2.2) and are dropped.
      let depth = 0;
      for (; i < input.length; i++) {
        if (input[i] === '\\') i++;
        else if (input[i] === '(') depth++;
        else if (input[i] === ')' && --depth === 0) break;
      }
      i++;
      space = true;
    } else if (c === '"') {
      let text = '';
      for (i++; i < input.length && input[i] !== '"'; i++) {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        text += input[i];
      }
      i++;
      tokens.push({ kind: 'quoted', text, space });
      space = false;
    } else if ('<>@,;:.[]'.includes(c)) {
      if (c === '[') {
        // A domain literal is one token up to "]".
        const close = input.indexOf(']', i);
        const stop = close < 0 ? input.length : close + 1;
        tokens.push({ kind: 'atom', text: input.slice(i, stop), space });
        i = stop;
      } else {
        tokens.push({ kind: 'special', text: c, space });
        i++;
      }
      space = false;
    } else {
      // Always consume at least one character: a stray ")" would otherwise loop forever.
      let j = i + 1;
      while (j < input.length && !' \t\r\n()"<>@,;:.[]'.includes(input[j]!)) j++;
      tokens.push({ kind: 'atom', text: input.slice(i, j), space });
      i = j;
      space = false;
    }
  }
  return tokens;
}

function phrase(tokens: Token[]): string | null {
  let out = '';
  for (const t of tokens) out += (out !== '' && t.space ? ' ' : '') + t.text;
  out = out.trim();
  return out === '' ? null : out;
}

/** The literal text of an addr-spec part; quoted local parts keep their quotes. */
function specText(tokens: Token[]): string {
  return tokens
    .map((t) => (t.kind === 'quoted' ? `"${t.text.replace(/(["\\])/g, '\\$1')}"` : t.text))
    .join('');
}

function mailbox(tokens: Token[]): Address | null {
  if (tokens.length === 0) return null;
  const lt = tokens.findIndex((t) => t.kind === 'special' && t.text === '<');
  let name: string | null = null;
  let adl: string | null = null;
  let spec = tokens;
  if (lt >= 0) {
    name = phrase(tokens.slice(0, lt));
    let gt = tokens.findIndex((t, i) => i > lt && t.kind === 'special' && t.text === '>');
    if (gt < 0) gt = tokens.length;
    spec = tokens.slice(lt + 1, gt);
    const colon = spec.findIndex((t) => t.kind === 'special' && t.text === ':');
    if (colon >= 0) {
      // Obsolete source route (RFC 5322 §4.4) is the ENVELOPE's adl field.
      adl = specText(spec.slice(0, colon)) || null;
      spec = spec.slice(colon + 1);
    }
  }
  let at = -1;
  for (let i = spec.length - 1; i >= 0; i--) {
    if (spec[i]!.kind === 'special' && spec[i]!.text === '@') {
      at = i;
      break;
    }
  }
  if (lt < 0 && at < 0 && spec.every((t) => t.kind !== 'special' || t.text === '.')) {
    // "Undisclosed recipients" or a bare word: keep it as the mailbox.
    const word = phrase(spec);
    if (word === null) return null;
    return { name: null, adl: null, mailbox: word.includes(' ') ? MISSING_MAILBOX : word, host: MISSING_DOMAIN };
  }
  const local = specText(at >= 0 ? spec.slice(0, at) : spec);
  const host = at >= 0 ? specText(spec.slice(at + 1)) : '';
  if (lt < 0 && local === '' && host === '') return null;
  return { name, adl, mailbox: local || MISSING_MAILBOX, host: host || MISSING_DOMAIN };
}

/** Parses an address-list header value; returns null when it holds no address at all. */
export function parseAddressList(value: string | null): Address[] | null {
  if (value === null) return null;
  const tokens = tokenize(value);
  const out: Address[] = [];
  let item: Token[] = [];
  let inAngle = false;
  let inGroup = false;
  const flush = (): void => {
    const addr = mailbox(item);
    if (addr) out.push(addr);
    item = [];
  };
  for (const t of tokens) {
    if (t.kind === 'special') {
      if (t.text === '<') inAngle = true;
      else if (t.text === '>') inAngle = false;
      else if (!inAngle && t.text === ',') {
        flush();
        continue;
      } else if (!inAngle && t.text === ':' && !inGroup) {
        // Group start (RFC 5322 §3.4); RFC 3501 encodes it as (NIL NIL "name" NIL).
        out.push({ name: null, adl: null, mailbox: phrase(item) ?? '', host: null });
        item = [];
        inGroup = true;
        continue;
      } else if (!inAngle && t.text === ';' && inGroup) {
        flush();
        out.push({ name: null, adl: null, mailbox: null, host: null });
        inGroup = false;
        continue;
      }
    }
    item.push(t);
  }
  flush();
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out.length > 0 ? out : null;
}
