/**
 * The SMTP engine's hostile-input caps (beside core/limits.ts, which holds the store-wide ones).
 */
export const SMTP_LIMITS = {
  /**
   * Longest command line, CRLF included. RFC 5321 §4.5.3.1.4 says 512 octets, and §4.5.3.1.4
   * also lets extensions raise it (MAIL FROM with SIZE, BODY, SMTPUTF8, RET, ENVID; a long
   * AUTH PLAIN response): 4096 leaves room for all of them.
   */
  commandLineBytes: 4096,
  /** Unknown commands on one connection before it is closed (a scanner, or not SMTP at all). */
  unknownCommands: 10,
  /** Commands other than AUTH on a listener that requires AUTH (submission) before it closes. */
  unauthenticatedCommands: 20,
  /** Unanswered input held while a hook runs before the socket stops reading. */
  bufferedInputBytes: 64 * 1024,
  /** RFC 5321 §4.5.3.2.7: a server waits at least 5 minutes for the next command. */
  idleTimeoutMs: 5 * 60 * 1000,
  /** Longest HELO/EHLO argument kept (it goes into the Received header). */
  heloLength: 300,
} as const;
