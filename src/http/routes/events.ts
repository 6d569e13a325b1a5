/**
 * GET /api/events: the account's change feed as Server-Sent Events (docs/web-api.md "Live
 * updates"). The stream opens with `event: ready` whose id is the account's latest change, so
 * a reconnect always has a Last-Event-ID; a reconnect with one gets what it missed from the
 * durable log (or `event: reset` when that is too much), then live changes. A comment line
 * every 25 s keeps proxies from closing the stream. Closing it unsubscribes.
 *
 * Order: subscribe first and hold live changes back while the log is read, then send the log
 * and the held changes above the last sequence sent, so nothing is lost or sent twice.
 */
import { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Change } from '../../store/changes.ts';
import type { AppEnv, HttpDeps } from '../env.ts';
import { WEB_LIMITS } from '../web-limits.ts';

function lastEventId(header: string | undefined): number | null {
  if (header === undefined || !/^\d{1,15}$/.test(header.trim())) return null;
  return Number(header.trim());
}

export interface EventsOptions {
  readonly heartbeatMs?: number;
  readonly replayMax?: number;
}

export function eventRoutes(deps: HttpDeps, opts: EventsOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { store } = deps.ctx;
  const heartbeatMs = opts.heartbeatMs ?? WEB_LIMITS.sseHeartbeatMs;
  const replayMax = opts.replayMax ?? WEB_LIMITS.sseReplayMax;

  app.get('/events', (c) => {
    const accountId = c.get('account').id;
    const resumeFrom = lastEventId(c.req.header('last-event-id'));
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream: SSEStreamingApi) => {
      let sent = 0;
      let held: Change[] | null = [];
      let writing = Promise.resolve();
      const send = (change: Change): void => {
        if (change.seq <= sent) return;
        sent = change.seq;
        writing = writing.then(() => stream.writeSSE({ id: String(change.seq), event: 'change', data: JSON.stringify(change) })).catch(() => undefined);
      };
      const unsubscribe = store.changes.subscribe(accountId, (change) => (held ? held.push(change) : send(change)));
      let finish: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const timer = setInterval(() => {
        writing = writing.then(() => stream.write(': keep-alive\n\n')).then(() => undefined, () => undefined);
      }, heartbeatMs);
      const close = (): void => {
        clearInterval(timer);
        unsubscribe();
        deps.streams.delete(close);
        finish();
      };
      deps.streams.add(close);
      stream.onAbort(close);
      try {
        const latest = await store.changes.lastSeq(accountId);
        if (resumeFrom !== null && resumeFrom < latest) {
          const missed = await store.changes.readSince(accountId, resumeFrom, replayMax + 1);
          if (missed.length > replayMax || (missed[0] && missed[0].seq !== resumeFrom + 1)) {
            sent = latest;
            await stream.writeSSE({ id: String(latest), event: 'reset', data: JSON.stringify({ seq: latest }) });
          } else {
            sent = resumeFrom;
            for (const change of missed) send(change);
          }
        } else {
          await stream.writeSSE({ id: String(latest), event: 'ready', data: JSON.stringify({ seq: latest }), retry: 3000 });
          sent = latest;
        }
        const backlog = held;
        held = null;
        for (const change of backlog) send(change);
        await writing;
      } catch (err) {
        deps.ctx.log.warn({ err }, 'event stream failed');
        close();
      }
      await done;
    });
  });
  return app;
}
