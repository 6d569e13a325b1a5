// RFC 9051 §6.4.4 SEARCH; RFC 4731 ESEARCH (RETURN MIN MAX ALL COUNT); RFC 5182 SEARCHRES (SAVE,
// `$`); RFC 7162 §3.1.5 (MODSEQ in the answer when the search used MODSEQ). IMAP4rev2 sessions
// always get ESEARCH (RFC 9051 §7.3.4).
import { SearchRunner } from '../search-eval.ts';
import { compressSet } from '../sequence.ts';
import type { CommandSpec } from '../session-types.ts';
import { SELECTED } from '../session-types.ts';
import type { SearchKey } from '../wire/types.ts';

function usesModseq(key: SearchKey): boolean {
  switch (key.op) {
    case 'modseq':
      return true;
    case 'not':
      return usesModseq(key.key);
    case 'or':
      return usesModseq(key.a) || usesModseq(key.b);
    case 'and':
      return key.keys.some(usesModseq);
    default:
      return false;
  }
}

export const search: CommandSpec<'SEARCH'> = {
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering SEARCH (UID SEARCH may get them).
  expungeAllowed: (cmd) => cmd.uid,
  async handle(session, cmd) {
    const view = session.view!;
    const modseq = usesModseq(cmd.key);
    if (modseq) session.condstore = true;
    const seqs = await new SearchRunner(session).run(cmd.key);
    const ids = cmd.uid ? seqs.map((s) => view.uids[s - 1]!) : seqs;
    let highest = 0;
    if (modseq) for (const s of seqs) highest = Math.max(highest, view.modseqs[s - 1]!);
    const ret = cmd.return ?? (session.rev2 ? ['ALL' as const] : undefined);
    if (!ret) {
      const tail = modseq && seqs.length ? ` (MODSEQ ${highest})` : '';
      session.writeLine(`* SEARCH${ids.map((n) => ` ${n}`).join('')}${tail}`);
      return { text: 'SEARCH completed' };
    }
    const opts = ret.length === 0 ? ['ALL'] : ret;
    if (opts.includes('SAVE')) session.savedSearch = seqs.map((s) => view.uids[s - 1]!);
    const others = opts.filter((o) => o !== 'SAVE');
    // RFC 5182 §2.4: SAVE alone returns no ESEARCH.
    if (others.length === 0 && opts.includes('SAVE')) return { text: 'SEARCH completed, result saved' };
    const parts = [`* ESEARCH (TAG "${cmd.tag}")`];
    if (cmd.uid) parts.push('UID');
    if (others.includes('MIN') && ids.length) parts.push(`MIN ${ids[0]}`);
    if (others.includes('MAX') && ids.length) parts.push(`MAX ${ids[ids.length - 1]}`);
    if (others.includes('COUNT')) parts.push(`COUNT ${ids.length}`);
    if (others.includes('ALL') && ids.length) parts.push(`ALL ${compressSet(ids)}`);
    if (modseq && ids.length) parts.push(`MODSEQ ${highest}`);
    session.writeLine(parts.join(' '));
    return { text: 'SEARCH completed' };
  },
};
