/**
 * Domain objects the store hands out. Plain data, no behaviour: protocols, delivery and the web
 * read these and never see SQL rows.
 */

/** Special-use roles (RFC 6154) plus INBOX; every new account gets one mailbox of each. */
export type MailboxRole = 'inbox' | 'sent' | 'drafts' | 'trash' | 'junk' | 'archive';

export const MAILBOX_ROLES: readonly MailboxRole[] = [
  'inbox',
  'sent',
  'drafts',
  'trash',
  'junk',
  'archive',
];

/** The hierarchy delimiter of mailbox names. */
export const MAILBOX_DELIMITER = '/';

/** System flags, stored as a bit set (RFC 3501 §2.3.2; \Recent is per session, not stored). */
export type SystemFlag = '\\Seen' | '\\Answered' | '\\Flagged' | '\\Deleted' | '\\Draft';

export interface Domain {
  readonly name: string;
  readonly createdAt: number;
}

export interface Account {
  readonly id: number;
  /** Canonical lower-case address; also the login name. */
  readonly address: string;
  readonly domain: string;
  readonly admin: boolean;
  /** Disabled by an administrator: no logins anywhere; mail is still received. */
  readonly disabled: boolean;
  /** Quota in bytes; 0 means unlimited. */
  readonly quotaBytes: number;
  /** Bytes used by all messages of the account (each copy counts, as IMAP QUOTA says). */
  readonly usedBytes: number;
  readonly messageCount: number;
  readonly createdAt: number;
}

export interface Mailbox {
  readonly id: number;
  readonly accountId: number;
  /** Full UTF-8 path with `/` as delimiter; INBOX is always `INBOX`. */
  readonly name: string;
  readonly role: MailboxRole | null;
  readonly subscribed: boolean;
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly highestModseq: number;
  readonly messages: number;
  readonly unseen: number;
  readonly deleted: number;
  /** Sum of message sizes (STATUS=SIZE). */
  readonly size: number;
  /** Highest UID already claimed as \Recent by some session (RFC 3501 §2.3.2). */
  readonly recentUid: number;
  readonly createdAt: number;
}

/** Per-message metadata: what an IMAP session needs without touching the blob. */
export interface MessageMeta {
  /** Permanent, never-reused id of this message row (POP3 UIDL, OBJECTID). */
  readonly id: number;
  readonly mailboxId: number;
  readonly uid: number;
  readonly modseq: number;
  /** System flags (with backslash) followed by keywords, in a stable order. */
  readonly flags: readonly string[];
  /** INTERNALDATE in ms since the epoch. */
  readonly internalDate: number;
  /** SAVEDATE (RFC 8514) in ms since the epoch. */
  readonly savedAt: number;
  /** Exact octet count of the stored message. */
  readonly size: number;
  /** sha256 of the message bytes, hex. */
  readonly blobHash: string;
  /** Stays the same across COPY and MOVE (RFC 8474 EMAILID). */
  readonly emailId: string;
}

/** A compact row for listing a whole mailbox quickly: UID, MODSEQ and flags. */
export interface MessageFlagsRow {
  readonly uid: number;
  readonly modseq: number;
  readonly flags: readonly string[];
}

export interface SettingRecord {
  readonly key: string;
  readonly value: string;
  /** When the value was last set (ms); `pop.enabled=from-now-on` counts from here. */
  readonly updatedAt: number;
}
