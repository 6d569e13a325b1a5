/**
 * Which messages make up the maildrop at login, from the account's settings (read now, so a
 * change in the web or the CLI applies at the next login):
 * - `pop.mode=classic`: every message in INBOX; `gmail`: those in INBOX no POP3 session
 *   downloaded yet.
 * - `pop.enabled=from-now-on`: only mail that arrived after the setting was chosen.
 * - `recent:ADDRESS` (Gmail's "recent mode", for a second device): INBOX and Archive messages of
 *   the last 30 days whether downloaded or not, under gmail rules. Allowed in both modes: it
 *   only lists mail the user may read anyway, and from-now-on still limits it.
 */
import type { Account } from '../../store/types.ts';
import type { Store } from '../../store/ports.ts';
import { PopMaildrop } from './maildrop.ts';
import { popError } from './pop-error.ts';

export const RECENT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export async function openMaildrop(store: Store, account: Account, opts: { recent: boolean; now: number }): Promise<PopMaildrop> {
  const { values, updatedAt } = await store.settings.get(account.id);
  const inbox = await store.mailboxes.byRole(account.id, 'inbox');
  if (!inbox) throw popError('this account has no INBOX', 'SYS/PERM');
  let since: number | undefined;
  if (values['pop.enabled'] === 'from-now-on') since = updatedAt['pop.enabled'] ?? account.createdAt;
  const mailboxIds = [inbox.id];
  if (opts.recent) {
    const archive = await store.mailboxes.byRole(account.id, 'archive');
    if (archive) mailboxIds.push(archive.id);
    since = Math.max(since ?? 0, opts.now - RECENT_WINDOW_MS);
  }
  const gmail = opts.recent || values['pop.mode'] === 'gmail';
  const messages = await store.pop.maildrop(account.id, {
    mailboxIds,
    ...(!opts.recent && gmail ? { notDownloaded: true } : {}),
    ...(since !== undefined ? { since } : {}),
  });
  return new PopMaildrop(messages, {
    rules: gmail ? 'gmail' : 'classic',
    afterRetrieve: values['pop.after-retrieve'],
    expungeAction: values['imap.expunge-action'],
  });
}
