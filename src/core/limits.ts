/**
 * Every hostile-input cap and size limit in one place (imapflow's limits.js), so that parsers,
 * the store and the CLI cannot drift apart.
 */
export const LIMITS = {
  /** Longest address we accept (RFC 5321 §4.5.3.1.3 path limit). */
  addressLength: 254,
  /** Local part limit, RFC 5321 §4.5.3.1.1. */
  localPartLength: 64,
  /** Longest domain name, RFC 1035. */
  domainLength: 253,
  /** Longest mailbox name in UTF-8 octets (per path, all levels). */
  mailboxNameBytes: 1024,
  /** Deepest mailbox hierarchy. */
  mailboxDepth: 32,
  /** Largest message the store accepts (default APPENDLIMIT / SMTP SIZE). */
  messageBytes: 64 * 1024 * 1024,
  /** Longest keyword (flag) name and most keywords per message. */
  keywordLength: 128,
  keywordsPerMessage: 64,
  /** Longest password accepted for hashing (bounds the work an attacker can ask for). */
  passwordBytes: 1024,
  /** MIME indexer: deepest nesting of multiparts / message/rfc822 and most parts indexed. */
  mimeDepth: 50,
  mimeParts: 2000,
  /** Characters of decoded text kept per message for search. */
  searchTextChars: 1024 * 1024,
  /** Characters of preview text (RFC 8970 allows up to 256 octets). */
  previewChars: 200,
  /** An IMAP session (also one in IDLE) without input for this long is logged out (RFC 9051 §5.4: at least 30 min). */
  imapIdleTimeoutMs: 30 * 60 * 1000,
  /** A POP3 session without input for this long is closed without entering UPDATE (RFC 1939 §3: at least 10 min). */
  pop3IdleTimeoutMs: 10 * 60 * 1000,
  /** Longest POP3 command line, CRLF included (RFC 2449 §4). */
  pop3LineBytes: 255,
  /** Longest SASL response line during POP3 AUTH (RFC 5034 allows more than a command line). */
  pop3SaslLineBytes: 8192,
  /** How long after a submission the client's own APPEND of it to Sent is recognised as the same message. */
  sentCopyMatchMs: 10 * 60 * 1000,
  /** Failed logins on one connection before it is closed. */
  failedLoginsPerConnection: 3,
  /** Added delay per failed login after the first, on the same connection. */
  failedLoginDelayMs: 400,
} as const;
