/**
 * When to try again and when to give up: 5 minutes after the first failed attempt, doubling to
 * at most an hour between attempts, for 5 days from the time the message was queued (RFC 5321
 * §4.5.4.1 asks for at least 30 minutes between tries and 4-5 days in all; the first retries
 * come sooner because most temporary failures are greylisting). One delay notice after 4 hours.
 */
export interface RetryPolicy {
  readonly firstRetryMs: number;
  readonly maxRetryMs: number;
  /** Age at which pending recipients fail with 4.4.7 and bounce. */
  readonly expireMs: number;
  /** Age after which the sender gets one "still trying" notice. */
  readonly delayNoticeMs: number;
  /** How long a worker holds a claimed item before another may take it over. */
  readonly leaseMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstRetryMs: 5 * 60_000,
  maxRetryMs: 60 * 60_000,
  expireMs: 5 * 24 * 3600_000,
  delayNoticeMs: 4 * 3600_000,
  leaseMs: 30 * 60_000,
};

/** The wait after the `attempts`-th failed attempt (1-based). */
export function retryDelay(attempts: number, policy: RetryPolicy): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(policy.firstRetryMs * 2 ** exp, policy.maxRetryMs);
}
