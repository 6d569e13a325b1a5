/**
 * Lookups scoped to the signed-in account: a mailbox id or message uid of another account is
 * answered exactly like one that does not exist (404), so ids reveal nothing.
 */
import type { Store } from '../store/ports.ts';
import type { Mailbox, MailboxRole, MessageMeta } from '../store/types.ts';
import { ApiError, notFound } from './api-error.ts';
import { idParam } from './json-body.ts';

export async function ownedMailbox(store: Store, accountId: number, idText: string | undefined): Promise<Mailbox> {
  const id = idParam(idText);
  const mailbox = id === null ? null : await store.mailboxes.getById(accountId, id);
  if (!mailbox || mailbox.accountId !== accountId) throw notFound('mailbox');
  return mailbox;
}

export async function ownedMessage(store: Store, mailbox: Mailbox, uidText: string | undefined): Promise<MessageMeta> {
  const uid = idParam(uidText);
  const meta = uid === null ? null : await store.messages.get(mailbox.id, uid);
  if (!meta) throw notFound('message');
  return meta;
}

export async function roleMailbox(store: Store, accountId: number, role: MailboxRole, name: string): Promise<Mailbox> {
  const mailbox = await store.mailboxes.byRole(accountId, role);
  if (!mailbox) throw new ApiError(409, 'conflict', `there is no ${name} folder`);
  return mailbox;
}
