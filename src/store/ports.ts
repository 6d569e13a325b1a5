/**
 * The store's ports: the async interfaces every caller (protocols, delivery, http, cli) uses.
 * There is one implementation over two SQL dialects (src/store/sql); nothing above this file
 * knows which one runs. Every write is one transaction and resolves only once durable; every
 * committed change to mail is published on the change feed after the commit, in commit order.
 */
import type { Readable } from 'node:stream';
import type { AccountSettings, SettingKey } from '../core/settings-schema.ts';
import type { DisplayAddress } from '../mime/display-address.ts';
import type { MessageIndex } from '../mime/types.ts';
import type { Change, ChangeListener, FlagsChangeInfo, Unsubscribe } from './changes.ts';
import type {
  Account,
  Domain,
  Mailbox,
  MailboxRole,
  MessageFlagsRow,
  MessageMeta,
  SettingRecord,
} from './types.ts';

export interface DomainStore {
  add(name: string): Promise<Domain>;
  list(): Promise<Domain[]>;
  /** Fails with PK_ERR_DOMAIN_NOT_EMPTY while accounts remain. */
  remove(name: string): Promise<void>;
  exists(name: string): Promise<boolean>;
}

export interface NewAccount {
  readonly address: string;
  /** A PHC-format hash from src/auth; the store never sees a password. */
  readonly passwordHash: string;
  readonly admin?: boolean;
  readonly quotaBytes?: number;
}

export interface AccountStore {
  /** Creates the account with INBOX, Sent, Drafts, Trash, Junk and Archive. */
  create(input: NewAccount): Promise<Account>;
  get(address: string): Promise<Account | null>;
  getById(id: number): Promise<Account | null>;
  list(domain?: string): Promise<Account[]>;
  /** Removes the account, its mailboxes, messages, settings and unreferenced blobs. */
  remove(address: string): Promise<void>;
  passwordHash(address: string): Promise<{ account: Account; hash: string } | null>;
  setPasswordHash(address: string, hash: string): Promise<void>;
  setQuota(address: string, quotaBytes: number): Promise<void>;
  setAdmin(address: string, admin: boolean): Promise<void>;
  /** A disabled account cannot log in anywhere; its mail is still received. */
  setDisabled(address: string, disabled: boolean): Promise<void>;
}

/** One alias: mail for `source` goes to `target`. */
export interface Alias {
  /** A full address of a local domain, or `@domain` for the domain's catch-all. */
  readonly source: string;
  /** A local account or an address elsewhere (then the mail is forwarded). */
  readonly target: string;
  readonly createdAt: number;
}

/** Where mail for one address goes, as delivery sees it. */
export interface Recipients {
  /** Local accounts that get a copy. */
  readonly accounts: readonly Account[];
  /** Addresses elsewhere the mail is forwarded to. */
  readonly external: readonly string[];
  /**
   * The address is neither an account nor an alias: the domain's catch-all took it. Receiving
   * through a catch-all does not make an address the account's own to send from.
   */
  readonly catchAll: boolean;
}

export interface AliasStore {
  /**
   * Adds `source` → `target`. The source's domain must be local and the source must not be an
   * account (an account receives its own mail; forward it with `forward.to`).
   */
  add(source: string, target: string): Promise<Alias>;
  /** Removes one target of `source`, or every target when `target` is omitted. */
  remove(source: string, target?: string): Promise<void>;
  list(domain?: string): Promise<Alias[]>;
  /**
   * Resolves an address: an account gets its own mail; otherwise the alias's targets (aliases
   * of aliases followed up to a depth of 10, loops ignored); otherwise the domain's catch-all;
   * otherwise nobody (both lists empty).
   */
  resolve(address: string): Promise<Recipients>;
}

export interface SettingsStore {
  /** Typed values with defaults filled in, plus when each stored key was last set. */
  get(accountId: number): Promise<{
    values: AccountSettings;
    updatedAt: Partial<Record<SettingKey, number>>;
  }>;
  /** Validates against the settings schema; fails with PK_ERR_SETTING_UNKNOWN/VALUE. */
  set(accountId: number, key: string, value: string): Promise<SettingRecord>;
  /** Forgets a stored value, so the default applies again. */
  reset(accountId: number, key: string): Promise<void>;
}

