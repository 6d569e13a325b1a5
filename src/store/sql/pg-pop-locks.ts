/**
 * The POP3 maildrop lock across nodes (RFC 1939 §8): a session-level advisory lock
 * `pg_try_advisory_lock(namespace, accountId)` held on a dedicated connection for as long as the
 * POP3 session holds the maildrop. release() closes that connection; so does a crash of the node
 * (PostgreSQL drops the session and with it the lock), so no lock outlives its holder.
 *
 * The other way round, a lock can end before its holder: when PostgreSQL restarts or the lock's
 * connection breaks, PostgreSQL has released the lock and another session may take the maildrop.
 * The holder is not told at once (its commands read nothing that the lock protects), but
 * verify(), which the POP3 UPDATE state runs before applying anything, fails with Unavailable:
 * the session ends with -ERR [SYS/TEMP] and none of its DELEs are applied (RFC 2449 §8.1.2).
 */
import type pg from 'pg';
import { PkError } from '../../core/errors.ts';
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
    let released = false;
    /** Why the lock's connection ended before release(); then the lock is gone. */
    let lost: unknown = null;
    // A dropped connection has dropped the lock too: remember it, and do not crash.
    client.on('error', (err) => {
      lost ??= err;
    });
    client.on('end', () => {
      if (!released) lost ??= new Error('Connection terminated');
    });
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
    const gone = (): PkError =>
      new PkError('PK_ERR_STORE_UNAVAILABLE', `the maildrop lock was lost with its database connection: ${(lost as Error).message}`, {
        cause: lost,
      });
    return {
      verify: async (): Promise<void> => {
        if (released) throw new PkError('PK_ERR_STORE_UNAVAILABLE', 'the maildrop lock was released');
        if (lost === null) {
          // The lock lives as long as this database session: a round trip proves both.
          try {
            await client.query('SELECT 1');
          } catch (err) {
            lost ??= err;
          }
        }
        if (lost !== null) throw gone();
      },
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
