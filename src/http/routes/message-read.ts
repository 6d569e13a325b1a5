/** One message: the reading-pane view, the raw message, one decoded part (docs/web-api.md "Mail"). */
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { findPart } from '../../mime/sections.ts';
import { decodeTransfer } from '../../mime/transfer-decoding.ts';
import type { MimePart } from '../../mime/types.ts';
import { notFound } from '../api-error.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { attachmentName, messageBody } from '../message-view.ts';
import { ownedMailbox, ownedMessage } from '../owned.ts';
import { CONTENT_CSP } from '../security-headers.ts';
import { summaryJson } from '../summary.ts';

const TOKEN = /^[a-z0-9!#$&^_.+-]{1,64}$/;

/** RFC 6266 with an ASCII fallback and the UTF-8 name in filename*. */
export function contentDisposition(kind: 'attachment' | 'inline', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function mediaType(part: MimePart): string {
  if (!TOKEN.test(part.type) || !TOKEN.test(part.subtype)) return 'application/octet-stream';
  const type = `${part.type}/${part.subtype}`;
  return part.type === 'text' ? `${type}; charset=${TOKEN.test(part.params.charset ?? '') ? part.params.charset : 'utf-8'}` : type;
}

/** Images a browser shows without running anything (no SVG: it can carry script). */
function safeInline(part: MimePart): boolean {
  return part.type === 'image' && ['png', 'gif', 'jpeg', 'jpg', 'webp', 'bmp', 'avif'].includes(part.subtype);
}

function contentHeaders(c: Context<AppEnv>, type: string, disposition: string): void {
  c.header('content-type', type);
  c.header('content-disposition', disposition);
  c.header('content-security-policy', CONTENT_CSP);
  c.header('cache-control', 'private, no-cache');
}

export function messageReadRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store } = deps.ctx;

  const load = async (c: Context<AppEnv>) => {
    const mailbox = await ownedMailbox(store, c.get('account').id, c.req.param('id'));
    const meta = await ownedMessage(store, mailbox, c.req.param('uid'));
    return { mailbox, meta };
  };

  app.get('/mailboxes/:id/messages/:uid', async (c) => {
    const { mailbox, meta } = await load(c);
    const [summary] = await store.messages.summaries(mailbox.id, [meta.uid]);
    const index = await store.messages.index(meta.blobHash);
    if (!summary || !index) throw notFound('message');
    const body = await messageBody(index, await store.messages.open(meta.blobHash));
    return c.json({ ...summaryJson(summary), ...body });
  });

  app.get('/mailboxes/:id/messages/:uid/raw', async (c) => {
    const { meta } = await load(c);
    const reader = await store.messages.open(meta.blobHash);
    contentHeaders(c, 'message/rfc822', contentDisposition('attachment', `message-${meta.uid}.eml`));
    c.header('content-length', String(reader.size));
    return c.body(Readable.toWeb(reader.stream()) as ReadableStream);
  });

  app.get('/mailboxes/:id/messages/:uid/parts/:part', async (c) => {
    const { meta } = await load(c);
    const spec = c.req.param('part');
    if (!/^[1-9]\d{0,4}(\.[1-9]\d{0,4}){0,49}$/.test(spec)) throw notFound('part');
    const index = await store.messages.index(meta.blobHash);
    const part = index ? findPart(index.root, spec.split('.').map(Number)) : null;
    if (!part || part.children) throw notFound('part');
    const reader = await store.messages.open(meta.blobHash);
    const body = await reader.read(part.bodyStart, part.bodyEnd);
    const decoded = decodeTransfer(body, part.encoding) ?? body;
    const inline = c.req.query('inline') === '1' && safeInline(part);
    contentHeaders(c, mediaType(part), contentDisposition(inline ? 'inline' : 'attachment', attachmentName(part)));
    return c.body(new Uint8Array(decoded));
  });
  return app;
}
