/**
 * HTTP as the composition root plugs it in: the hono app (src/http/app.ts) behind an
 * http.Server that never listens; the root hands it accepted sockets. Tests use
 * `createHttpApp(...).app.request()` without sockets, or this factory through the test server.
 */
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { ProtocolFactory } from '../server/protocol.ts';
import { createHttpApp, type HttpAppOptions } from './app.ts';

export function createHttpProtocol(opts: HttpAppOptions = {}): ProtocolFactory {
  return (ctx) => {
    const web = createHttpApp(ctx, opts);
    const listener = getRequestListener(web.app.fetch, {
      errorHandler: (err) => ctx.log.error({ err }, 'web request failed'),
    });
    const server = createServer((req, res) => void listener(req, res));
    // Slow or idle clients must not hold sockets forever; SSE streams keep themselves busy.
    server.headersTimeout = 30_000;
    server.requestTimeout = 0;
    server.keepAliveTimeout = 5_000;
    return {
      starttls: false,
      handle(conn) {
        server.emit('connection', conn.socket);
      },
      shutdown() {
        web.close();
        server.closeIdleConnections();
        return Promise.resolve();
      },
    };
  };
}

export const httpProtocol: ProtocolFactory = createHttpProtocol();