export interface MailboxStore {
  list(accountId: number): Promise<Mailbox[]>;
  /** Looks a mailbox up by full name; `INBOX` matches case-insensitively. */
  get(accountId: number, name: string): Promise<Mailbox | null>;
  getById(accountId: number, id: number): Promise<Mailbox | null>;
  byRole(accountId: number, role: MailboxRole): Promise<Mailbox | null>;
  /** Creates the mailbox and any missing parents (RFC 3501 §6.3.3). */
  create(accountId: number, name: string, opts?: { role?: MailboxRole }): Promise<Mailbox>;
  /**
   * Renames a mailbox with all its children. Renaming INBOX moves its messages into a new
   * mailbox and leaves INBOX empty (RFC 3501 §6.3.5).
   */
  rename(accountId: number, from: string, to: string): Promise<Mailbox>;
  /** Deletes a mailbox and its messages; refuses INBOX and mailboxes with children. */
  delete(accountId: number, name: string): Promise<void>;
  /** Subscriptions are kept by name and may name mailboxes that do not exist (RFC 3501 §6.3.6). */
  setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void>;
  listSubscriptions(accountId: number): Promise<string[]>;
  /**
   * The mailbox and the UID, MODSEQ and flags of all its messages, read in one consistent
   * snapshot: what SELECT starts from. Changes with a MODSEQ above `mailbox.highestModseq` are
   * not in it; the change feed brings them.
   */
  snapshot(accountId: number, mailboxId: number): Promise<{ mailbox: Mailbox; messages: MessageFlagsRow[] } | null>;
  /**
   * UIDs expunged from (or moved out of) the mailbox by changes with a MODSEQ above `modseq`,
   * ascending: what QRESYNC reports as VANISHED (EARLIER) (RFC 7162 §3.2.5).
   */
  expungedSince(accountId: number, mailboxId: number, modseq: number): Promise<number[]>;
  /** Marks messages up to UIDNEXT-1 as claimed for \Recent and returns the previous mark. */
  claimRecent(accountId: number, mailboxId: number): Promise<{ previous: number; uidNext: number }>;
}

export interface AppendInput {
  readonly raw: Uint8Array;
  readonly flags?: readonly string[];
  /** INTERNALDATE in ms; defaults to now. */
  readonly internalDate?: number;
  /**
   * This is the Sent copy of a message just submitted: remember its identity (Message-ID, Date
   * and sender, src/mime/submission-identity.ts) so that the client's own APPEND of the same
   * message is recognised (`matchSubmitted`).
   */
  readonly submitted?: boolean;
  /**
   * When a copy filed at submission with the same identity was stored in this mailbox within
   * `withinMs`, store nothing and return that message (`duplicate: true`). Never refuses.
   */
  readonly matchSubmitted?: { readonly withinMs: number };
}

export interface AppendResult {
  readonly id: number;
  readonly uid: number;
  readonly uidValidity: number;
  readonly modseq: number;
  readonly size: number;
  /** The message was recognised as the copy filed at submission and not stored again. */
  readonly duplicate?: boolean;
}

export type FlagMode = 'set' | 'add' | 'remove';

export interface StoreFlagsInput {
  readonly uids: readonly number[];
  readonly mode: FlagMode;
  readonly flags: readonly string[];
  /** CONDSTORE UNCHANGEDSINCE (RFC 7162 §3.1.3): skip messages with a higher MODSEQ. */
  readonly unchangedSince?: number;
}

export interface StoreFlagsResult {
  /** The mailbox MODSEQ given to the changed messages (unchanged when nothing changed). */
  readonly modseq: number;
  readonly changed: readonly FlagsChangeInfo[];
  /** UIDs refused because of UNCHANGEDSINCE. */
  readonly conflicts: readonly number[];
}

export interface CopyResult {
  readonly uidValidity: number;
  /** Pairs of [source uid, destination uid], in source UID order. */
  readonly mapping: readonly (readonly [number, number])[];
}

