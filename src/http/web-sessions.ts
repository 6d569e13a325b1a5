/**
 * Signed-in browsers: random 256-bit ids, kept in the store (store.webSessions) so that every
 * node knows every session and a restart signs nobody out. The store holds only the SHA-256 of
 * an id, never the id itself. A session ends after 7 days unused or 30 days after sign-in; its
 * last use is written at most once a minute (a request does not cost a write), so the idle
 * expiry may come up to a minute early. Expired sessions are dropped when looked up and swept
 * now and then when sessions are created.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { WebSessionStore } from '../store/ports.ts';
import { WEB_LIMITS } from './web-limits.ts';

export interface WebSession {
  readonly id: string;
  /** The CSRF token the app sends back in `x-csrf-token`. */
  readonly csrf: string;
  readonly accountId: number;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionLimits {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

const DEFAULT_LIMITS: SessionLimits = {
  idleMs: WEB_LIMITS.sessionIdleMs,
  absoluteMs: WEB_LIMITS.sessionAbsoluteMs,
};

/** A session's last use is written when it is at least this old. */
const TOUCH_EVERY_MS = 60_000;
/** Expired sessions are swept at most this often per node. */
const SWEEP_EVERY_MS = 10 * 60_000;

/** A random 256-bit token, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two tokens in constant time. */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const hashId = (id: string): string => createHash('sha256').update(id).digest('hex');

export class WebSessions {
  #lastSweep = 0;

  constructor(
    private readonly store: WebSessionStore,
    private readonly clock: Clock,
    private readonly limits: SessionLimits = DEFAULT_LIMITS,
  ) {}

  async create(accountId: number): Promise<WebSession> {
    const now = this.clock.now();
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) {
      this.#lastSweep = now;
      await this.store.deleteExpired(this.expiry(now));
    }
    const session: WebSession = { id: newToken(), csrf: newToken(), accountId, createdAt: now, lastSeen: now };
    await this.store.create({ idHash: hashId(session.id), csrf: session.csrf, accountId, createdAt: now, lastSeen: now });
    return session;
  }

  /** The live session with this id (its last use moved to now), or null. */
  async touch(id: string): Promise<WebSession | null> {
    const now = this.clock.now();
    const idHash = hashId(id);
    const found = await this.store.get(idHash, this.expiry(now));
    if (!found) return null;
    if (now - found.lastSeen >= TOUCH_EVERY_MS) await this.store.touch(idHash, now);
    return { id, csrf: found.csrf, accountId: found.accountId, createdAt: found.createdAt, lastSeen: now };
  }

  async end(id: string): Promise<void> {
    await this.store.delete(hashId(id));
  }

  /** Signs an account out everywhere, on every node (removed, disabled, password reset). */
  async endAccount(accountId: number): Promise<void> {
    await this.store.deleteForAccount(accountId);
  }

  private expiry(now: number): { idleBefore: number; createdBefore: number } {
    return { idleBefore: now - this.limits.idleMs, createdBefore: now - this.limits.absoluteMs };
  }
}
