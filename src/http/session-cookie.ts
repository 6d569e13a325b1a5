/**
 * The `pk_session` cookie: HttpOnly (script never sees it), SameSite=Strict (never sent by
 * another site's request), Path=/, and Secure when the request came over TLS (a Secure cookie
 * would never come back over plain http on a loopback or LAN setup).
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './env.ts';
import { WEB_LIMITS } from './web-limits.ts';

export const SESSION_COOKIE = 'pk_session';

export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

export function setSessionCookie(c: Context<AppEnv>, id: string): void {
  setCookie(c, SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: c.get('client').secure,
    maxAge: Math.floor(WEB_LIMITS.sessionAbsoluteMs / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, sameSite: 'Strict', path: '/', secure: c.get('client').secure });
}
