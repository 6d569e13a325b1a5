/**
 * The message list's paging cursor as the API spells it: `DATE.UID` (INTERNALDATE in ms, then
 * the UID), e.g. `1767225600000.42` (dates before 1970 are negative). Parsing never throws: anything else is null.
 */
import type { PageCursor } from '../store/ports.ts';

const CURSOR = /^(0|-?[1-9]\d{0,15})\.([1-9]\d{0,9})$/;
const MAX_UID = 0xffffffff;

export function formatCursor(cursor: PageCursor): string {
  return `${cursor.internalDate}.${cursor.uid}`;
}

export function parseCursor(text: string): PageCursor | null {
  const m = CURSOR.exec(text);
  if (!m) return null;
  const internalDate = Number(m[1]);
  const uid = Number(m[2]);
  if (!Number.isSafeInteger(internalDate) || uid > MAX_UID) return null;
  return { internalDate, uid };
}
