/**
 * Kysely table types: the SQL schema as the query builder sees it. Column types are the values
 * both dialects hand back (integers as numbers; pg int8 columns are parsed to numbers by the pg
 * dialect's type parser).
 */
import type { Generated } from 'kysely';

export interface DomainsTable {
  name: string;
  created_at: number;
}

export interface AccountsTable {
  id: Generated<number>;
  address: string;
  domain: string;
  password_hash: string;
  admin: number;
  quota_bytes: number;
  used_bytes: number;
  message_count: number;
  /** Last change-log sequence number handed out for this account. */
  change_seq: number;
  /** Last UIDVALIDITY handed out, so a recreated mailbox never reuses one. */
  uidvalidity_last: number;
  created_at: number;
  /** 1: no logins (any protocol, the web); mail is still received. */
  disabled: Generated<number>;
}

export interface SettingsTable {
  account_id: number;
  key: string;
  value: string;
  updated_at: number;
}

export interface MailboxesTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  role: string | null;
  uid_validity: number;
  uid_next: number;
  highest_modseq: number;
  messages: number;
  unseen: number;
  deleted: number;
  size: number;
  recent_uid: number;
  created_at: number;
}

export interface SubscriptionsTable {
  account_id: number;
  name: string;
}

export interface MessagesTable {
  id: Generated<number>;
  account_id: number;
  mailbox_id: number;
  uid: number;
  modseq: number;
  sysflags: number;
  keywords: string | null;
  internal_date: number;
  saved_at: number;
  size: number;
  blob_hash: string;
  /** rowid of the blob row (the full-text index's key). */
  blob_id: number;
  email_id: string;
  /** 1 once a POP3 session downloaded it (`pop.mode=gmail`). */
  pop_downloaded: Generated<number>;
}

export interface BlobsTable {
  hash: string;
  size: number;
  refcount: number;
  /** The bytes, for messages stored inline; NULL when kept as a file under blobs/. */
  data: Buffer | null;
  index_json: string;
  created_at: number;
  /** Octets of the CRLF form POP3 sends; NULL for blobs stored before schema v3 (filled lazily). */
  crlf_size: number | null;
}

export interface SubmittedCopiesTable {
  account_id: number;
  /** submissionIdentity() of the message. */
  key: string;
  message_id: number;
  created_at: number;
}

export interface AliasesTable {
  source: string;
  target: string;
  created_at: number;
}

export interface PopDownloadsTable {
  account_id: number;
  at: number;
  remote_address: string;
  retrieved: number;
  deleted: number;
}

export interface ChangeLogTable {
  account_id: number;
  seq: number;
  mailbox_id: number;
  modseq: number;
  kind: string;
  data: string;
  created_at: number;
}

/** FTS5 table (SQLite) of each blob's decoded search text; rowid = the blob row's rowid. */
export interface BlobTextTable {
  rowid: number;
  subject: string;
  from_addr: string;
  to_addr: string;
  cc_addr: string;
  bcc_addr: string;
  headers: string;
  body: string;
}

export interface QueueTable {
  id: Generated<number>;
  sender: string;
  account_id: number | null;
  size: number;
  /** sha256 of the bytes plus a random tag: the file name under queue/ when `data` is NULL. */
  hash: string;
  data: Buffer | null;
  dsn_json: string | null;
  created_at: number;
  next_attempt_at: number;
  attempts: Generated<number>;
  delay_notified: Generated<number>;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
}

export interface QueueRecipientsTable {
  queue_id: number;
  address: string;
  /** pending | delivered | failed */
  status: string;
  reply: string | null;
  updated_at: number | null;
}

export interface DkimKeysTable {
  domain: string;
  selector: string;
  algorithm: string;
  private_key: string;
  public_key: string;
  created_at: number;
}

export interface LoginFailuresTable {
  /** `a:` + client address or `u:` + lower-cased login. */
  key: string;
  at: number;
}

export interface SendLogTable {
  account_id: number;
  at: number;
}

export interface WebSessionsTable {
  /** SHA-256 (hex) of the session id the browser holds. */
  id_hash: string;
  account_id: number;
  csrf: string;
  created_at: number;
  last_seen: number;
}

export interface SchemaVersionTable {
  version: number;
  applied_at: number;
}

export interface DB {
  domains: DomainsTable;
  accounts: AccountsTable;
  settings: SettingsTable;
  mailboxes: MailboxesTable;
  subscriptions: SubscriptionsTable;
  messages: MessagesTable;
  blobs: BlobsTable;
  change_log: ChangeLogTable;
  blob_text: BlobTextTable;
  blob_text_pending: { rowid: number };
  pop_downloads: PopDownloadsTable;
  aliases: AliasesTable;
  submitted_copies: SubmittedCopiesTable;
  queue: QueueTable;
  queue_recipients: QueueRecipientsTable;
  dkim_keys: DkimKeysTable;
  login_failures: LoginFailuresTable;
  web_sessions: WebSessionsTable;
  send_log: SendLogTable;
  schema_version: SchemaVersionTable;
}
