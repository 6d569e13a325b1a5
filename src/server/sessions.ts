/**
 * The registry of open connections: what the "connected clients" panel and shutdown read.
 * It holds sessions, never accounts: logins always go to the store.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { ListenerName } from '../core/config-schema.ts';

export interface SessionEntry {
  readonly cid: string;
  readonly listener: ListenerName;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly openedAt: number;
  /** Set by the protocol after a successful login. */
  user: string | null;
  /** What the client calls itself (IMAP ID `name` and `version`), for the connected-clients panel. */
  clientName: string | null;
  /** When the client last sent a command (ms); protocols touch it per command. */
  lastActivity: number;
}

/** Random bytes for connection ids, drawn a batch at a time (one getrandom per 680 ids). */
let pool = Buffer.alloc(0);
let used = 0;

/** A connection id: 8 url-safe characters, unique enough to grep a log for one session. */
export function newCid(): string {
  if (used + 6 > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  used += 6;
  return pool.toString('base64url', used - 6, used);
}

export class SessionRegistry {
  readonly #entries = new Map<string, { entry: SessionEntry; socket: Socket }>();

  add(entry: SessionEntry, socket: Socket): void {
    this.#entries.set(entry.cid, { entry, socket });
  }

  remove(cid: string): void {
    this.#entries.delete(cid);
  }

  list(): SessionEntry[] {
    return [...this.#entries.values()].map((e) => e.entry);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Ends every open connection (shutdown). */
  destroyAll(): void {
    for (const { socket } of this.#entries.values()) socket.destroy();
    this.#entries.clear();
  }
}
