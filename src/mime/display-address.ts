/**
 * Addresses as people read them (the web's message list and reading pane): the display name
 * decoded from RFC 2047 words, the address as `local@domain`; group markers dropped.
 */
import { decodeWords } from './charset.ts';
import type { Address } from './types.ts';

export interface DisplayAddress {
  readonly name: string | null;
  readonly address: string;
}

function unquote(name: string): string {
  return name.length >= 2 && name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replace(/\\(.)/g, '$1') : name;
}

export function displayAddresses(list: readonly Address[] | null): DisplayAddress[] {
  const out: DisplayAddress[] = [];
  for (const a of list ?? []) {
    // Group start ({mailbox: name, host: null}) and end (all null) markers are not addresses.
    if (a.host === null || a.mailbox === null) continue;
    const name = a.name ? unquote(decodeWords(a.name)).trim() : '';
    out.push({ name: name || null, address: `${a.mailbox}@${a.host}` });
  }
  return out;
}
