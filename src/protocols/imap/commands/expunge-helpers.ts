/**
 * Expunging, as the account's settings want it: `imap.expunge-action` = delete (for good),
 * trash or archive (move there, clearing \Deleted; an expunge inside that mailbox, or inside
 * Trash, deletes for good). Only messages this client knows of are expunged (`only`, or the whole
 * view), so a message that arrived unseen and was flagged elsewhere is reported, not vanished.
 */
import type { Removed } from '../mailbox-view.ts';
import type { ImapSession } from '../session.ts';

/** Expunges and returns what to report, in the order to report it. */
export async function expungeDeleted(session: ImapSession, only: readonly number[] | null): Promise<Removed[]> {
  const view = session.view!;
  const account = session.account!;
  const store = session.ctx.store;
  const candidates = only ?? [...view.uids];
  if (candidates.length === 0) return [];
  const { values } = await store.settings.get(account.id);
  const action = values['imap.expunge-action'];
  if (action !== 'delete') {
    const target = await store.mailboxes.byRole(account.id, action);
    const current = await store.mailboxes.getById(account.id, view.mailboxId);
    if (target && current && target.id !== current.id && current.role !== 'trash') {
      const wanted = new Set(candidates);
      const deleted = (await store.messages.listFlags(view.mailboxId))
        .filter((m) => wanted.has(m.uid) && m.flags.includes('\\Deleted'))
        .map((m) => m.uid);
      if (deleted.length === 0) return [];
      const moved = await store.messages.move(account.id, view.mailboxId, deleted, target.id);
      await store.messages.storeFlags(account.id, target.id, {
        uids: moved.mapping.map(([, dst]) => dst),
        mode: 'remove',
        flags: ['\\Deleted'],
      });
      return view.removeOwn(moved.mapping.map(([src]) => src));
    }
  }
  const removed = await store.messages.expunge(account.id, view.mailboxId, candidates);
  return view.removeOwn(removed);
}
