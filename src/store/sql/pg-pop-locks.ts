/**
 * The POP3 maildrop lock across nodes (RFC 1939 §8): a session-level advisory lock
 * `pg_try_advisory_lock(namespace, accountId)` held on a dedicated connection for as long as the
 * POP3 session holds the maildrop. release() closes that connection; so does a crash of the node
 * (PostgreSQL drops the session and with it the lock), so no lock outlives its holder.
 */
import type pg from 'pg';
import type { PopLock } from '../ports.ts';
import { PG_LOCK_NAMESPACE } from './migrate-postgres.ts';
import { isConnectionError, unavailable } from './pg-write-runner.ts';

/** Second advisory-lock key space: POP3 maildrops are (namespace + 1, account id). */
const POP_NAMESPACE = PG_LOCK_NAMESPACE + 1;

export interface PopLocks {
  lock(accountId: number): Promise<PopLock | null>;
}

export class PgPopLocks implements PopLocks {
  private readonly held = new Set<pg.Client>();

  constructor(private readonly connect: () => pg.Client) {}

  async lock(accountId: number): Promise<PopLock | null> {
    const client = this.connect();
    // A dropped connection has dropped the lock too; nothing to do but not crash.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
        POP_NAMESPACE,
        accountId,
      ]);
      if (res.rows[0]?.ok !== true) {
        await client.end();
        return null;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw isConnectionError(err) ? unavailable(err) : err;
    }
    this.held.add(client);
    let released = false;
    return {
      release: async (): Promise<void> => {
        if (released) return;
        released = true;
        this.held.delete(client);
        // Ending the session releases the lock.
        await client.end().catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    const clients = [...this.held];
    this.held.clear();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
