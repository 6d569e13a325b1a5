/**
 * Failed-login rate limits shared by every protocol (IMAP, POP3, submission, web) and, through the
 * store, by every node on it: failures are counted per client address and per account in sliding
 * windows; once a key is over its limit, further attempts for it are refused without checking the
 * password until the window moves on. The per-account limit is higher than the per-address one,
 * so that one attacker cannot easily lock a person out, while a distributed guess at one password
 * is still slowed down.
 *
 * The counts live in the store (store.loginFailures) and are read there at check time, so a
 * failure on one node counts on every node at once; the only memory kept here is which
 * addresses were seen with failures, so that a successful login (the common case) costs no write
 * when there is nothing to clear. Without a store (unit tests) failures are kept in memory.
 */
import type { Clock } from '../core/clock.ts';
import type { LoginFailureStore } from '../store/ports.ts';

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

/** Bound on keys kept in memory, so that a flood of addresses cannot grow memory without end. */
const MAX_KEYS = 100_000;
/** Old failures are deleted from the store at most this often per node. */
const PRUNE_EVERY_MS = 60_000;

/** Failures in process memory: the limiter's store when there is no shared one. */
export class MemoryLoginFailures implements LoginFailureStore {
  readonly #map = new Map<string, number[]>();

  record(keys: readonly string[], at: number): Promise<void> {
    for (const key of keys) {
      let list = this.#map.get(key);
      if (!list) {
        if (this.#map.size >= MAX_KEYS) this.#map.delete(this.#map.keys().next().value as string);
        list = [];
        this.#map.set(key, list);
      }
      list.push(at);
      if (list.length > 1000) list.splice(0, list.length - 1000);
    }
    return Promise.resolve();
  }

  recent(key: string, since: number, limit: number): Promise<number[]> {
    const list = this.#map.get(key) ?? [];
    return Promise.resolve(list.filter((t) => t > since).sort((a, b) => b - a).slice(0, limit));
  }

  clear(key: string): Promise<void> {
    this.#map.delete(key);
    return Promise.resolve();
  }

  prune(before: number): Promise<number> {
    let n = 0;
    for (const [key, list] of this.#map) {
      const keep = list.filter((t) => t > before);
      n += list.length - keep.length;
      if (keep.length) this.#map.set(key, keep);
      else this.#map.delete(key);
    }
    return Promise.resolve(n);
  }
}

export class LoginLimiter {
  /** Addresses whose last check found failures: only these are cleared on success. */
  readonly #withFailures = new Set<string>();
  #lastPrune = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly failures: LoginFailureStore = new MemoryLoginFailures(),
  ) {}

  /** Milliseconds until a login for this address/account may be tried again (0: now). */
  async retryAfter(remoteAddress: string, account: string): Promise<number> {
    const now = this.clock.now();
    const [byAddress, byAccount] = await Promise.all([
      this.failures.recent(addressKey(remoteAddress), now - this.limits.perAddress.windowMs, this.limits.perAddress.failures),
      this.failures.recent(accountKey(account), now - this.limits.perAccount.windowMs, this.limits.perAccount.failures),
    ]);
    if (byAddress.length > 0) this.remember(remoteAddress);
    else this.#withFailures.delete(remoteAddress);
    return Math.max(wait(byAddress, this.limits.perAddress, now), wait(byAccount, this.limits.perAccount, now));
  }

  async recordFailure(remoteAddress: string, account: string): Promise<void> {
    const now = this.clock.now();
    this.remember(remoteAddress);
    await this.failures.record([addressKey(remoteAddress), accountKey(account)], now);
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      const longest = Math.max(this.limits.perAddress.windowMs, this.limits.perAccount.windowMs);
      await this.failures.prune(now - longest);
    }
  }

  /** A success clears the address's failures (a person who mistyped is not kept waiting). */
  async recordSuccess(remoteAddress: string): Promise<void> {
    if (!this.#withFailures.delete(remoteAddress)) return;
    await this.failures.clear(addressKey(remoteAddress));
  }

  private remember(remoteAddress: string): void {
    if (this.#withFailures.size >= MAX_KEYS) this.#withFailures.delete(this.#withFailures.values().next().value as string);
    this.#withFailures.add(remoteAddress);
  }
}

const addressKey = (remoteAddress: string): string => `a:${remoteAddress}`;
const accountKey = (account: string): string => `u:${account.toLowerCase()}`;

/** `recent` is newest first and holds at most `rule.failures` entries. */
function wait(recent: readonly number[], rule: LimitRule, now: number): number {
  if (recent.length < rule.failures) return 0;
  return Math.max(0, recent[rule.failures - 1]! + rule.windowMs - now);
}
