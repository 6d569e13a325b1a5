/**
 * Per-account submission rate (`smtp.send-rate`, messages per hour) in a sliding window, shared
 * by SMTP submission and the web, and by every node on the store: each accepted submission is a
 * row in the store's send log (SendLogStore), read at check time, so that an account behind a
 * load balancer gets its hourly allowance in all, not once per node.
 *
 * Check and record are two steps: submissions racing on several nodes can overshoot the limit by
 * the number in flight at once, which a limit meant to stop a hijacked account's spam run
 * tolerates. A store that cannot answer the check fails the submission like any store error (a
 * temporary refusal); one that cannot record an accepted message is the caller's to log, never
 * to report to the client, who would send the delivered message again.
 */
import type { Clock } from '../core/clock.ts';
import type { SendLogStore } from '../store/ports.ts';

const HOUR_MS = 60 * 60 * 1000;
/** How often (at most) a node deletes rows older than the window. */
const PRUNE_EVERY_MS = 10 * 60 * 1000;

export class SendRateLimiter {
  #lastPrune = 0;

  constructor(
    private readonly log: SendLogStore,
    private readonly clock: Clock,
    private readonly perHour: number,
  ) {}

  /** Milliseconds until this account may submit again (0: now). */
  async retryAfter(accountId: number): Promise<number> {
    const now = this.clock.now();
    const recent = await this.log.recent(accountId, now - HOUR_MS, this.perHour);
    if (recent.length < this.perHour) return 0;
    // Newest first: the oldest of the last `perHour` leaves the window first.
    return Math.max(1, recent[this.perHour - 1]! + HOUR_MS - now);
  }

  async record(accountId: number): Promise<void> {
    const now = this.clock.now();
    await this.log.record(accountId, now);
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      await this.log.prune(now - HOUR_MS);
    }
  }
}

// One limiter object per node (per ServerContext): 587, 465, AUTH on 25 and the web share it.
const perNode = new WeakMap<object, SendRateLimiter>();

/** The node's limiter; `node` is the ServerContext (any object that lives as long as the node). */
export function sendRateFor(node: object, log: SendLogStore, clock: Clock, perHour: number): SendRateLimiter {
  let limiter = perNode.get(node);
  if (!limiter) {
    limiter = new SendRateLimiter(log, clock, perHour);
    perNode.set(node, limiter);
  }
  return limiter;
}
