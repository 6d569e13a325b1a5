/**
 * SQLite schema migrations, applied in order inside one transaction each. Append new versions;
 * never edit one that has shipped.
 */
export const SQLITE_MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE domains (
       name TEXT PRIMARY KEY,
       created_at INTEGER NOT NULL
     )`,
    `CREATE TABLE accounts (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       address TEXT NOT NULL UNIQUE,
       domain TEXT NOT NULL REFERENCES domains(name),
       password_hash TEXT NOT NULL,
       admin INTEGER NOT NULL DEFAULT 0,
       quota_bytes INTEGER NOT NULL DEFAULT 0,
       used_bytes INTEGER NOT NULL DEFAULT 0,
       message_count INTEGER NOT NULL DEFAULT 0,
       change_seq INTEGER NOT NULL DEFAULT 0,
       uidvalidity_last INTEGER NOT NULL DEFAULT 0,
       created_at INTEGER NOT NULL
     )`,
    `CREATE INDEX accounts_domain ON accounts(domain)`,
    `CREATE TABLE settings (
       account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
       key TEXT NOT NULL,
       value TEXT NOT NULL,
       updated_at INTEGER NOT NULL,
       PRIMARY KEY (account_id, key)
     ) WITHOUT ROWID`,
    `CREATE TABLE mailboxes (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
       name TEXT NOT NULL,
       role TEXT,
       uid_validity INTEGER NOT NULL,
       uid_next INTEGER NOT NULL DEFAULT 1,
       highest_modseq INTEGER NOT NULL DEFAULT 1,
       messages INTEGER NOT NULL DEFAULT 0,
       unseen INTEGER NOT NULL DEFAULT 0,
       deleted INTEGER NOT NULL DEFAULT 0,
       size INTEGER NOT NULL DEFAULT 0,
       recent_uid INTEGER NOT NULL DEFAULT 0,
       created_at INTEGER NOT NULL,
       UNIQUE (account_id, name)
     )`,
    `CREATE TABLE subscriptions (
       account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
       name TEXT NOT NULL,
       PRIMARY KEY (account_id, name)
     ) WITHOUT ROWID`,
    `CREATE TABLE blobs (
       hash TEXT PRIMARY KEY,
       size INTEGER NOT NULL,
       refcount INTEGER NOT NULL,
       data BLOB,
       index_json TEXT NOT NULL,
       created_at INTEGER NOT NULL
     )`,
    // AUTOINCREMENT: a message id is never reused, even after deletion (POP3 UIDL, OBJECTID).
    `CREATE TABLE messages (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       account_id INTEGER NOT NULL,
       mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
       uid INTEGER NOT NULL,
       modseq INTEGER NOT NULL,
       sysflags INTEGER NOT NULL DEFAULT 0,
       keywords TEXT,
       internal_date INTEGER NOT NULL,
       saved_at INTEGER NOT NULL,
       size INTEGER NOT NULL,
       blob_hash TEXT NOT NULL REFERENCES blobs(hash),
       blob_id INTEGER NOT NULL,
       email_id TEXT NOT NULL
     )`,
    // Covering index: listing UIDs, MODSEQs and flags of a mailbox never touches the table.
    `CREATE UNIQUE INDEX messages_mailbox_uid ON messages(mailbox_id, uid)`,
    `CREATE INDEX messages_mailbox_listing ON messages(mailbox_id, uid, modseq, sysflags, keywords)`,
    // From a blob (its rowid, as the full-text index knows it) to its messages, index-only.
    `CREATE INDEX messages_blob ON messages(blob_id, mailbox_id, uid)`,
    `CREATE TABLE change_log (
       account_id INTEGER NOT NULL,
       seq INTEGER NOT NULL,
       mailbox_id INTEGER NOT NULL,
       modseq INTEGER NOT NULL,
       kind TEXT NOT NULL,
       data TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       PRIMARY KEY (account_id, seq)
     ) WITHOUT ROWID`,
  ],
  // v2: full-text search. Trigram tokens give IMAP SEARCH its substring semantics
  // (RFC 9051 §6.4.4) case-insensitively for any script; one row per blob (rowid = blobs.rowid).
  // An append only notes its new blob in blob_text_pending (a tiny insert); the text goes into
  // the FTS table in batches off the hot path (fts-indexer.ts); searches read both.
  [
    `CREATE VIRTUAL TABLE blob_text USING fts5(
       subject, from_addr, to_addr, cc_addr, bcc_addr, headers, body,
       tokenize = 'trigram remove_diacritics 1'
     )`,
    `CREATE TABLE blob_text_pending (rowid INTEGER PRIMARY KEY)`,
    // QRESYNC asks which UIDs a mailbox lost since a MODSEQ (RFC 7162 §3.2.5).
    `CREATE INDEX change_log_mailbox ON change_log(mailbox_id, modseq)`,
  ],
  // v3: POP3. The octets of each blob's CRLF form (what RETR sends and LIST reports; NULL for
  // older blobs, computed on first use), the download-once marker of `pop.mode=gmail` (on the
  // message row, so it survives MOVE like the UIDL does), and the history of POP3 sessions.
  [
    `ALTER TABLE blobs ADD COLUMN crlf_size INTEGER`,
    `ALTER TABLE messages ADD COLUMN pop_downloaded INTEGER NOT NULL DEFAULT 0`,
    `CREATE TABLE pop_downloads (
       account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
       at INTEGER NOT NULL,
       remote_address TEXT NOT NULL,
       retrieved INTEGER NOT NULL,
       deleted INTEGER NOT NULL
     )`,
    `CREATE INDEX pop_downloads_account ON pop_downloads(account_id, at)`,
  ],
  // v4: aliases and catch-alls (source `@domain`), resolved at RCPT time.
  [
    `CREATE TABLE aliases (
       source TEXT NOT NULL,
       target TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       PRIMARY KEY (source, target)
     ) WITHOUT ROWID`,
  ],
  // v5: the outbound queue and DKIM keys. A queued message keeps its bytes inline (`data`) or,
  // when large, as a content-addressed file under queue/ (data NULL); it is leased to one
  // worker at a time (lease_owner, lease_until), so a crashed worker's item comes due again.
  // Recipients carry their own status and last reply. DKIM keys: the newest of a domain signs.
  [
    `CREATE TABLE queue (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       sender TEXT NOT NULL,
       account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
       size INTEGER NOT NULL,
       hash TEXT NOT NULL,
       data BLOB,
       dsn_json TEXT,
       created_at INTEGER NOT NULL,
       next_attempt_at INTEGER NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       delay_notified INTEGER NOT NULL DEFAULT 0,
       last_error TEXT,
       lease_owner TEXT,
       lease_until INTEGER
     )`,
    `CREATE INDEX queue_due ON queue(next_attempt_at)`,
    `CREATE TABLE queue_recipients (
       queue_id INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
       address TEXT NOT NULL,
       status TEXT NOT NULL,
       reply TEXT,
       updated_at INTEGER,
       PRIMARY KEY (queue_id, address)
     ) WITHOUT ROWID`,
    `CREATE TABLE dkim_keys (
       domain TEXT NOT NULL,
       selector TEXT NOT NULL,
       algorithm TEXT NOT NULL,
       private_key TEXT NOT NULL,
       public_key TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       PRIMARY KEY (domain, selector)
     ) WITHOUT ROWID`,
  ],
  // v6: the Sent copies filed at submission, by identity (Message-ID, Date, sender), so that a
  // client's own APPEND of the same message to Sent is recognised and stored once.
  [
    `CREATE TABLE submitted_copies (
       account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
       key TEXT NOT NULL,
       message_id INTEGER NOT NULL,
       created_at INTEGER NOT NULL,
       PRIMARY KEY (account_id, key)
     ) WITHOUT ROWID`,
  ],
  // v7: the web inbox. Accounts an administrator disabled; a mailbox's messages by date, newest
  // first, page by page (the message list stays fast at 100,000 messages).
  [
    `ALTER TABLE accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0`,
    `CREATE INDEX messages_mailbox_date ON messages(mailbox_id, internal_date, uid)`,
  ],
  // v8: state every node of a cluster shares. Failed logins (one row per failure and key, `a:` +
  // client address or `u:` + account, pruned after the longest window) and web sessions (by the
  // SHA-256 of the cookie's id, so that a copy of the database signs nobody in).
  [
    `CREATE TABLE login_failures (
       key TEXT NOT NULL,
       at INTEGER NOT NULL
     )`,
    `CREATE INDEX login_failures_key_at ON login_failures(key, at)`,
    `CREATE INDEX login_failures_at ON login_failures(at)`,
    `CREATE TABLE web_sessions (
       id_hash TEXT PRIMARY KEY,
       account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
       csrf TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       last_seen INTEGER NOT NULL
     ) WITHOUT ROWID`,
    `CREATE INDEX web_sessions_account ON web_sessions(account_id)`,
    `CREATE INDEX web_sessions_last_seen ON web_sessions(last_seen)`,
  ],
  // v9: accepted submissions per account, so that the sending rate holds across every node.
  [
    `CREATE TABLE send_log (
       account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
       at INTEGER NOT NULL
     )`,
    `CREATE INDEX send_log_account_at ON send_log(account_id, at)`,
    `CREATE INDEX send_log_at ON send_log(at)`,
  ],
];