/** One row of a message list (the web inbox): metadata plus what a list shows, from the index. */
export interface MessageSummary extends MessageMeta {
  /** Decoded Subject, "" when absent. */
  readonly subject: string;
  readonly from: readonly DisplayAddress[];
  readonly to: readonly DisplayAddress[];
  readonly cc: readonly DisplayAddress[];
  /** The Date header (ms), or null when absent or unparseable. */
  readonly date: number | null;
  readonly preview: string;
  readonly hasAttachments: boolean;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  /** RFC 5256 base subject (conversation grouping). */
  readonly baseSubject: string;
}

/** Where the next page starts: messages older than this one (INTERNALDATE, then UID). */
export interface PageCursor {
  readonly internalDate: number;
  readonly uid: number;
}

export interface MessagePage {
  /** Messages in the mailbox. */
  readonly total: number;
  /** Newest first. */
  readonly items: readonly MessageSummary[];
  /** null on the last page. */
  readonly next: PageCursor | null;
}

/** A random-access view of one stored message's bytes. */
export interface BlobReader {
  readonly size: number;
  /** Bytes [start, end) (clamped to the message). */
  read(start?: number, end?: number): Promise<Buffer>;
  /** A stream of bytes [start, end), never holding a large message in memory at once. */
  stream(start?: number, end?: number): Readable;
}

/** Fields of the full-text index (decoded, any charset): what IMAP SEARCH and the web search. */
export type TextField = 'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'headers' | 'body';

export interface MessageStore {
  /** Stores a message (indexing it once) and resolves after the commit is durable. */
  append(accountId: number, mailboxId: number, input: AppendInput): Promise<AppendResult>;
  /** Stores several messages in one transaction: all or none (IMAP MULTIAPPEND, RFC 3502). */
  appendMany(accountId: number, mailboxId: number, inputs: readonly AppendInput[]): Promise<AppendResult[]>;
  /** UID, MODSEQ and flags of every message, in UID order: the SELECT / sync fast path. */
  listFlags(mailboxId: number): Promise<MessageFlagsRow[]>;
  /** Metadata of messages with the given UIDs (all when omitted), in UID order. */
  list(mailboxId: number, uids?: readonly number[]): Promise<MessageMeta[]>;
  get(mailboxId: number, uid: number): Promise<MessageMeta | null>;
  /**
   * A page of the mailbox, newest INTERNALDATE first (UID breaks ties), starting after
   * `before`: served by an index, so page 1 of 100,000 messages costs what page 1 of 100 does.
   */
  page(mailboxId: number, opts: { readonly limit: number; readonly before?: PageCursor }): Promise<MessagePage>;
  /** Summaries of the messages with these UIDs (search results), newest first. */
  summaries(mailboxId: number, uids: readonly number[]): Promise<MessageSummary[]>;
  /** The MIME index stored with the blob (ENVELOPE, BODYSTRUCTURE, part offsets). */
  index(blobHash: string): Promise<MessageIndex | null>;
  open(blobHash: string): Promise<BlobReader>;
  /** Readers for many messages in one query (FETCH of bodies streams through these). */
  openMany(blobHashes: readonly string[]): Promise<Map<string, BlobReader>>;
  storeFlags(accountId: number, mailboxId: number, input: StoreFlagsInput): Promise<StoreFlagsResult>;
  copy(accountId: number, fromMailboxId: number, uids: readonly number[], toMailboxId: number): Promise<CopyResult>;
  /** MOVE (RFC 6851): copy and expunge in one transaction. */
  move(accountId: number, fromMailboxId: number, uids: readonly number[], toMailboxId: number): Promise<CopyResult>;
  /**
   * UIDs of the mailbox's messages whose decoded text contains `needle` in any of `fields`:
   * a case-insensitive substring match served by the full-text index, not a scan.
   */
  searchText(mailboxId: number, fields: readonly TextField[], needle: string): Promise<number[]>;
  /**
   * Removes messages flagged \Deleted (only those among `uids` when given: UID EXPUNGE) and
   * returns the expunged UIDs in ascending order.
   */
  expunge(accountId: number, mailboxId: number, uids?: readonly number[]): Promise<number[]>;
}

