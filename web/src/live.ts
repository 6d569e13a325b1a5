/**
 * The account's change feed (GET /api/events, Server-Sent Events). The browser reconnects by
 * itself and sends Last-Event-ID, so the server replays what was missed; a `reset` event means
 * too much was missed and every view reloads.
 */
import type { Change } from './api.ts';

export type LiveEvent = { readonly type: 'change'; readonly change: Change } | { readonly type: 'reset' };
type Listener = (e: LiveEvent) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** Opens the stream (once per sign-in). */
export function startLive(): void {
  if (source) return;
  const es = new EventSource('/api/events');
  es.addEventListener('change', (ev: MessageEvent<string>) => {
    let change: Change;
    try {
      change = JSON.parse(ev.data) as Change;
    } catch {
      return;
    }
    for (const l of listeners) l({ type: 'change', change });
  });
  es.addEventListener('reset', () => {
    for (const l of listeners) l({ type: 'reset' });
  });
  es.addEventListener('open', () => document.documentElement.setAttribute('data-live', 'open'));
  es.addEventListener('error', () => document.documentElement.setAttribute('data-live', 'reconnecting'));
  source = es;
}

export function stopLive(): void {
  source?.close();
  source = null;
  document.documentElement.removeAttribute('data-live');
}

/** Subscribes to the feed; returns the unsubscribe function. */
export function onLive(fn: Listener): () => void {
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}
