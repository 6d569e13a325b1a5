/**
 * Sign-in, sign-out and first-run setup (docs/web-api.md "Sign-in and first run"). Passwords go
 * through the same login as IMAP/POP3/submission (protocol `http`, the shared failed-login
 * limiter, the auth.plaintext policy); the web is not governed by the IMAP/POP switches.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { normalizeDomain, parseAddress } from '../../core/address.ts';
import { PkError } from '../../core/errors.ts';
import { hashPassword } from '../../auth/password.ts';
import { loginWithPassword } from '../../auth/login.ts';
import type { Account } from '../../store/types.ts';
import { ApiError } from '../api-error.ts';
import { checkOrigin } from '../csrf.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { jsonBody } from '../json-body.ts';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../session-cookie.ts';

const credentials = z.object({ address: z.string().min(1).max(320), password: z.string().min(1).max(1024) });
const setupBody = z.object({ domain: z.string().min(1).max(253), address: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

async function signIn(c: Context<AppEnv>, deps: HttpDeps, account: Account): Promise<Response> {
  const session = await deps.sessions.create(account.id);
  setSessionCookie(c, session.id);
  return c.json({ account: { address: account.address, admin: account.admin }, csrf: session.csrf });
}

async function setupNeeded(deps: HttpDeps): Promise<boolean> {
  return (await deps.ctx.store.accounts.list()).length === 0;
}

/** Routes that work without a session: POST/DELETE /api/session, GET/POST /api/setup. */
export function publicSessionRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store, config, loginLimiter } = deps.ctx;

  app.post('/session', async (c) => {
    checkOrigin(c);
    const body = await jsonBody(c, credentials);
    const client = c.get('client');
    const result = await loginWithPassword(store, {
      protocol: 'http',
      login: body.address,
      password: body.password,
      connection: { secure: client.secure, remoteAddress: client.remoteAddress },
      policy: config.auth.plaintext,
      limiter: loginLimiter,
    });
    if (result.ok) return signIn(c, deps, result.account);
    switch (result.reason) {
      case 'rate-limited': {
        const seconds = Math.max(1, Math.ceil((result.retryAfterMs ?? 60_000) / 1000));
        throw new ApiError(429, 'rate-limited', `too many failed sign-ins; try again in ${seconds} seconds`, { 'retry-after': String(seconds) });
      }
      case 'insecure':
        throw new ApiError(403, 'insecure', 'signing in needs an encrypted connection (https)');
      default:
        throw new ApiError(401, 'credentials', 'wrong address or password');
    }
  });

  app.delete('/session', async (c) => {
    // Signing out needs no CSRF token: the worst a forged request can do is sign someone out.
    checkOrigin(c);
    const id = readSessionCookie(c);
    if (id) await deps.sessions.end(id);
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  app.get('/setup', async (c) => c.json({ needed: await setupNeeded(deps) }));

  let settingUp: Promise<unknown> = Promise.resolve();
  app.post('/setup', async (c) => {
    checkOrigin(c);
    const body = await jsonBody(c, setupBody);
    // One setup at a time: the "no account yet" check and the creation must not interleave.
    const run = settingUp.then(async (): Promise<Account> => {
      if (!(await setupNeeded(deps))) throw new ApiError(409, 'conflict', 'the server is already set up; sign in instead');
      const domain = normalizeDomain(body.domain);
      const { address, domain: addressDomain } = parseAddress(body.address);
      if (addressDomain !== domain) throw new PkError('PK_ERR_INVALID_ADDRESS', `the address must be of the domain ${domain}`);
      const passwordHash = await hashPassword(body.password);
      if (!(await store.domains.exists(domain))) await store.domains.add(domain);
      return store.accounts.create({ address, passwordHash, admin: true });
    });
    settingUp = run.catch(() => undefined);
    const account = await run;
    deps.ctx.log.info({ account: account.address }, 'first-run setup: administrator created');
    return signIn(c, deps, account);
  });
  return app;
}

/** GET /api/session (behind requireSession). */
export function sessionInfoRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/session', (c) => {
    const account = c.get('account');
    return c.json({ account: { address: account.address, admin: account.admin }, csrf: c.get('webSession').csrf });
  });
  return app;
}
