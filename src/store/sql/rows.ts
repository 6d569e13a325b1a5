/** Row → domain object mapping shared by the SQL repositories. */
import type { Kysely, Selectable } from 'kysely';
import type { Account, Mailbox, MailboxRole, MessageFlagsRow, MessageMeta } from '../types.ts';
import { flagList } from '../flags.ts';
import type { AccountsTable, DB, MailboxesTable, MessagesTable } from './tables.ts';

export function toAccount(r: Selectable<AccountsTable>): Account {
  return {
    id: r.id,
    address: r.address,
    domain: r.domain,
    admin: r.admin === 1,
    disabled: r.disabled === 1,
    quotaBytes: Number(r.quota_bytes),
    usedBytes: Number(r.used_bytes),
    messageCount: Number(r.message_count),
    createdAt: Number(r.created_at),
  };
}

export function toMailbox(r: Selectable<MailboxesTable>, subscribed: boolean): Mailbox {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    role: (r.role as MailboxRole | null) ?? null,
    subscribed,
    uidValidity: Number(r.uid_validity),
    uidNext: Number(r.uid_next),
    highestModseq: Number(r.highest_modseq),
    messages: Number(r.messages),
    unseen: Number(r.unseen),
    deleted: Number(r.deleted),
    size: Number(r.size),
    recentUid: Number(r.recent_uid),
    createdAt: Number(r.created_at),
  };
}

export function toMessage(r: Selectable<MessagesTable>): MessageMeta {
  return {
    id: r.id,
    mailboxId: r.mailbox_id,
    uid: r.uid,
    modseq: Number(r.modseq),
    flags: flagList(r.sysflags, r.keywords),
    internalDate: Number(r.internal_date),
    savedAt: Number(r.saved_at),
    size: Number(r.size),
    blobHash: r.blob_hash,
    emailId: r.email_id,
  };
}

/** UID, MODSEQ and flags of every message of a mailbox, in UID order (covering index). */
export async function listFlagRows(db: Kysely<DB>, mailboxId: number): Promise<MessageFlagsRow[]> {
  const rows = await db
    .selectFrom('messages')
    .select(['uid', 'modseq', 'sysflags', 'keywords'])
    .where('mailbox_id', '=', mailboxId)
    .orderBy('uid')
    .execute();
  const out = new Array<MessageFlagsRow>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out[i] = { uid: r.uid, modseq: Number(r.modseq), flags: flagList(r.sysflags, r.keywords) };
  }
  return out;
}
