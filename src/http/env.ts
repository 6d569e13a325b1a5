/**
 * What every route of the web app shares: the hono environment (node-server's request bindings,
 * the signed-in account), and the long-lived pieces the app is built with.
 */
import type { HttpBindings } from '@hono/node-server';
import type { ServerContext } from '../server/protocol.ts';
import type { SendRateLimiter } from '../delivery/send-rate.ts';
import type { Account } from '../store/types.ts';
import type { WebSession, WebSessions } from './web-sessions.ts';

/** Who is on the other end of the request, as the socket (not a header) says. */
export interface ClientInfo {
  readonly remoteAddress: string;
  /** Came over TLS (directly, or through a reverse proxy on loopback that says so). */
  readonly secure: boolean;
}

export interface AppEnv {
  /** Absent (or partial) under `app.request()` in tests. */
  Bindings: Partial<HttpBindings> | undefined;
  Variables: {
    client: ClientInfo;
    account: Account;
    webSession: WebSession;
  };
}

export interface HttpDeps {
  readonly ctx: ServerContext;
  readonly sessions: WebSessions;
  readonly sendRate: SendRateLimiter;
  /** Directory of the built web app (web/dist). */
  readonly webRoot: string;
  /** Open SSE streams end when the server shuts down. */
  readonly streams: Set<() => void>;
}
