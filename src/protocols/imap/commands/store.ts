// RFC 9051 §6.4.6 STORE; RFC 7162 §3.1.3 UNCHANGEDSINCE and [MODIFIED], §3.2 (MODSEQ in FETCH
// responses once CONDSTORE is on). The session's own changes go into the view at once, so the
// change-feed echo of them is not reported again. `imap.auto-expunge` expunges messages as soon
// as they get \Deleted; the EXPUNGE is reported at the next point that allows it.
import { no } from '../protocol-error.ts';
import { compressSet, resolveSet } from '../sequence.ts';
import { flagLines } from '../session.ts';
import type { CommandSpec } from '../session-types.ts';
import { SELECTED } from '../session-types.ts';

export const store: CommandSpec<'STORE'> = {
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering STORE (UID STORE may get them).
  expungeAllowed: (cmd) => cmd.uid,
  async handle(session, cmd) {
    const view = session.view!;
    const account = session.account!;
    if (view.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
    if (cmd.unchangedSince !== undefined) session.condstore = true;
    const seqs = resolveSet(view, cmd.set, cmd.uid, session.savedSearch);
    const uids = seqs.map((s) => view.uids[s - 1]!).filter((u) => !view.gone.has(u));
    const result = await session.ctx.store.messages.storeFlags(account.id, view.mailboxId, {
      uids,
      mode: cmd.mode,
      flags: cmd.flags,
      ...(cmd.unchangedSince !== undefined ? { unchangedSince: cmd.unchangedSince } : {}),
    });
    let newKeywords = false;
    for (const c of result.changed) newKeywords = view.setFlags(c.uid, c.flags, result.modseq) || newKeywords;
    // RFC 3501 §7.2.6: a keyword new to the mailbox is announced before it is used in FETCH.
    if (newKeywords) for (const line of flagLines(view.keywordList(), view.readOnly)) session.writeLine(line);
    const changed = new Set(result.changed.map((c) => c.uid));
    const conflicts = new Set(result.conflicts);
    for (const seq of seqs) {
      const uid = view.uids[seq - 1]!;
      if (conflicts.has(uid) || view.gone.has(uid)) continue;
      // .SILENT suppresses FLAGS, but under CONDSTORE the new MODSEQ is still due (RFC 7162 §3.1.3).
      if (cmd.silent && !(session.condstore && changed.has(uid))) continue;
      const items: string[] = [];
      if (cmd.uid || session.qresync) items.push(`UID ${uid}`);
      if (!cmd.silent) items.push(`FLAGS ${session.flagsOf(uid, view.flags[seq - 1]!)}`);
      if (session.condstore) items.push(`MODSEQ (${view.modseqs[seq - 1]})`);
      session.writeLine(`* ${seq} FETCH (${items.join(' ')})`);
    }
    const { values } = await session.ctx.store.settings.get(account.id);
    if (values['imap.auto-expunge'] && cmd.mode !== 'remove' && cmd.flags.some((f) => f.toLowerCase() === '\\deleted')) {
      const deleted = result.changed.filter((c) => c.flags.includes('\\Deleted')).map((c) => c.uid);
      if (deleted.length) await session.ctx.store.messages.expunge(account.id, view.mailboxId, deleted);
    }
    if (result.conflicts.length > 0) {
      const ids = cmd.uid ? result.conflicts : result.conflicts.map((u) => view.seqOf(u));
      return { code: `MODIFIED ${compressSet(ids)}`, text: 'Conditional STORE failed for some messages' };
    }
    return { text: 'STORE completed' };
  },
};
