/**
 * `sent.save-copy` (default on): a message submitted through SMTP is filed, read, in the sender's
 * Sent folder, so every IMAP client and the web inbox show it. The message has left by then, so
 * a failure here (quota, no Sent folder) is logged and never fails the submission.
 * The copy is remembered by identity, so the client's own APPEND of the same message to Sent
 * (most clients make one) is recognised and stored once (AppendInput.submitted / matchSubmitted).
 */
import type { Logger } from '../../core/log.ts';
import type { Store } from '../../store/ports.ts';
import type { Account } from '../../store/types.ts';

export async function fileSentCopy(store: Store, log: Logger, account: Account, raw: Buffer): Promise<boolean> {
  try {
    const { values } = await store.settings.get(account.id);
    if (!values['sent.save-copy']) return false;
    const sent = await store.mailboxes.byRole(account.id, 'sent');
    if (!sent) {
      log.warn({ account: account.address }, 'no Sent folder; the sent copy is not filed');
      return false;
    }
    await store.messages.append(account.id, sent.id, { raw, flags: ['\\Seen'], submitted: true });
    return true;
  } catch (err) {
    log.warn({ err, account: account.address }, 'sent copy not filed');
    return false;
  }
}
