/**
 * Failed-login rate limits shared by every protocol of a node (IMAP, POP3, submission, web):
 * failures are counted per client address and per account in sliding windows; once a key is over
 * its limit, further attempts for it are refused without checking the password until the window
 * moves on. The per-account limit is higher than the per-address one, so that one attacker cannot
 * easily lock a person out, while a distributed guess at one password is still slowed down.
 */
import type { Clock } from '../core/clock.ts';

export interface LimitRule {
  readonly failures: number;
  readonly windowMs: number;
}

export interface LoginLimits {
  readonly perAddress: LimitRule;
  readonly perAccount: LimitRule;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: { failures: 10, windowMs: 5 * 60_000 },
  perAccount: { failures: 30, windowMs: 15 * 60_000 },
};

/** Bound on tracked keys, so that a flood of addresses cannot grow memory without end. */
const MAX_KEYS = 100_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  /** Milliseconds until a login for this address/account may be tried again (0: now). */
  retryAfter(remoteAddress: string, account: string): number {
    const now = this.clock.now();
    return Math.max(
      this.wait(`a:${remoteAddress}`, this.limits.perAddress, now),
      this.wait(`u:${account.toLowerCase()}`, this.limits.perAccount, now),
    );
  }

  recordFailure(remoteAddress: string, account: string): void {
    const now = this.clock.now();
    this.push(`a:${remoteAddress}`, now, this.limits.perAddress);
    this.push(`u:${account.toLowerCase()}`, now, this.limits.perAccount);
  }

  /** A success clears the address's failures (a person who mistyped is not kept waiting). */
  recordSuccess(remoteAddress: string): void {
    this.failures.delete(`a:${remoteAddress}`);
  }

  private wait(key: string, rule: LimitRule, now: number): number {
    const list = this.live(key, rule, now);
    if (list.length < rule.failures) return 0;
    return list[list.length - rule.failures]! + rule.windowMs - now;
  }

  private push(key: string, now: number, rule: LimitRule): void {
    const list = this.live(key, rule, now);
    list.push(now);
    if (list.length > rule.failures * 2) list.splice(0, list.length - rule.failures * 2);
    if (!this.failures.has(key)) {
      if (this.failures.size >= MAX_KEYS) this.failures.delete(this.failures.keys().next().value as string);
      this.failures.set(key, list);
    }
  }

  private live(key: string, rule: LimitRule, now: number): number[] {
    const list = this.failures.get(key) ?? [];
    while (list.length && list[0]! <= now - rule.windowMs) list.shift();
    if (list.length === 0) this.failures.delete(key);
    return list;
  }
}
