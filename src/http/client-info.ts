/**
 * Who sent a request and whether it came over TLS, from the socket node-server hands over. The
 * HTTP listener itself is plain; TLS is a reverse proxy's job, so `X-Forwarded-Proto: https` is
 * believed from a proxy on loopback, or from a balancer the PROXY protocol vouched for (a
 * `[proxy] trusted` peer; the socket then carries PROXIED_VIA), and only there: anyone else
 * could send the header.
 */
import type { MiddlewareHandler } from 'hono';
import { isLoopback } from '../auth/plaintext-policy.ts';
import { PROXIED_VIA } from '../server/protocol.ts';
import type { AppEnv, ClientInfo } from './env.ts';

export function clientInfoOf(bindings: AppEnv['Bindings'], forwardedProto: string | undefined): ClientInfo {
  const socket = bindings?.incoming?.socket as
    | { remoteAddress?: string; encrypted?: boolean; [PROXIED_VIA]?: unknown }
    | undefined;
  const remoteAddress = socket?.remoteAddress ?? '';
  const tls = socket?.encrypted === true;
  const trustedProxy = isLoopback(remoteAddress) || typeof socket?.[PROXIED_VIA] === 'string';
  const proxied = trustedProxy && forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
  return { remoteAddress, secure: tls || proxied };
}

export const clientInfo: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('client', clientInfoOf(c.env, c.req.header('x-forwarded-proto')));
  await next();
};
