/** Account settings, the client configuration and the connected clients (docs/web-api.md "Settings and clients"). */
import { Hono } from 'hono';
import { z } from 'zod';
import { SETTING_KEYS, SETTINGS, isSettingKey, parseSettingValue } from '../../core/settings-schema.ts';
import { LISTENER_KINDS } from '../../server/protocol.ts';
import { notFound } from '../api-error.ts';
import { clientEndpoints } from '../client-endpoints.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { jsonBody } from '../json-body.ts';

const valueBody = z.object({ value: z.union([z.string().max(1000), z.boolean(), z.number()]) });
const DOWNLOADS_SHOWN = 20;

export function settingsRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store, config, sessions } = deps.ctx;

  app.get('/settings', async (c) => {
    const { values } = await store.settings.get(c.get('account').id);
    const schema = SETTING_KEYS.map((key) => {
      const def = SETTINGS[key];
      return { key, kind: def.kind, ...('values' in def ? { values: def.values } : {}), default: def.default, description: def.description };
    });
    return c.json({ values, schema });
  });

  app.put('/settings/:key', async (c) => {
    const key = c.req.param('key');
    if (!isSettingKey(key)) throw notFound(`setting "${key}"`);
    const { value } = await jsonBody(c, valueBody);
    const record = await store.settings.set(c.get('account').id, key, String(value));
    return c.json({ key, value: parseSettingValue(key, record.value), updatedAt: record.updatedAt });
  });

  app.get('/client-setup', async (c) => {
    const account = c.get('account');
    const { values } = await store.settings.get(account.id);
    return c.json({
      address: account.address,
      username: account.address,
      ...clientEndpoints(config),
      enabled: { imap: values['imap.enabled'], pop3: values['pop.enabled'] !== 'off' },
    });
  });

  app.get('/clients', async (c) => {
    const account = c.get('account');
    const open = sessions.list().filter((s) => {
      const family = LISTENER_KINDS[s.listener].family;
      return s.user === account.address && (family === 'imap' || family === 'pop3');
    });
    const downloads = await store.pop.recentDownloads(account.id, DOWNLOADS_SHOWN);
    return c.json({
      sessions: open.map((s) => ({
        protocol: LISTENER_KINDS[s.listener].family,
        listener: s.listener,
        client: s.clientName,
        remoteAddress: s.remoteAddress,
        since: s.openedAt,
        lastActivity: s.lastActivity,
      })),
      popDownloads: downloads,
    });
  });
  return app;
}
