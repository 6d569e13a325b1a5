/**
 * Sort and thread keys of a message from its stored MIME index and row (RFC 5256 §3 SORT keys,
 * RFC 5957 DISPLAYFROM/DISPLAYTO). Strings compare with i;ascii-casemap (RFC 4790 §9.2): ASCII
 * letters fold to upper case, everything else compares by code point.
 */
import libmime from 'libmime';
import type { Address, MessageIndex } from '../../mime/types.ts';
import type { MessageMeta } from '../../store/types.ts';
import type { SortKey } from './wire/types.ts';

export function asciiCasemap(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

function decode(s: string | null): string {
  if (!s) return '';
  try {
    return libmime.decodeWords(s);
  } catch {
    return s;
  }
}

/** The first real address of a list (group markers skipped). */
function first(list: Address[] | null): Address | null {
  return list?.find((a) => a.mailbox !== null && a.host !== null) ?? null;
}

/** RFC 5256 §2.2: the sent date, or INTERNALDATE when the Date header is missing or broken. */
export function sentDate(index: MessageIndex | null, meta: MessageMeta): number {
  return index?.date ?? meta.internalDate;
}

export function sortValue(key: SortKey, index: MessageIndex | null, meta: MessageMeta): string | number {
  const env = index?.envelope;
  switch (key) {
    case 'ARRIVAL':
      return meta.internalDate;
    case 'DATE':
      return sentDate(index, meta);
    case 'SIZE':
      return meta.size;
    case 'SUBJECT':
      return asciiCasemap(index?.baseSubject ?? '');
    case 'FROM':
      return asciiCasemap(first(env?.from ?? null)?.mailbox ?? '');
    case 'TO':
      return asciiCasemap(first(env?.to ?? null)?.mailbox ?? '');
    case 'CC':
      return asciiCasemap(first(env?.cc ?? null)?.mailbox ?? '');
    case 'DISPLAYFROM':
    case 'DISPLAYTO': {
      const a = first((key === 'DISPLAYFROM' ? env?.from : env?.to) ?? null);
      if (!a) return '';
      const name = decode(a.name).trim();
      return asciiCasemap(name || `${a.mailbox}@${a.host}`);
    }
  }
}
