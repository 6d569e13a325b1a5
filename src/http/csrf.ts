/**
 * CSRF defence for state-changing requests (POST, PUT, PATCH, DELETE): the `Origin` header, when
 * present, must name this server (its Host), and a signed-in request must carry the session's
 * token in `x-csrf-token`. SameSite=Strict already keeps the cookie off cross-site requests;
 * this is the second lock.
 */
import type { Context } from 'hono';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './env.ts';
import { sameToken, type WebSession } from './web-sessions.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

/** Throws 403 csrf when Origin is present and is not this server. */
export function checkOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  let originHost: string | null;
  try {
    originHost = origin === 'null' ? null : new URL(origin).host;
  } catch {
    originHost = null;
  }
  if (originHost === null || originHost.toLowerCase() !== host.toLowerCase()) {
    throw new ApiError(403, 'csrf', 'the request came from another site (Origin does not match this server)');
  }
}

export function checkCsrf(c: Context<AppEnv>, session: WebSession): void {
  checkOrigin(c);
  const token = c.req.header('x-csrf-token');
  if (!token || !sameToken(token, session.csrf)) {
    throw new ApiError(403, 'csrf', 'missing or wrong x-csrf-token; reload the page');
  }
}
