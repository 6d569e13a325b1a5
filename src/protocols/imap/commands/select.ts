// RFC 9051 §6.3.2 SELECT, §6.3.3 EXAMINE, §6.4.2 CLOSE; RFC 3691 UNSELECT; RFC 3501 §6.3.1
// (rev1: RECENT and UNSEEN); RFC 7162 §3.1.2 (HIGHESTMODSEQ, SELECT (CONDSTORE)).
import { MailboxView } from '../mailbox-view.ts';
import { bad, no } from '../protocol-error.ts';
import { compressSet } from '../sequence.ts';
import { flagLines, type ImapSession } from '../session.ts';
import type { CommandOf, CommandSpec, Completion } from '../session-types.ts';
import { AUTHED, SELECTED } from '../session-types.ts';
import { encodeMailbox } from '../wire/encode.ts';
import { expungeDeleted } from './expunge-helpers.ts';

async function open(session: ImapSession, cmd: CommandOf<'SELECT'>, readOnly: boolean): Promise<Completion> {
  const account = session.account!;
  const store = session.ctx.store;
  const name = cmd.mailbox;
  const condstore = cmd.condstore;
  // RFC 7162 §3.2.5: the QRESYNC parameter needs QRESYNC enabled first.
  if (cmd.qresync && !session.qresync) throw bad('QRESYNC must be enabled first (ENABLE QRESYNC)');
  const wasSelected = session.state === 'selected';
  // RFC 9051 §6.3.2: selecting closes the current mailbox without expunging; [CLOSED] tells
  // rev2 and QRESYNC clients where the old mailbox's responses end (RFC 7162 §3.2.11).
  if (wasSelected) session.unselect();
  if (wasSelected && (session.rev2 || session.qresync)) session.writeLine('* OK [CLOSED] Previous mailbox closed');
  const mailbox = await store.mailboxes.get(account.id, name);
  if (!mailbox) throw no('Mailbox does not exist', 'NONEXISTENT');
  if (condstore) session.condstore = true;
  session.beginSelect(mailbox.id);
  const snap = await store.mailboxes.snapshot(account.id, mailbox.id);
  if (!snap) throw no('Mailbox does not exist', 'NONEXISTENT');
  const { values } = await store.settings.get(account.id);
  const limit = values['imap.folder-limit'];
  // imap.folder-limit: show only the newest N messages (Gmail's "limit IMAP folders").
  const rows = limit > 0 && snap.messages.length > limit ? snap.messages.slice(-limit) : snap.messages;
  const mb = snap.mailbox;
  const view = new MailboxView(mb.id, mb.uidValidity, readOnly, rows, mb.highestModseq);
  const recent = new Set<number>();
  if (!session.rev2) {
    let previous = mb.recentUid;
    if (!readOnly) previous = (await store.mailboxes.claimRecent(account.id, mb.id)).previous;
    for (const r of rows) if (r.uid > previous) recent.add(r.uid);
  }
  session.select(view, recent);
  for (const line of flagLines(view.keywordList(), readOnly)) session.writeLine(line);
  session.writeLine(`* ${view.exists} EXISTS`);
  if (!session.rev2) {
    session.writeLine(`* ${recent.size} RECENT`);
    const firstUnseen = view.flags.findIndex((f) => !f.includes('\\Seen'));
    if (firstUnseen >= 0) session.writeLine(`* OK [UNSEEN ${firstUnseen + 1}] First unseen`);
  }
  session.writeLine(`* OK [UIDVALIDITY ${mb.uidValidity}] UIDs valid`);
  session.writeLine(`* OK [UIDNEXT ${mb.uidNext}] Predicted next UID`);
  session.writeLine(`* OK [HIGHESTMODSEQ ${mb.highestModseq}] Highest`);
  // RFC 8474 §4.2: a mailbox id that survives RENAME.
  session.writeLine(`* OK [MAILBOXID (F${mb.id})] Ok`);
  if (session.rev2) session.writeLine(`* LIST () "/" ${encodeMailbox(mb.name, session.utf8)}`);
  if (cmd.qresync && cmd.qresync.uidValidity === mb.uidValidity) await resync(session, view, cmd.qresync);
  return readOnly
    ? { code: 'READ-ONLY', text: 'EXAMINE completed' }
    : { code: 'READ-WRITE', text: 'SELECT completed' };
}

/**
 * RFC 7162 §3.2.5: what changed since the client's MODSEQ: VANISHED (EARLIER) for UIDs gone
 * (within its known UIDs), then FETCH for messages changed. The seq-match hint is not needed: the
 * change log knows exactly what was expunged.
 */
async function resync(session: ImapSession, view: MailboxView, q: NonNullable<CommandOf<'SELECT'>['qresync']>): Promise<void> {
  const gone = await session.ctx.store.mailboxes.expungedSince(session.account!.id, view.mailboxId, q.modseq);
  const known = q.knownUids;
  const inKnown = (uid: number): boolean =>
    !known || known.kind === 'saved' || known.ranges.some((r) => uid >= Math.min(r.from, r.to) && uid <= Math.max(r.from, r.to));
  const vanished = gone.filter((u) => inKnown(u) && !view.seqOf(u));
  if (vanished.length) session.writeLine(`* VANISHED (EARLIER) ${compressSet(vanished)}`);
  for (let i = 0; i < view.exists; i++) {
    if (view.modseqs[i]! <= q.modseq) continue;
    const uid = view.uids[i]!;
    session.writeLine(`* ${i + 1} FETCH (UID ${uid} FLAGS ${session.flagsOf(uid, view.flags[i]!)} MODSEQ (${view.modseqs[i]}))`);
  }
}

export const select: CommandSpec<'SELECT'> = {
  states: AUTHED,
  handle: (session, cmd) => open(session, cmd, false),
};

export const examine: CommandSpec<'EXAMINE'> = {
  states: AUTHED,
  handle: (session, cmd) => open(session, cmd, true),
};

export const close: CommandSpec<'CLOSE'> = {
  states: SELECTED,
  async handle(session) {
    // RFC 9051 §6.4.2: expunge silently (no EXPUNGE responses), then leave the mailbox.
    if (!session.view!.readOnly) await expungeDeleted(session, null);
    session.unselect();
    return { text: 'CLOSE completed' };
  },
};

export const unselect: CommandSpec<'UNSELECT'> = {
  states: SELECTED,
  handle(session) {
    session.unselect();
    return Promise.resolve({ text: 'UNSELECT completed' });
  },
};
