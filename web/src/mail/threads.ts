/**
 * Conversation view: groups the loaded summaries into threads, by Message-ID links
 * (References, In-Reply-To) and, for replies ("Re: x"), the RFC 5256 base subject.
 */
import type { Summary } from '../api.ts';

export interface Thread {
  /** The newest message: the row shows it. */
  readonly head: Summary;
  /** Newest first. */
  readonly messages: readonly Summary[];
  readonly unseen: number;
}

/** Groups `items` (newest first) into threads, newest thread first. */
export function groupThreads(items: readonly Summary[]): Thread[] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    for (let p = parent.get(r); p !== undefined && p !== r; p = parent.get(r)) r = p;
    parent.set(k, r);
    return r;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const keyOf = (m: Summary): string => (m.messageId ? `id:${m.messageId}` : `uid:${m.uid}`);
  for (const m of items) {
    const k = keyOf(m);
    if (!parent.has(k)) parent.set(k, k);
    for (const ref of [...m.references, ...(m.inReplyTo ? [m.inReplyTo] : [])]) {
      const rk = `id:${ref}`;
      if (!parent.has(rk)) parent.set(rk, rk);
      union(k, rk);
    }
  }
  // By subject, only replies and forwards ("Re: x") join: to the newest original "x" (two
  // unrelated "Hello" mails stay apart), else to each other.
  const owner = new Map<string, string>();
  for (const m of items) {
    const base = m.baseSubject.trim().toLowerCase();
    if (base && m.subject.trim().toLowerCase() === base && !owner.has(base)) owner.set(base, keyOf(m));
  }
  for (const m of items) {
    const base = m.baseSubject.trim().toLowerCase();
    if (!base || m.subject.trim().toLowerCase() === base) continue;
    const target = owner.get(base) ?? `subj:${base}`;
    if (!parent.has(target)) parent.set(target, target);
    union(keyOf(m), target);
  }
  const groups = new Map<string, Summary[]>();
  for (const m of items) {
    const r = find(keyOf(m));
    const g = groups.get(r);
    if (g) g.push(m);
    else groups.set(r, [m]);
  }
  const threads: Thread[] = [];
  for (const messages of groups.values()) {
    const head = messages[0];
    if (!head) continue;
    threads.push({ head, messages, unseen: messages.filter((m) => !m.flags.includes('\\Seen')).length });
  }
  // Items are newest first, so the first message of each group is its newest; keep that order.
  return threads;
}