export interface ChangeFeed {
  /** Calls `listener` for every change of the account committed after this call, in order. */
  subscribe(accountId: number, listener: ChangeListener): Unsubscribe;
  /** Every account's changes (the web's connected-clients panel, replication, tests). */
  subscribeAll(listener: ChangeListener): Unsubscribe;
  /** Reads the durable change log after `afterSeq`: how a subscriber that fell behind catches up. */
  readSince(accountId: number, afterSeq: number, limit?: number): Promise<Change[]>;
  /** The account's latest change sequence number (0 when none). */
  lastSeq(accountId: number): Promise<number>;
}

/** One message of a POP3 maildrop (RFC 1939), as listed when the maildrop is opened. */
export interface PopMessage {
  /** Permanent, never-reused message id: the UIDL. Survives MOVE. */
  readonly id: number;
  readonly mailboxId: number;
  readonly uid: number;
  /**
   * Octets RETR sends before dot-stuffing: the message in CRLF form (bare LF counted as CRLF,
   * a missing final line break added). Equal to the stored size for well-formed mail.
   */
  readonly size: number;
  readonly blobHash: string;
  readonly internalDate: number;
  /** Already downloaded over POP3 by an earlier session (the `pop.mode=gmail` marker). */
  readonly downloaded: boolean;
}

export interface PopMaildropQuery {
  /** The mailboxes that make up the maildrop (INBOX; INBOX and Archive for `recent:`). */
  readonly mailboxIds: readonly number[];
  /** Only messages no POP3 session downloaded yet. */
  readonly notDownloaded?: boolean;
  /** Only messages with an INTERNALDATE at or after this (ms since the epoch). */
  readonly since?: number;
}

/**
 * What the UPDATE state does to one message. `trash` and `archive` move it there (a message
 * already in Trash is deleted for good by `trash`; one already in Archive stays by `archive`);
 * `delete` removes it for good; `mark-read` sets \Seen; `keep` changes nothing.
 */
export type PopAction = 'keep' | 'mark-read' | 'archive' | 'trash' | 'delete';

export interface PopUpdateItem {
  readonly id: number;
  /** The mailbox it was listed in: a message that moved or went meanwhile is skipped. */
  readonly mailboxId: number;
  readonly action: PopAction;
  /** Remember it as downloaded (the `pop.mode=gmail` marker). */
  readonly markDownloaded: boolean;
}

/** One POP3 session that ended with QUIT, for the web's connected-clients panel. */
export interface PopDownloadRecord {
  readonly at: number;
  readonly remoteAddress: string;
  /** Messages retrieved (RETR) in the session. */
  readonly retrieved: number;
  /** Messages marked with DELE in the session. */
  readonly deleted: number;
}

/** The exclusive-access lock on an account's maildrop (RFC 1939 §8). */
export interface PopLock {
  /**
   * Resolves while the lock is still held; rejects with Unavailable when it was lost meanwhile
   * (PostgreSQL restarted or the lock's connection broke, so another session may hold it now).
   * The UPDATE state runs it before applying anything.
   */
  verify(): Promise<void>;
  /** Idempotent. */
  release(): Promise<void>;
}

export interface PopStore {
  /** Takes the account's maildrop lock; null while another POP3 session holds it. */
  lock(accountId: number): Promise<PopLock | null>;
  /**
   * The maildrop's messages: in UID order for one mailbox, by INTERNALDATE then id across
   * several. Read in one consistent snapshot.
   */
  maildrop(accountId: number, query: PopMaildropQuery): Promise<PopMessage[]>;
  /**
   * The UPDATE state (RFC 1939 §6): applies every item in one transaction, publishes the
   * changes on the feed (so IMAP clients see them at once) and records the session in the
   * download history. Items whose message moved or went meanwhile are skipped.
   */
  update(
    accountId: number,
    items: readonly PopUpdateItem[],
    record: Omit<PopDownloadRecord, 'at'>,
  ): Promise<{ readonly applied: number; readonly skipped: number }>;
  /** The last sessions that ended with QUIT, newest first. */
  recentDownloads(accountId: number, limit: number): Promise<PopDownloadRecord[]>;
}

