/**
 * Administration (docs/web-api.md "Administration"): domains, users, aliases and the outbound
 * queue, for administrator accounts only. The same store calls as the CLI; an administrator
 * cannot remove, disable or demote their own account (that would lock the door from inside).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { normalizeDomain, parseAddress } from '../../core/address.ts';
import { hashPassword } from '../../auth/password.ts';
import type { QueueItem } from '../../store/ports.ts';
import type { Account } from '../../store/types.ts';
import { ApiError, invalid, notFound } from '../api-error.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { idParam, jsonBody } from '../json-body.ts';
import { requireAdmin } from '../require-session.ts';

const quota = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const newUser = z.object({ address: z.string().min(3).max(320), password: z.string().min(1).max(1024), quotaBytes: quota.optional(), admin: z.boolean().optional() });
const userPatch = z.object({ password: z.string().min(1).max(1024).optional(), quotaBytes: quota.optional(), disabled: z.boolean().optional(), admin: z.boolean().optional() });
const aliasBody = z.object({ source: z.string().min(2).max(320), target: z.string().min(3).max(320) });

function userJson(a: Account) {
  return { address: a.address, domain: a.domain, admin: a.admin, disabled: a.disabled, quotaBytes: a.quotaBytes, usedBytes: a.usedBytes, messageCount: a.messageCount, createdAt: a.createdAt };
}

function queueJson(q: QueueItem) {
  return {
    id: q.id,
    sender: q.sender,
    size: q.size,
    createdAt: q.createdAt,
    nextAttemptAt: q.nextAttemptAt,
    attempts: q.attempts,
    lastError: q.lastError,
    inProgress: q.lease !== null,
    recipients: q.recipients,
  };
}

export function adminRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store } = deps.ctx;
  app.use('*', requireAdmin);

  const existing = async (c: Context<AppEnv>): Promise<Account> => {
    let address: string;
    try {
      address = parseAddress(decodeURIComponent(c.req.param('address') ?? '')).address;
    } catch {
      throw notFound('user');
    }
    const account = await store.accounts.get(address);
    if (!account) throw notFound('user');
    return account;
  };
  const notSelf = (c: Context<AppEnv>, account: Account, what: string): void => {
    if (account.id === c.get('account').id) throw new ApiError(409, 'conflict', `you cannot ${what} your own account`);
  };

  app.get('/domains', async (c) => c.json(await store.domains.list()));
  app.post('/domains', async (c) => {
    const { name } = await jsonBody(c, z.object({ name: z.string().min(1).max(253) }));
    return c.json(await store.domains.add(normalizeDomain(name)), 201);
  });
  app.delete('/domains/:name', async (c) => {
    const name = c.req.param('name').toLowerCase();
    if (!(await store.domains.exists(name))) throw notFound('domain');
    await store.domains.remove(name);
    return c.body(null, 204);
  });

  app.get('/users', async (c) => c.json((await store.accounts.list(c.req.query('domain') || undefined)).map(userJson)));
  app.post('/users', async (c) => {
    const body = await jsonBody(c, newUser);
    const { address, domain } = parseAddress(body.address);
    if (!(await store.domains.exists(domain))) throw invalid(`the domain ${domain} does not exist; add it first`);
    if (await store.accounts.get(address)) throw new ApiError(409, 'conflict', `user ${address} already exists`);
    const passwordHash = await hashPassword(body.password);
    const account = await store.accounts.create({ address, passwordHash, admin: body.admin ?? false, quotaBytes: body.quotaBytes ?? 0 });
    return c.json(userJson(account), 201);
  });
  app.patch('/users/:address', async (c) => {
    const account = await existing(c);
    const body = await jsonBody(c, userPatch);
    if (body.disabled === true) notSelf(c, account, 'disable');
    if (body.admin === false) notSelf(c, account, 'remove administrator rights from');
    // Hash first: a password the policy refuses changes nothing else either.
    const hash = body.password !== undefined ? await hashPassword(body.password) : null;
    if (hash !== null) await store.accounts.setPasswordHash(account.address, hash);
    if (body.quotaBytes !== undefined) await store.accounts.setQuota(account.address, body.quotaBytes);
    if (body.admin !== undefined) await store.accounts.setAdmin(account.address, body.admin);
    if (body.disabled !== undefined) await store.accounts.setDisabled(account.address, body.disabled);
    if (body.disabled === true || (hash !== null && account.id !== c.get('account').id)) await deps.sessions.endAccount(account.id);
    const updated = await store.accounts.get(account.address);
    if (!updated) throw notFound('user');
    return c.json(userJson(updated));
  });
  app.delete('/users/:address', async (c) => {
    const account = await existing(c);
    notSelf(c, account, 'remove');
    await store.accounts.remove(account.address);
    await deps.sessions.endAccount(account.id);
    return c.body(null, 204);
  });

  app.get('/aliases', async (c) => c.json(await store.aliases.list(c.req.query('domain') || undefined)));
  app.post('/aliases', async (c) => {
    const { source, target } = await jsonBody(c, aliasBody);
    return c.json(await store.aliases.add(source.trim().toLowerCase(), target.trim()), 201);
  });
  app.delete('/aliases', async (c) => {
    const source = c.req.query('source');
    const target = c.req.query('target');
    if (!source) throw invalid('source is missing (DELETE /api/admin/aliases?source=...&target=...)');
    await store.aliases.remove(source.trim().toLowerCase(), target?.trim() || undefined);
    return c.body(null, 204);
  });

  app.get('/queue', async (c) => c.json((await store.queue.list()).map(queueJson)));
  const queued = async (c: Context<AppEnv>): Promise<number> => {
    const id = idParam(c.req.param('id'));
    if (id === null || !(await store.queue.get(id))) throw notFound('queued message');
    return id;
  };
  app.post('/queue/:id/retry', async (c) => {
    await store.queue.retryNow(await queued(c));
    return c.body(null, 204);
  });
  app.delete('/queue/:id', async (c) => {
    await store.queue.delete(await queued(c));
    return c.body(null, 204);
  });
  return app;
}
