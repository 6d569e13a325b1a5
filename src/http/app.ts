/**
 * The web app as one hono application: security headers and client info on everything, /health
 * and auto-configuration in the open, sign-in and setup, then the session-guarded /api, then the
 * built web app. Errors become the JSON the contract describes (docs/web-api.md).
 */
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { sendRateFor } from '../delivery/send-rate.ts';
import type { ServerContext } from '../server/protocol.ts';
import { ApiError, errorResponse, fromStoreError } from './api-error.ts';
import { clientInfo } from './client-info.ts';
import type { AppEnv, HttpDeps } from './env.ts';
import { requireSession } from './require-session.ts';
import { adminRoutes } from './routes/admin.ts';
import { autoconfigRoutes } from './routes/autoconfig.ts';
import { eventRoutes, type EventsOptions } from './routes/events.ts';
import { mailboxRoutes } from './routes/mailboxes.ts';
import { messageActionRoutes } from './routes/message-actions.ts';
import { messageReadRoutes } from './routes/message-read.ts';
import { mobileconfigRoutes } from './routes/mobileconfig.ts';
import { sendRoutes } from './routes/send.ts';
import { publicSessionRoutes, sessionInfoRoutes } from './routes/session.ts';
import { settingsRoutes } from './routes/settings.ts';
import { securityHeaders } from './security-headers.ts';
import { staticRoutes } from './static-files.ts';
import { WebSessions } from './web-sessions.ts';
import { WEB_LIMITS } from './web-limits.ts';

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface HttpAppOptions {
  /** The built web app; web/dist of this checkout by default. */
  readonly webRoot?: string;
  /** Tests shorten the SSE heartbeat and the replay window. */
  readonly events?: EventsOptions;
  /** Tests pass their own (e.g. with a fake clock's short expiry). */
  readonly sessions?: WebSessions;
}

export interface HttpApp {
  readonly app: Hono<AppEnv>;
  readonly deps: HttpDeps;
  /** Ends open SSE streams (shutdown). */
  close(): void;
}

const jsonLimit = bodyLimit({
  maxSize: WEB_LIMITS.jsonBodyBytes,
  onError: () => {
    throw new ApiError(413, 'too-big', 'the request body is too big');
  },
});

export function createHttpApp(ctx: ServerContext, opts: HttpAppOptions = {}): HttpApp {
  const deps: HttpDeps = {
    ctx,
    sessions: opts.sessions ?? new WebSessions(ctx.store.webSessions, ctx.clock),
    sendRate: sendRateFor(ctx, ctx.store.sendLog, ctx.clock, ctx.config.smtp.sendRatePerHour),
    webRoot: opts.webRoot ?? DEFAULT_WEB_ROOT,
    streams: new Set(),
  };
  const app = new Hono<AppEnv>();
  app.use('*', securityHeaders, clientInfo);
  app.onError((err, c) => {
    const api = fromStoreError(err);
    if (api) return errorResponse(c, api);
    ctx.log.error({ err, path: c.req.path, method: c.req.method }, 'web request failed');
    return errorResponse(c, new ApiError(500, 'internal', 'something went wrong on the server; the incident was logged'));
  });

  app.get('/health', async (c) => {
    try {
      await ctx.store.domains.exists('health.invalid');
      return c.json({ status: 'ok' });
    } catch {
      return c.json({ status: 'unavailable' }, 503);
    }
  });
  app.route('/', autoconfigRoutes(deps));

  const api = new Hono<AppEnv>();
  api.use('*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });
  api.on(['PUT', 'PATCH', 'DELETE'], '*', jsonLimit);
  api.post('*', async (c, next) => (c.req.path === '/api/send' || c.req.path === '/api/drafts' ? next() : jsonLimit(c, next)));
  api.route('/', publicSessionRoutes(deps));
  api.use('*', requireSession(deps));
  api.route('/', sessionInfoRoutes());
  api.route('/', mailboxRoutes(deps));
  api.route('/', messageReadRoutes(deps));
  api.route('/', messageActionRoutes(deps));
  api.route('/', sendRoutes(deps));
  api.route('/', eventRoutes(deps, opts.events));
  api.route('/', settingsRoutes(deps));
  api.route('/', mobileconfigRoutes(deps));
  api.route('/admin', adminRoutes(deps));
  api.all('*', () => {
    throw new ApiError(404, 'not-found', 'no such API endpoint');
  });
  app.route('/api', api);
  app.route('/', staticRoutes(deps.webRoot));
  app.notFound((c) => c.text('not found', 404));

  return {
    app,
    deps,
    close: () => {
      for (const end of [...deps.streams]) end();
    },
  };
}
