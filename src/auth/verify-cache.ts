/**
 * A short-lived memory of successful password checks, as Dovecot's auth cache keeps one. POP3
 * clients log in every few minutes and IMAP clients open several connections at once; each
 * argon2id check costs ~80 ms of CPU (deliberately), which made a POP3 login + STAT + UIDL miss
 * its 100 ms budget on its own. A repeat of a password that verified within the TTL against the
 * same stored hash is accepted without argon2.
 *
 * What is kept is an HMAC of the password under a random per-process key, bound to the stored
 * hash: never the password, nothing that outlives the process, and a changed password (a new
 * hash) misses the cache at once. Wrong passwords are never cached: every failure pays argon2.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface VerifyCacheOptions {
  readonly ttlMs?: number;
  readonly max?: number;
  readonly now?: () => number;
}

export class VerifyCache {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, { mac: Buffer; until: number }>();
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(opts: VerifyCacheOptions = {}) {
    this.#ttl = opts.ttlMs ?? 15 * 60 * 1000;
    this.#max = opts.max ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  #mac(phc: string, password: string): Buffer {
    return createHmac('sha256', this.#key).update(phc).update('\0').update(password, 'utf8').digest();
  }

  /** True when this password verified against this stored hash within the TTL. */
  has(login: string, phc: string, password: string): boolean {
    const entry = this.#entries.get(login);
    if (!entry) return false;
    if (entry.until <= this.#now()) {
      this.#entries.delete(login);
      return false;
    }
    return timingSafeEqual(entry.mac, this.#mac(phc, password));
  }

  remember(login: string, phc: string, password: string): void {
    this.#entries.delete(login);
    this.#entries.set(login, { mac: this.#mac(phc, password), until: this.#now() + this.#ttl });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
