/**
 * The stored MIME index: everything IMAP (and the web view) needs about one message, computed
 * once at delivery/APPEND time so that FETCH only slices bytes. Plain JSON data; no body text.
 */

/**
 * One ENVELOPE address entry in IMAP shape (RFC 3501 §7.4.2): strings are raw header text
 * (encoded words left as they are). Group syntax is kept as IMAP encodes it: a start marker
 * `{name:null, adl:null, mailbox:"group name", host:null}` and an end marker with all four null.
 */
export interface Address {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

/**
 * The ENVELOPE of a message as found in its header (unfolded raw values). Sender and Reply-To
 * stay null when absent: `imapEnvelope` substitutes From as RFC 3501 §7.4.2 requires.
 */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** A Content-Disposition value (lower-cased) and its parameters (RFC 2183). */
export interface Disposition {
  type: string;
  params: Record<string, string>;
}

/**
 * One MIME part with its byte ranges into the raw message (half-open [start, end) octet
 * offsets; the body always starts where the header ends) and its BODYSTRUCTURE fields.
 */
export interface MimePart {
  /**
   * IMAP part number ("1", "1.2", "2.1"). The root of a non-multipart message is "1"
   * (RFC 3501 §6.4.5). A multipart that is the root of a message has no number of its own:
   * it carries the message's prefix ("" at top level, "2" for the message inside part 2).
   */
  part: string;
  /** Lower-case media type and subtype; parameter names lower-case, values decoded (RFC 2231). */
  type: string;
  subtype: string;
  params: Record<string, string>;
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding, lower-case; "7bit" when absent. */
  encoding: string;
  md5: string | null;
  disposition: Disposition | null;
  language: string[] | null;
  location: string | null;
  headerStart: number;
  headerEnd: number;
  bodyStart: number;
  bodyEnd: number;
  /** Body size in octets (bodyEnd - bodyStart). */
  size: number;
  /** Body size in lines; set for text/* and message/rfc822 (RFC 3501 §7.4.2). */
  lines?: number;
  /** Children of a multipart, in order. */
  children?: MimePart[];
  /** For message/rfc822: the embedded message's envelope and root part. */
  message?: { envelope: Envelope; body: MimePart };
}

/** Everything derived from a message's bytes once; `v` bumps when the shape changes. */
export interface MessageIndex {
  v: 1;
  /** Message size in octets. */
  size: number;
  /** End of the root header block (including the blank line) = start of the root body. */
  headerEnd: number;
  bodyStart: number;
  root: MimePart;
  envelope: Envelope;
  /** Date header in ms since the epoch, or null when absent or unparseable. */
  date: number | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  /** Decoded Subject (RFC 2047), "" when absent. */
  subject: string;
  /** RFC 5256 §2.1 base subject, for THREAD=REFERENCES/ORDEREDSUBJECT and SORT SUBJECT. */
  baseSubject: string;
  /** RFC 8970 preview: the first text part, whitespace collapsed, at most LIMITS.previewChars. */
  preview: string;
  hasAttachments: boolean;
}

/** Decoded Unicode text of a message for full-text search. */
export interface SearchText {
  subject: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  /** Every header field as `Name: decoded value` lines (IMAP SEARCH TEXT covers the header). */
  headers: string;
  body: string;
}

/** What `indexMessage` returns: the stored index and the text to hand to the search index. */
export interface IndexedMessage {
  index: MessageIndex;
  text: SearchText;
}
