/**
 * The MIME indexer's work as worker-pool tasks (index-pool.ts runs them; they also run in-thread
 * when the pool is off): the stored index of a new blob, and the search text of a stored one.
 */
import { crlfLength } from './crlf.ts';
import { messageIndex, messageSearchText } from './index-message.ts';
import type { SearchText } from './types.ts';

/** What the store keeps of a new blob besides its bytes. */
export interface StoreIndex {
  /** JSON of the MessageIndex. */
  readonly indexJson: string;
  /** Octets of the CRLF form (POP3 sizes). */
  readonly crlfSize: number;
}

function asBuffer(raw: unknown): Buffer {
  if (!(raw instanceof Uint8Array)) throw new TypeError('expected the message bytes');
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

export async function storeIndexTask(raw: unknown): Promise<StoreIndex> {
  const buf = asBuffer(raw);
  return { indexJson: JSON.stringify(await messageIndex(buf)), crlfSize: crlfLength(buf) };
}

export async function searchTextTask(raw: unknown): Promise<SearchText> {
  return messageSearchText(asBuffer(raw));
}
