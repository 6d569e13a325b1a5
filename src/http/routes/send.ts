/**
 * POST /api/send and POST /api/drafts (docs/web-api.md "Mail"). Send builds the message and
 * hands it to the submission pipeline SMTP submission uses (src/delivery/submit.ts): rate,
 * sender checks, outbound queue (DKIM there), local delivery, Sent copy. Bcc recipients are in
 * the envelope only; the Sent copy keeps the Bcc field. Drafts go to the Drafts folder with
 * \Draft \Seen, and the draft they replace is deleted.
 */
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { LIMITS } from '../../core/limits.ts';
import { resolveSubmitRecipient, submitMessage, type SubmitRecipient, type SubmitResult } from '../../delivery/submit.ts';
import { ApiError, invalid } from '../api-error.ts';
import { buildMessage, composeSchema, envelopeAddresses, withoutBcc } from '../compose.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { jsonBody } from '../json-body.ts';
import { roleMailbox } from '../owned.ts';
import { webReceivedHeader } from '../received.ts';

/** Base64 attachments grow by a third; JSON adds a little. */
const COMPOSE_BODY_BYTES = Math.ceil((LIMITS.messageBytes * 4) / 3) + 256 * 1024;

const draftSchema = composeSchema.extend({ replaces: z.number().int().min(1).optional() });

function refusal(deps: HttpDeps, result: Exclude<SubmitResult, { ok: true }>): ApiError {
  switch (result.reason) {
    case 'rate-limited': {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      return new ApiError(429, 'rate-limited', `sending limit reached (${deps.ctx.config.smtp.sendRatePerHour} messages per hour); try again in ${Math.ceil(seconds / 60)} minutes`, {
        'retry-after': String(seconds),
      });
    }
    case 'foreign-sender':
    case 'foreign-from':
      return new ApiError(403, 'forbidden', `${result.address} is not an address of this account`);
    case 'outbound-unavailable':
    case 'queue-failed':
      return new ApiError(503, 'unavailable', 'the message could not be queued; try again later');
    case 'not-delivered': {
      const f = result.failures;
      if (f.includes('unavailable')) return new ApiError(503, 'unavailable', 'delivery failed; try again later');
      if (f.includes('message-too-big')) return new ApiError(413, 'too-big', 'the message is too big for the recipient');
      return new ApiError(507, 'over-quota', "the recipient's mailbox is full");
    }
  }
}

export function sendRoutes(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store, config, clock, log } = deps.ctx;
  const limit = bodyLimit({
    maxSize: COMPOSE_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, 'too-big', `the message is too big (at most ${Math.floor(LIMITS.messageBytes / 1024 / 1024)} MB with attachments)`);
    },
  });

  app.post('/send', limit, async (c) => {
    const account = c.get('account');
    const compose = await jsonBody(c, composeSchema);
    const all = [...envelopeAddresses(compose.to), ...envelopeAddresses(compose.cc), ...envelopeAddresses(compose.bcc)];
    const unique = [...new Map(all.map((a) => [a.toLowerCase(), a])).values()];
    if (unique.length === 0) throw invalid('add at least one recipient');
    if (unique.length > config.smtp.maxRecipients) throw invalid(`too many recipients (at most ${config.smtp.maxRecipients} per message)`);
    const recipients: SubmitRecipient[] = [];
    for (const address of unique) {
      const r = await resolveSubmitRecipient(store, address);
      if (!r) throw invalid(`${address}: no such address here`);
      recipients.push(r);
    }
    const built = await buildMessage(account, compose, clock.now());
    if (built.raw.length > LIMITS.messageBytes) throw new ApiError(413, 'too-big', 'the message is too big');
    const id = randomBytes(6).toString('base64url');
    const result = await submitMessage(
      { store, log: log.child({ proto: 'http', user: account.address }), outbound: deps.ctx.outbound, sendRate: deps.sendRate },
      {
        account,
        sender: account.address,
        recipients,
        raw: withoutBcc(built.raw),
        sentCopy: built.raw,
        trace: webReceivedHeader({ client: c.get('client'), hostname: config.hostname, id, recipients: unique, date: new Date(clock.now()) }),
      },
    );
    if (!result.ok) throw refusal(deps, result);
    return c.json({ queued: result.queued, delivered: result.delivered, messageId: built.messageId });
  });

  app.post('/drafts', limit, async (c) => {
    const account = c.get('account');
    const draft = await jsonBody(c, draftSchema);
    const drafts = await roleMailbox(store, account.id, 'drafts', 'Drafts');
    const built = await buildMessage(account, draft, clock.now());
    const stored = await store.messages.append(account.id, drafts.id, { raw: built.raw, flags: ['\\Draft', '\\Seen'] });
    if (draft.replaces !== undefined && draft.replaces !== stored.uid && (await store.messages.get(drafts.id, draft.replaces))) {
      await store.messages.storeFlags(account.id, drafts.id, { uids: [draft.replaces], mode: 'add', flags: ['\\Deleted'] });
      await store.messages.expunge(account.id, drafts.id, [draft.replaces]);
    }
    return c.json({ uid: stored.uid, mailboxId: drafts.id });
  });
  return app;
}
