/**
 * Changing messages: flags, move, archive, trash, empty (docs/web-api.md "Mail"). Every change
 * goes through the store, so IMAP clients hear of it on the change feed at once. Trash and
 * Empty delete for good the IMAP way: \Deleted, then UID EXPUNGE of exactly those UIDs.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { FlagsChangeInfo } from '../../store/changes.ts';
import type { Store } from '../../store/ports.ts';
import type { Mailbox } from '../../store/types.ts';
import { ApiError, invalid } from '../api-error.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { jsonBody } from '../json-body.ts';
import { ownedMailbox, roleMailbox } from '../owned.ts';
import { WEB_LIMITS } from '../web-limits.ts';

const uids = z.array(z.number().int().min(1).max(0xffffffff)).min(1).max(WEB_LIMITS.uidsPerRequest);
const flag = z.string().min(1).max(128);
const flagsBody = z.object({ uids, add: z.array(flag).max(64).optional(), remove: z.array(flag).max(64).optional() });
const moveBody = z.object({ uids, to: z.number().int().min(1) });
const uidsBody = z.object({ uids });

async function deleteForGood(store: Store, accountId: number, mailbox: Mailbox, list: readonly number[]): Promise<number[]> {
  if (list.length === 0) return [];
  await store.messages.storeFlags(accountId, mailbox.id, { uids: list, mode: 'add', flags: ['\\Deleted'] });
  return store.messages.expunge(accountId, mailbox.id, list);
}

export function messageActionRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store } = deps.ctx;

  app.post('/mailboxes/:id/flags', async (c) => {
    const accountId = c.get('account').id;
    const mailbox = await ownedMailbox(store, accountId, c.req.param('id'));
    const body = await jsonBody(c, flagsBody);
    if (!body.add?.length && !body.remove?.length) throw invalid('give flags to add or remove');
    if (body.add?.some((f) => body.remove?.includes(f))) throw invalid('a flag cannot be added and removed at once');
    const changed = new Map<number, FlagsChangeInfo>();
    for (const [mode, flags] of [['add', body.add], ['remove', body.remove]] as const) {
      if (!flags?.length) continue;
      const result = await store.messages.storeFlags(accountId, mailbox.id, { uids: body.uids, mode, flags });
      for (const info of result.changed) changed.set(info.uid, info);
    }
    return c.json({ changed: [...changed.values()].sort((a, b) => a.uid - b.uid) });
  });

  app.post('/mailboxes/:id/move', async (c) => {
    const accountId = c.get('account').id;
    const mailbox = await ownedMailbox(store, accountId, c.req.param('id'));
    const body = await jsonBody(c, moveBody);
    const target = await ownedMailbox(store, accountId, String(body.to));
    if (target.id === mailbox.id) throw invalid('the messages are already in that folder');
    const result = await store.messages.move(accountId, mailbox.id, body.uids, target.id);
    return c.json({ moved: result.mapping });
  });

  app.post('/mailboxes/:id/archive', async (c) => {
    const accountId = c.get('account').id;
    const mailbox = await ownedMailbox(store, accountId, c.req.param('id'));
    const body = await jsonBody(c, uidsBody);
    const archive = await roleMailbox(store, accountId, 'archive', 'Archive');
    if (archive.id === mailbox.id) return c.json({ moved: [] });
    const result = await store.messages.move(accountId, mailbox.id, body.uids, archive.id);
    return c.json({ moved: result.mapping });
  });

  app.post('/mailboxes/:id/trash', async (c) => {
    const accountId = c.get('account').id;
    const mailbox = await ownedMailbox(store, accountId, c.req.param('id'));
    const body = await jsonBody(c, uidsBody);
    const trash = await roleMailbox(store, accountId, 'trash', 'Trash');
    if (trash.id === mailbox.id) {
      return c.json({ moved: [], deleted: await deleteForGood(store, accountId, mailbox, body.uids) });
    }
    const result = await store.messages.move(accountId, mailbox.id, body.uids, trash.id);
    return c.json({ moved: result.mapping, deleted: [] });
  });

  app.post('/mailboxes/:id/empty', async (c) => {
    const accountId = c.get('account').id;
    const mailbox = await ownedMailbox(store, accountId, c.req.param('id'));
    if (mailbox.role !== 'trash' && mailbox.role !== 'junk') {
      throw new ApiError(403, 'forbidden', 'only Trash and Junk can be emptied');
    }
    const all = (await store.messages.listFlags(mailbox.id)).map((m) => m.uid);
    return c.json({ deleted: await deleteForGood(store, accountId, mailbox, all) });
  });
  return app;
}
