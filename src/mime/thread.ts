/**
 * Thread keys: message-id lists (RFC 5322 §3.6.4) and the RFC 5256 §2.1 base subject used by
 * THREAD and SORT. The base subject is computed once here so SORT never re-parses headers.
 */

/** All `<...>` message ids in a header value, in order (brackets kept, as IMAP shows them). */
export function parseMessageIds(value: string | null): string[] {
  if (value === null) return [];
  const ids = value.match(/<[^<>\s]+>/g);
  return ids ? [...ids] : [];
}

/** The first message id of a header, or its trimmed raw value when it has no brackets. */
export function firstMessageId(value: string | null): string | null {
  if (value === null) return null;
  const id = parseMessageIds(value)[0];
  if (id !== undefined) return id;
  const raw = value.trim();
  return raw === '' || /\s/.test(raw) ? null : raw;
}

// subj-blob = "[" *BLOBCHAR "]" *WSP, BLOBCHAR excludes "[" and "]" (RFC 5256 §5).
const BLOB = '\\[[^\\[\\]]*\\] *';
const LEADER = new RegExp(`^(?:(?:${BLOB})*(?:re|fwd?) *(?:${BLOB})?:|\\s+)`, 'i');
const LEADING_BLOB = new RegExp(`^${BLOB}`);
const TRAILER = /(?:\(fwd\)|\s)+$/i;

/** RFC 5256 §2.1 base subject of an already RFC 2047-decoded subject (case preserved). */
export function baseSubject(decoded: string): string {
  // Step 1: tabs and continuations to one space, runs of spaces collapsed.
  let s = decoded.replace(/[\t\r\n ]+/g, ' ');
  for (;;) {
    // Step 2: drop subj-trailer.
    s = s.replace(TRAILER, '');
    // Steps 3-4: drop subj-leader and a leading subj-blob (if text remains) until stable.
    for (;;) {
      const before = s;
      s = s.replace(LEADER, '');
      const blob = LEADING_BLOB.exec(s);
      if (blob && blob[0].length < s.length) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    // Step 5: "[fwd:" subject "]" wrapper, then start again from step 2.
    const fwd = /^\[fwd:(.*)\]$/i.exec(s);
    if (!fwd) break;
    s = fwd[1]!;
  }
  return s.trim();
}
