/**
 * Headers on every answer: the app's Content-Security-Policy (docs/web-api.md), no MIME
 * sniffing, no referrer, no framing by other sites. Downloads of message parts get a stricter
 * CSP of their own (message-parts route).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

export const APP_CSP = [
  "default-src 'self'",
  // Remote images: the message frame (srcdoc) inherits this policy, and "Show images" must be
  // able to load them. Until the reader asks, the sanitiser has moved every remote src aside,
  // and the app itself never renders untrusted markup outside that sandboxed frame.
  "img-src 'self' data: blob: https: http:",
  "style-src 'self' 'unsafe-inline'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** For bytes out of messages: nothing in them may run or load anything, even opened directly. */
export const CONTENT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox";

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const h = c.res.headers;
  if (!h.has('content-security-policy')) h.set('content-security-policy', APP_CSP);
  h.set('x-content-type-options', 'nosniff');
  h.set('referrer-policy', 'no-referrer');
  h.set('x-frame-options', 'DENY');
};
