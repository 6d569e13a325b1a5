/**
 * The seam between everything that sends mail off this server (submission, forwarding, bounces)
 * and the outbound queue (src/delivery/outbound/). Callers hand over a message and may answer
 * their client once `enqueue` resolved: from then on the queue owns it, across restarts.
 */

/** RFC 3461 DSN parameters a submitting client may give. */
export interface DsnRequest {
  /** RET: what a bounce carries back. */
  readonly ret?: 'FULL' | 'HDRS';
  /** ENVID: the sender's id for this transaction, returned in DSNs. */
  readonly envid?: string;
  /** NOTIFY per recipient (address → NEVER, or any of SUCCESS/FAILURE/DELAY). */
  readonly notify?: Readonly<Record<string, readonly ('NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY')[]>>;
}

export interface OutboundMessage {
  /** Envelope sender (MAIL FROM); '' is the null reverse-path of bounces (RFC 5321 §4.5.5). */
  readonly sender: string;
  /** Remote recipients; each is attempted and reported on separately. */
  readonly recipients: readonly string[];
  /** The message as it goes out (trace headers added; DKIM is signed by the queue). */
  readonly raw: Buffer;
  /** The account that submitted it (its domain signs DKIM; its INBOX gets bounces). */
  readonly accountId?: number;
  readonly dsn?: DsnRequest;
  /**
   * Forwarding: rewrite the envelope sender with SRS (src/delivery/outbound/srs.ts) into this
   * local domain, so SPF passes at the next hop and bounces come back to us. The queue keeps
   * the SRS secret; callers only name the domain (the forwarding account's).
   */
  readonly srsDomain?: string;
}

export interface Outbound {
  /** Queues a message for remote delivery; resolves once it is durable in the store. */
  enqueue(message: OutboundMessage): Promise<{ readonly id: string }>;
}
