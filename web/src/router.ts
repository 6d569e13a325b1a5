/** A tiny history router: /mail/:mailboxId, /settings, /admin. */
import { useEffect, useState } from 'react';

export type Route =
  | { readonly page: 'mail'; readonly mailboxId: number | null }
  | { readonly page: 'settings' }
  | { readonly page: 'admin' };

export function parseRoute(path: string): Route {
  if (path.startsWith('/settings')) return { page: 'settings' };
  if (path.startsWith('/admin')) return { page: 'admin' };
  const m = /^\/mail\/(\d+)/.exec(path);
  return { page: 'mail', mailboxId: m?.[1] ? Number(m[1]) : null };
}

const subscribers = new Set<() => void>();

export function navigate(path: string): void {
  if (location.pathname === path) return;
  history.pushState(null, '', path);
  for (const s of subscribers) s();
}

export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = (): void => setPath(location.pathname);
    subscribers.add(update);
    window.addEventListener('popstate', update);
    return () => {
      subscribers.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return parseRoute(path);
}
