/**
 * Per-account submission rate (`smtp.send-rate`, messages per hour) in a sliding window, shared
 * by SMTP submission and the web. Kept in memory per node: a restart forgets the window, which
 * errs on the side of letting mail out.
 */
import type { Clock } from '../core/clock.ts';

const HOUR_MS = 60 * 60 * 1000;

export class SendRateLimiter {
  readonly #sent = new Map<number, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly perHour: number,
  ) {}

  /** Milliseconds until this account may submit again (0: now). */
  retryAfter(accountId: number): number {
    const list = this.#live(accountId);
    if (list.length < this.perHour) return 0;
    return list[list.length - this.perHour]! + HOUR_MS - this.clock.now();
  }

  record(accountId: number): void {
    const list = this.#live(accountId);
    list.push(this.clock.now());
    if (list.length > this.perHour) list.splice(0, list.length - this.perHour);
    this.#sent.set(accountId, list);
  }

  #live(accountId: number): number[] {
    const now = this.clock.now();
    const list = this.#sent.get(accountId) ?? [];
    while (list.length && list[0]! <= now - HOUR_MS) list.shift();
    if (list.length === 0) this.#sent.delete(accountId);
    return list;
  }
}

// One window per node (per ServerContext): 587, 465, AUTH on 25 and the web share it.
const perNode = new WeakMap<object, SendRateLimiter>();

/** The node's limiter; `node` is the ServerContext (any object that lives as long as the node). */
export function sendRateFor(node: object, clock: Clock, perHour: number): SendRateLimiter {
  let limiter = perNode.get(node);
  if (!limiter) {
    limiter = new SendRateLimiter(clock, perHour);
    perNode.set(node, limiter);
  }
  return limiter;
}