/** RFC 3461 DSN parameters kept with a queued message (the submitting client's MAIL/RCPT options). */
export interface QueueDsn {
  readonly ret?: 'FULL' | 'HDRS';
  readonly envid?: string;
  /** NOTIFY per recipient address: NEVER, or any of SUCCESS/FAILURE/DELAY. */
  readonly notify?: Readonly<Record<string, readonly ('NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY')[]>>;
}

export type QueueRecipientStatus = 'pending' | 'delivered' | 'failed';

export interface QueueRecipient {
  readonly address: string;
  readonly status: QueueRecipientStatus;
  /** The last reply (or local error) for this recipient, e.g. `450 4.2.0 mailbox busy`. */
  readonly reply: string | null;
  readonly updatedAt: number | null;
}

/** One message in the outbound queue with the state of each of its recipients. */
export interface QueueItem {
  readonly id: number;
  /** Envelope sender; '' for the null reverse-path of bounces. */
  readonly sender: string;
  readonly accountId: number | null;
  readonly size: number;
  readonly dsn: QueueDsn | null;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly attempts: number;
  /** The one delay notice (RFC 3464 action=delayed) went out. */
  readonly delayNotified: boolean;
  readonly lastError: string | null;
  /** Who is working on it and until when; null when nobody holds it. */
  readonly lease: { readonly owner: string; readonly until: number } | null;
  readonly recipients: readonly QueueRecipient[];
}

export interface QueueEnqueueInput {
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly raw: Uint8Array;
  readonly accountId?: number;
  readonly dsn?: QueueDsn;
  /** First attempt time (default: now). */
  readonly nextAttemptAt?: number;
}

/** What one delivery attempt found out; applied in one transaction by `QueueStore.finish`. */
export interface QueueAttemptResult {
  /** New status and reply per recipient; recipients left out stay as they were. */
  readonly recipients: readonly { readonly address: string; readonly status: QueueRecipientStatus; readonly reply: string | null }[];
  /** When to try the still-pending recipients again. */
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  /** Set once the delay notice went out. */
  readonly delayNotified?: boolean;
}

/**
 * The durable outbound queue. Workers (one per node) take due items with `claim`, which leases
 * them: nobody else gets an item until its lease ends, and an item whose worker died becomes due
 * again when the lease expires. Items whose recipients are all delivered or failed leave the
 * queue in `finish`.
 */
export interface QueueStore {
  /** Stores the message and its recipients (all pending); resolves once durable. */
  enqueue(input: QueueEnqueueInput): Promise<QueueItem>;
  get(id: number): Promise<QueueItem | null>;
  /** Every queued item, oldest first. */
  list(): Promise<QueueItem[]>;
  /** The queued message's bytes. */
  open(id: number): Promise<BlobReader>;
  /**
   * Leases up to `limit` items that are due (next attempt reached, no live lease) to `owner`
   * for `leaseMs`, oldest due first. Each item is handed to one claimer only.
   */
  claim(owner: string, leaseMs: number, limit: number): Promise<QueueItem[]>;
  /**
   * Records an attempt's outcome, counts the attempt and ends the lease. Removes the item when
   * no recipient is pending any more. Returns the item as it now is (null when removed); fails
   * with PK_ERR_STORE_CONFLICT when `owner` no longer holds the lease.
   */
  finish(id: number, owner: string, result: QueueAttemptResult): Promise<QueueItem | null>;
  /** When the next item becomes due (next attempt or lease expiry), or null when the queue is empty. */
  nextDue(): Promise<number | null>;
  /** Makes an item due now and drops its lease (`postkontor queue retry`). */
  retryNow(id: number): Promise<void>;
  /** Removes an item without delivering or bouncing it (`postkontor queue delete`). */
  delete(id: number): Promise<void>;
}

/** A domain's DKIM signing key (RFC 6376). */
export interface DkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: 'rsa-sha256' | 'ed25519-sha256';
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** The `p=` value of the DNS record: base64 of the DER SubjectPublicKeyInfo (raw key for ed25519). */
  readonly publicKey: string;
  readonly createdAt: number;
}

