/**
 * Header block parsing over raw bytes (RFC 5322 §2.2): field names and unfolded raw values, in
 * order. Deliberately lenient: a line that is neither a field nor a continuation is skipped.
 */
import { bytesToString } from './charset.ts';

/** One header field: lower-case name and raw value with folding removed (RFC 5322 §2.2.3). */
export interface HeaderField {
  name: string;
  value: string;
}

/** Parses a header block (the bytes up to and including its blank line). */
export function parseHeaderBlock(bytes: Uint8Array): HeaderField[] {
  const text = bytesToString(bytes);
  const fields: HeaderField[] = [];
  let current: HeaderField | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line === '\r') break;
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      // Unfolding removes only the CRLF; the leading whitespace stays (RFC 5322 §2.2.3).
      current.value += line.replace(/\r$/, '');
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      current = null;
      continue;
    }
    current = {
      name: line.slice(0, colon).trim().toLowerCase(),
      value: line.slice(colon + 1).replace(/\r$/, ''),
    };
    fields.push(current);
  }
  for (const f of fields) f.value = f.value.trim();
  return fields;
}

/** Value of the first field with this (lower-case) name, or null. */
export function firstField(fields: readonly HeaderField[], name: string): string | null {
  for (const f of fields) if (f.name === name) return f.value;
  return null;
}

/** Values of all fields with this (lower-case) name, in order. */
export function allFields(fields: readonly HeaderField[], name: string): string[] {
  return fields.filter((f) => f.name === name).map((f) => f.value);
}

/** Offset just past the blank line that ends the header block at `start`, or `end` if none. */
export function findHeaderEnd(raw: Uint8Array, start: number, end: number): number {
  let i = start;
  // A block may be empty: the message starts with its blank line.
  while (i < end) {
    if (raw[i] === 0x0a) return i + 1;
    if (raw[i] === 0x0d && raw[i + 1] === 0x0a && i + 1 < end) return i + 2;
    let nl = i;
    while (nl < end && raw[nl] !== 0x0a) nl++;
    i = nl + 1;
  }
  return end;
}
