/**
 * The built web app (web/dist): files as they are (gzip when the browser takes it), hashed
 * assets cached for a year, and index.html for app routes (paths without a file extension) so
 * that a reload on /mail/INBOX still finds the app. Without a build, a short page says how to
 * make one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import type { AppEnv } from './env.ts';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>postkontor</title>
<p>The web app is not built yet. Run <code>npm run build</code> and reload.</p>`;

export function staticRoutes(webRoot: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', compress());
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('cache-control', 'public, max-age=31536000, immutable');
  });
  // Built lazily: serveStatic complains about a missing root, and the build may come later.
  let files: MiddlewareHandler<AppEnv> | null = null;
  const lazyFiles: MiddlewareHandler<AppEnv> = (c, next) => {
    if (!files && existsSync(webRoot)) files = serveStatic<AppEnv>({ root: webRoot, precompressed: true });
    return files ? files(c, next) : next();
  };
  app.use('*', lazyFiles);
  app.get('*', async (c, next) => {
    // Unknown paths with a file extension are missing files, not app routes.
    if (/\.[A-Za-z0-9]+$/.test(c.req.path)) return next();
    if (!existsSync(join(webRoot, 'index.html'))) return c.html(NOT_BUILT, 503);
    c.header('cache-control', 'no-cache');
    return serveStatic<AppEnv>({ root: webRoot, path: 'index.html' })(c, next);
  });
  return app;
}
