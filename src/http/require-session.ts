/**
 * Everything under /api except sign-in and first-run setup needs a live web session (else 401)
 * and, for state-changing methods, the CSRF checks (else 403). The account is read from the
 * store on every request, so a disabled or removed account is out at once.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './api-error.ts';
import { checkCsrf, isStateChanging } from './csrf.ts';
import type { AppEnv, HttpDeps } from './env.ts';
import { clearSessionCookie, readSessionCookie } from './session-cookie.ts';

export function requireSession(deps: HttpDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = readSessionCookie(c);
    const session = id ? await deps.sessions.touch(id) : null;
    if (!session) throw new ApiError(401, 'unauthenticated', 'not signed in');
    const account = await deps.ctx.store.accounts.getById(session.accountId);
    if (!account || account.disabled) {
      await deps.sessions.end(session.id);
      clearSessionCookie(c);
      throw new ApiError(401, 'unauthenticated', 'not signed in');
    }
    if (isStateChanging(c.req.method)) checkCsrf(c, session);
    c.set('account', account);
    c.set('webSession', session);
    await next();
  };
}

/** Administrators only: 403 forbidden for everyone else. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('account').admin) throw new ApiError(403, 'forbidden', 'administrators only');
  await next();
};