export interface DkimKeyStore {
  /** The key outgoing mail of `domain` is signed with (the newest), or null. */
  active(domain: string): Promise<DkimKey | null>;
  /** Every key of a domain, newest first (old selectors stay published during a rotation). */
  list(domain: string): Promise<DkimKey[]>;
  /** Stores a key; it becomes the domain's active key. Fails with PK_ERR_STORE_CONFLICT on a used selector. */
  add(key: DkimKey): Promise<void>;
}

/**
 * Failed logins, shared by every node on the store: one record per failure and key (`a:` + client
 * address, `u:` + account). The limiter (src/auth/login-limiter.ts) reads them at check time, so
 * a failure on one node counts on all of them at once.
 */
export interface LoginFailureStore {
  /** Records one failure at `at` under each key (one transaction). */
  record(keys: readonly string[], at: number): Promise<void>;
  /** Times of the key's failures after `since`, newest first, at most `limit`. */
  recent(key: string, since: number, limit: number): Promise<number[]>;
  /** Forgets every failure of the key (a successful login clears its address). */
  clear(key: string): Promise<void>;
  /** Forgets failures at or before `before` (every key); returns how many went. */
  prune(before: number): Promise<number>;
}

/**
 * Submissions per account, shared by every node on the store: one record per accepted
 * submission, read by the sending-rate limiter (src/delivery/send-rate.ts), so that an account
 * behind a load balancer gets `smtp.send-rate` messages an hour in all, not on each node.
 */
export interface SendLogStore {
  record(accountId: number, at: number): Promise<void>;
  /** Times of the account's submissions after `since`, newest first, at most `limit`. */
  recent(accountId: number, since: number, limit: number): Promise<number[]>;
  /** Forgets submissions at or before `before` (every account); returns how many went. */
  prune(before: number): Promise<number>;
}

/** One signed-in browser as stored: the id itself is never stored, only its SHA-256. */
export interface WebSessionRecord {
  /** SHA-256 (hex) of the id in the browser's cookie. */
  readonly idHash: string;
  readonly csrf: string;
  readonly accountId: number;
  readonly createdAt: number;
  readonly lastSeen: number;
}

/** Web sessions shared by every node, so that a browser may reach any of them. */
export interface WebSessionStore {
  /** Fails with PK_ERR_ACCOUNT_NOT_FOUND for an unknown account. */
  create(session: WebSessionRecord): Promise<void>;
  /**
   * The session, or null when unknown or expired: last used at or before `idleBefore`, or
   * created at or before `createdBefore` (an expired session found is deleted).
   */
  get(idHash: string, expiry: { readonly idleBefore: number; readonly createdBefore: number }): Promise<WebSessionRecord | null>;
  /** Moves its last use to `lastSeen` (never backwards). */
  touch(idHash: string, lastSeen: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Signs the account out everywhere; returns how many sessions ended. */
  deleteForAccount(accountId: number): Promise<number>;
  /** Removes every expired session (see `get`); returns how many. */
  deleteExpired(expiry: { readonly idleBefore: number; readonly createdBefore: number }): Promise<number>;
}

/** Integrity figures for tests and `postkontor check`. */
export interface StoreStats {
  readonly blobs: number;
  readonly blobBytes: number;
  readonly messages: number;
  /** Blobs whose reference count disagrees with the messages that use them. */
  readonly badRefcounts: number;
  /** Messages whose blob is missing. */
  readonly danglingMessages: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly domains: DomainStore;
  readonly accounts: AccountStore;
  readonly aliases: AliasStore;
  readonly settings: SettingsStore;
  readonly mailboxes: MailboxStore;
  readonly messages: MessageStore;
  readonly changes: ChangeFeed;
  readonly pop: PopStore;
  readonly queue: QueueStore;
  readonly dkimKeys: DkimKeyStore;
  readonly loginFailures: LoginFailureStore;
  readonly webSessions: WebSessionStore;
  readonly sendLog: SendLogStore;
  stats(): Promise<StoreStats>;
  /** Resolves once queued writes committed and background work (text indexing) caught up. */
  idle(): Promise<void>;
  close(): Promise<void>;
}
