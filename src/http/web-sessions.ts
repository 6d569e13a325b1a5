/**
 * Signed-in browsers: random 256-bit ids in an in-memory map (a restart signs everyone out; issue
 * 7 moves them into the store). A session ends after 7 days unused or 30 days after sign-in.
 * Expired entries are dropped when looked up and swept whenever sessions are created.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
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
  readonly max: number;
}

const DEFAULT_LIMITS: SessionLimits = {
  idleMs: WEB_LIMITS.sessionIdleMs,
  absoluteMs: WEB_LIMITS.sessionAbsoluteMs,
  max: WEB_LIMITS.maxSessions,
};

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

export class WebSessions {
  readonly #map = new Map<string, WebSession>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: SessionLimits = DEFAULT_LIMITS,
  ) {}

  create(accountId: number): WebSession {
    this.sweep();
    if (this.#map.size >= this.limits.max) this.#map.delete(this.#map.keys().next().value as string);
    const now = this.clock.now();
    const session: WebSession = { id: newToken(), csrf: newToken(), accountId, createdAt: now, lastSeen: now };
    this.#map.set(session.id, session);
    return session;
  }

  /** The live session with this id (its last use moved to now), or null. */
  touch(id: string): WebSession | null {
    const session = this.#map.get(id);
    if (!session) return null;
    const now = this.clock.now();
    if (this.expired(session, now)) {
      this.#map.delete(id);
      return null;
    }
    session.lastSeen = now;
    return session;
  }

  end(id: string): void {
    this.#map.delete(id);
  }

  /** Signs an account out everywhere (removed, disabled, password reset). */
  endAccount(accountId: number): void {
    for (const [id, s] of this.#map) if (s.accountId === accountId) this.#map.delete(id);
  }

  get size(): number {
    return this.#map.size;
  }

  private expired(s: WebSession, now: number): boolean {
    return now - s.lastSeen >= this.limits.idleMs || now - s.createdAt >= this.limits.absoluteMs;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, s] of this.#map) if (this.expired(s, now)) this.#map.delete(id);
  }
}
