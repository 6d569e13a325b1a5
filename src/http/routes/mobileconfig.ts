/** GET /api/mobileconfig: the Apple profile for the signed-in account (`?protocol=pop3` for POP3). */
import { Hono } from 'hono';
import { ApiError } from '../api-error.ts';
import { offer } from '../client-endpoints.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { mobileconfig } from '../mobileconfig.ts';
import { contentDisposition } from './message-read.ts';

export function mobileconfigRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store, config } = deps.ctx;
  app.get('/mobileconfig', async (c) => {
    const account = c.get('account');
    const { values } = await store.settings.get(account.id);
    const o = offer(config, values);
    const wantPop = c.req.query('protocol') === 'pop3';
    const incoming = wantPop
      ? o.pop3 && { protocol: 'pop3' as const, endpoint: o.pop3 }
      : (o.imap && { protocol: 'imap' as const, endpoint: o.imap }) ?? (o.pop3 && { protocol: 'pop3' as const, endpoint: o.pop3 });
    if (!incoming) throw new ApiError(409, 'conflict', `${wantPop ? 'POP3 is' : 'IMAP and POP3 are'} switched off for this account`);
    c.header('content-type', 'application/x-apple-aspen-config');
    c.header('content-disposition', contentDisposition('attachment', `${account.address}.mobileconfig`));
    return c.body(mobileconfig({ address: account.address, hostname: config.hostname, incoming, smtp: o.smtp }));
  });
  return app;
}
