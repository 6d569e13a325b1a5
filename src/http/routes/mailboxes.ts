/** GET /api/mailboxes, the message list pages and search (docs/web-api.md "Mail"). */
import { Hono } from 'hono';
import type { TextField } from '../../store/ports.ts';
import { invalid } from '../api-error.ts';
import { formatCursor, parseCursor } from '../cursor.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { ownedMailbox } from '../owned.ts';
import { summaryJson } from '../summary.ts';
import { WEB_LIMITS } from '../web-limits.ts';

const SEARCH_FIELDS: readonly TextField[] = ['subject', 'from', 'to', 'cc', 'body'];

function pageLimit(text: string | undefined): number {
  if (text === undefined) return WEB_LIMITS.pageDefault;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > WEB_LIMITS.pageMax) {
    throw invalid(`limit must be a number from 1 to ${WEB_LIMITS.pageMax}`);
  }
  return Number(text);
}

export function mailboxRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store } = deps.ctx;

  app.get('/mailboxes', async (c) => {
    const list = await store.mailboxes.list(c.get('account').id);
    return c.json(list.map((m) => ({ id: m.id, name: m.name, role: m.role, messages: m.messages, unseen: m.unseen, size: m.size })));
  });

  app.get('/mailboxes/:id/messages', async (c) => {
    const mailbox = await ownedMailbox(store, c.get('account').id, c.req.param('id'));
    const limit = pageLimit(c.req.query('limit'));
    const beforeText = c.req.query('before');
    const before = beforeText === undefined || beforeText === '' ? undefined : parseCursor(beforeText);
    if (before === null) throw invalid('before must be a cursor from an earlier page ("DATE.UID")');
    const page = await store.messages.page(mailbox.id, { limit, ...(before ? { before } : {}) });
    return c.json({ total: page.total, items: page.items.map(summaryJson), next: page.next ? formatCursor(page.next) : null });
  });

  app.get('/mailboxes/:id/search', async (c) => {
    const mailbox = await ownedMailbox(store, c.get('account').id, c.req.param('id'));
    const q = (c.req.query('q') ?? '').trim();
    if (q === '') throw invalid('q (the text to search for) is missing');
    if (q.length > WEB_LIMITS.searchQueryChars) throw invalid(`q is longer than ${WEB_LIMITS.searchQueryChars} characters`);
    const uids = await store.messages.searchText(mailbox.id, SEARCH_FIELDS, q);
    // UIDs grow with arrival: the highest are (nearly always) the newest.
    const items = await store.messages.summaries(mailbox.id, uids.slice(-WEB_LIMITS.searchMax));
    return c.json({ items: items.map(summaryJson) });
  });
  return app;
}
