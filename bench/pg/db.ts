/**
 * A fresh PostgreSQL database per bench run (`pk_bench_<random>`), dropped afterwards, on the
 * server the tests use (PK_BENCH_PG_URL, else PK_TEST_PG_URL, else the local trust-auth server).
 * The same idea as test/helpers/pg-db.ts, without its node:test skip logic.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL =
  process.env.PK_BENCH_PG_URL ?? process.env.PK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `fn` on a short-lived connection to the maintenance database. */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the PostgreSQL bench cannot run here, or null when it can. */
export async function pgUnavailable(): Promise<string | null> {
  try {
    await admin((c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return `no PostgreSQL at ${PG_ADMIN_URL}: ${(err as Error).message}`;
  }
}

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `pk_bench_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** The server's settings that decide what "durable" costs, for the log. */
export async function serverSettings(): Promise<string> {
  return admin(async (c) => {
    const r = await c.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay', 'shared_buffers', 'max_connections') ORDER BY name`,
    );
    return r.rows.map((x) => `${x.name}=${x.setting}`).join(' ');
  });
}
