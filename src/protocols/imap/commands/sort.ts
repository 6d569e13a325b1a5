// RFC 5256 §3 SORT (and UID SORT), RFC 5957 DISPLAYFROM/DISPLAYTO. The messages matching the
// search key are ordered by the criteria in turn; ties fall back to sequence order (§3).
import type { MessageIndex } from '../../../mime/types.ts';
import type { MessageMeta } from '../../../store/types.ts';
import { SearchRunner } from '../search-eval.ts';
import { sortValue } from '../sort-keys.ts';
import type { ImapSession } from '../session.ts';
import type { CommandSpec } from '../session-types.ts';
import { SELECTED } from '../session-types.ts';
import type { SortCriterion } from '../wire/types.ts';

export interface Loaded {
  readonly seq: number;
  readonly uid: number;
  readonly meta: MessageMeta;
  readonly index: MessageIndex | null;
}

/** Rows and indexes of the given messages (expunged-meanwhile ones left out). */
export async function loadMessages(session: ImapSession, seqs: readonly number[]): Promise<Loaded[]> {
  const view = session.view!;
  const store = session.ctx.store;
  const metas = new Map((await store.messages.list(view.mailboxId)).map((m) => [m.uid, m]));
  const indexes = new Map<string, MessageIndex | null>();
  const out: Loaded[] = [];
  for (const seq of seqs) {
    const uid = view.uids[seq - 1]!;
    const meta = metas.get(uid);
    if (!meta) continue;
    if (!indexes.has(meta.blobHash)) indexes.set(meta.blobHash, await store.messages.index(meta.blobHash));
    out.push({ seq, uid, meta, index: indexes.get(meta.blobHash) ?? null });
  }
  return out;
}

export function sortMessages(list: readonly Loaded[], criteria: readonly SortCriterion[]): Loaded[] {
  const keyed = list.map((m) => ({ m, keys: criteria.map((c) => sortValue(c.key, m.index, m.meta)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.keys[i]!;
      const y = b.keys[i]!;
      if (x === y) continue;
      const order = x < y ? -1 : 1;
      return criteria[i]!.reverse ? -order : order;
    }
    return a.m.seq - b.m.seq;
  });
  return keyed.map((k) => k.m);
}

export const sort: CommandSpec<'SORT'> = {
  states: SELECTED,
  // Like SEARCH: no EXPUNGE at the end of SORT (UID SORT may get them).
  expungeAllowed: (cmd) => cmd.uid,
  async handle(session, cmd) {
    const seqs = await new SearchRunner(session).run(cmd.key);
    const sorted = sortMessages(await loadMessages(session, seqs), cmd.criteria);
    const ids = sorted.map((m) => (cmd.uid ? m.uid : m.seq));
    session.writeLine(`* SORT${ids.map((n) => ` ${n}`).join('')}`);
    return { text: 'SORT completed' };
  },
};
