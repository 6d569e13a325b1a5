/**
 * Resolves sequence sets against the client's view (RFC 9051 §9 `sequence-set`): `*` is the last
 * message (or the highest UID), ranges may run in either order, `$` is the saved search result
 * (RFC 5182). Message sequence numbers beyond EXISTS are a client error; UID ranges simply match
 * the UIDs that exist.
 */
import type { MailboxView } from './mailbox-view.ts';
import { bad } from './protocol-error.ts';
import type { SequenceSet } from './wire/types.ts';

/** Sequence numbers (1-based, ascending, without duplicates) that the set names. */
export function resolveSet(view: MailboxView, set: SequenceSet, uid: boolean, saved: readonly number[]): number[] {
  const n = view.exists;
  if (set.kind === 'saved') {
    return saved.map((u) => view.seqOf(u)).filter((s) => s > 0).sort((a, b) => a - b);
  }
  if (!uid) {
    const picked = new Set<number>();
    for (const r of set.ranges) {
      const a = r.from === Infinity ? n : r.from;
      const b = r.to === Infinity ? n : r.to;
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      if (lo < 1 || hi > n) throw bad(n === 0 ? 'No messages in the mailbox' : `Invalid message sequence number (there are ${n})`);
      for (let s = lo; s <= hi; s++) picked.add(s);
    }
    return [...picked].sort((a, b) => a - b);
  }
  if (n === 0) return [];
  const maxUid = view.uids[n - 1]!;
  const out: number[] = [];
  const ranges = set.ranges
    .map((r) => {
      const a = r.from === Infinity ? maxUid : r.from;
      const b = r.to === Infinity ? maxUid : r.to;
      return [Math.min(a, b), Math.max(a, b)] as const;
    })
    .sort((x, y) => x[0] - y[0]);
  // One pass over the view's UIDs; ranges are sorted by start, so a message matches if any
  // range that started at or before it also reaches it.
  for (let i = 0; i < n; i++) {
    const u = view.uids[i]!;
    for (const [lo, hi] of ranges) {
      if (lo > u) break;
      if (u <= hi) {
        out.push(i + 1);
        break;
      }
    }
  }
  return out;
}

/** Compresses sorted numbers into an IMAP set: 1:3,7,9:10 (for COPYUID, ESEARCH, MODIFIED). */
export function compressSet(nums: readonly number[]): string {
  const sorted = [...nums].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
