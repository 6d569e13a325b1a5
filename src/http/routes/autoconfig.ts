/**
 * Client auto-configuration (docs/web-api.md "Not under /api"): Thunderbird autoconfig at both
 * URLs and Outlook Autodiscover (POX). A known, enabled account gets what its settings allow;
 * any other address gets the defaults, and the username is always the address the client gave,
 * so the answer never tells whether an account exists.
 */
import { Hono } from 'hono';
import { parseAddress } from '../../core/address.ts';
import { defaultSettings, type AccountSettings } from '../../core/settings-schema.ts';
import type { Store } from '../../store/ports.ts';
import { autodiscoverEmail, autodiscoverResponse, thunderbirdConfig } from '../autoconfig-xml.ts';
import { offer } from '../client-endpoints.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { WEB_LIMITS } from '../web-limits.ts';

async function settingsFor(store: Store, address: string | null): Promise<AccountSettings> {
  if (address === null) return defaultSettings();
  const account = await store.accounts.get(address);
  if (!account || account.disabled) return defaultSettings();
  return (await store.settings.get(account.id)).values;
}

function parsed(text: string | undefined): { address: string; domain: string } | null {
  if (!text) return null;
  try {
    return parseAddress(text);
  } catch {
    return null;
  }
}

export function autoconfigRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store, config } = deps.ctx;

  const thunderbird = async (emailaddress: string | undefined): Promise<string> => {
    const who = parsed(emailaddress);
    const settings = await settingsFor(store, who?.address ?? null);
    return thunderbirdConfig(who?.domain ?? config.hostname, config.hostname, offer(config, settings));
  };
  for (const path of ['/.well-known/autoconfig/mail/config-v1.1.xml', '/mail/config-v1.1.xml']) {
    app.get(path, async (c) => {
      c.header('content-type', 'application/xml; charset=utf-8');
      c.header('cache-control', 'no-store');
      return c.body(await thunderbird(c.req.query('emailaddress')));
    });
  }

  const autodiscover = async (email: string | null): Promise<string> => {
    const who = parsed(email ?? undefined);
    const settings = await settingsFor(store, who?.address ?? null);
    return autodiscoverResponse(email ?? '', offer(config, settings));
  };
  for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
    app.post(path, async (c) => {
      const buf = await c.req.arrayBuffer();
      const body = Buffer.from(buf.slice(0, WEB_LIMITS.autodiscoverBytes)).toString('utf8');
      c.header('content-type', 'application/xml; charset=utf-8');
      return c.body(await autodiscover(autodiscoverEmail(body)));
    });
    app.get(path, async (c) => {
      c.header('content-type', 'application/xml; charset=utf-8');
      return c.body(await autodiscover(c.req.query('emailaddress') ?? c.req.query('email') ?? null));
    });
  }
  return app;
}
