/**
 * MIME indexing off the event loop: the store's index of a new blob and the search text of a
 * stored one are computed on the worker pool (worker-pool.ts), or here when the pool is off.
 */
import type { SearchText } from './types.ts';
import type { StoreIndex } from './index-tasks.ts';
import { PoolUnavailable, POOL_MIN_BYTES, runOnPool } from './worker-pool.ts';

export type { StoreIndex } from './index-tasks.ts';

/** The worker-pool task module (warmWorkerPool takes it too). */
export const INDEX_TASKS = new URL('./index-tasks.ts', import.meta.url).href;

/** The tasks in this thread; loaded on first need, so that CLI commands start fast. */
let local: Promise<typeof import('./index-tasks.ts')> | undefined;

/**
 * The bytes as a clone can carry them: a view into a larger buffer (Node's pooled slices) would
 * copy the whole underlying ArrayBuffer across.
 */
function own(raw: Uint8Array): Uint8Array {
  return raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Uint8Array.prototype.slice.call(raw);
}

/** The tasks here, loading the module on first need. */
async function here<T>(fn: 'storeIndexTask' | 'searchTextTask', raw: Uint8Array): Promise<T> {
  local ??= import('./index-tasks.ts');
  return (await local)[fn](raw) as Promise<T>;
}

/** On the pool for large messages; small ones cost less here than the hand-off (POOL_MIN_BYTES). */
async function onPool<T>(fn: 'storeIndexTask' | 'searchTextTask', raw: Uint8Array): Promise<T> {
  if (raw.byteLength < POOL_MIN_BYTES) return here<T>(fn, raw);
  try {
    return (await runOnPool(INDEX_TASKS, fn, own(raw))) as T;
  } catch (err) {
    if (!(err instanceof PoolUnavailable)) throw err;
    return here<T>(fn, raw);
  }
}

/**
 * Indexes computed ahead of the append, by the SHA-256 of the bytes they describe (inbound SMTP
 * indexes the message on the pool thread that verified it). Taken once; a few hundred at most, as
 * only messages between verification and their append are here.
 */
const ahead = new Map<string, StoreIndex>();
const AHEAD_MAX = 1000;

export function rememberStoreIndex(sha256Hex: string, index: StoreIndex): void {
  if (ahead.size >= AHEAD_MAX) ahead.delete(ahead.keys().next().value!);
  ahead.set(sha256Hex, index);
}

/**
 * The stored index (as JSON) and CRLF size of a message; never rejects for bad MIME. `sha256Hex`,
 * the hash of `raw`, finds an index computed ahead.
 */
export function storeIndexOf(raw: Uint8Array, sha256Hex?: string): Promise<StoreIndex> {
  if (sha256Hex !== undefined) {
    const known = ahead.get(sha256Hex);
    if (known) {
      ahead.delete(sha256Hex);
      return Promise.resolve(known);
    }
  }
  return onPool<StoreIndex>('storeIndexTask', raw);
}

/** The decoded search text of a message. */
export function searchTextOf(raw: Uint8Array): Promise<SearchText> {
  return onPool<SearchText>('searchTextTask', raw);
}
