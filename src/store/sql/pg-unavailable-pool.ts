/**
 * The pool kysely runs every PostgreSQL query through (reads and write batches alike), with a
 * lost database made typed in this one place: a connection that cannot be made (ECONNREFUSED,
 * "the database system is starting up") and a query whose connection dies under it (57P01
 * admin_shutdown, "Connection terminated unexpectedly") reject with PK_ERR_STORE_UNAVAILABLE,
 * which every protocol answers with its temporary error (IMAP NO [UNAVAILABLE], POP3
 * -ERR [SYS/TEMP], SMTP 451 4.3.0, web 503) instead of treating it as a bug. Other errors (SQL,
 * constraint, serialization failures the write queue retries) pass through unchanged.
 *
 * pg-pool listens for 'error' only on idle clients; a checked-out client whose server goes away
 * between two queries would emit an unhandled 'error' and end the process. Every client gets a
 * listener of its own here, for as long as it lives.
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { isConnectionError, unavailable } from './pg-write-runner.ts';

/** A connection error as Unavailable; anything else unchanged. */
export function typedLoss(err: unknown): unknown {
  return isConnectionError(err) ? unavailable(err) : err;
}

class UnavailableOnLossClient implements PostgresPoolClient {
  /** A query on it failed for want of the database: it goes, it is not pooled again. */
  private broken = false;

  constructor(private readonly client: pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(first: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof first !== 'string') {
      // No cursor is configured (PostgresDialect without `cursor`); passed through for the type.
      return (this.client as unknown as { query(c: PostgresCursor<R>): PostgresCursor<R> }).query(first);
    }
    return (this.client.query(first, parameters as unknown[]) as unknown as Promise<PostgresQueryResult<R>>).catch(
      (err: unknown) => {
        if (isConnectionError(err)) this.broken = true;
        throw typedLoss(err);
      },
    );
  }

  release(destroy?: boolean): void {
    // pg-pool sets a new `release` on every checkout: look it up at call time. A backend
    // terminated mid-query (57P01) fails the query before its socket closes, so the client still
    // looks queryable: without `true` the pool would hand the dead connection to the next query.
    this.client.release(destroy === true || this.broken);
  }
}

/** Wraps `pool` for kysely's PostgresDialect; `onClientError` hears of connections that broke. */
export function unavailableOnLoss(pool: pg.Pool, onClientError: (err: unknown) => void): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, UnavailableOnLossClient>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw typedLoss(err);
      }
      let w = wrapped.get(client);
      if (!w) {
        client.on('error', (err) => onClientError(typedLoss(err)));
        w = new UnavailableOnLossClient(client);
        wrapped.set(client, w);
      }
      return w;
    },
    end: () => pool.end(),
  };
}
