/**
 * PostgreSQL for tests: a fresh database per store (`pk_test_<random>`), dropped afterwards.
 * PK_TEST_PG_URL points at the server's maintenance database (default: the local trust-auth
 * server the development and CI machines run). Where no PostgreSQL answers, PostgreSQL tests skip
 * with the reason printed, except under CI=true, where they must run and so fail instead.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.PK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export async function pgUnavailable(): Promise<string | null> {
  try {
    await admin((c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return `no PostgreSQL at ${PG_ADMIN_URL}: ${(err as Error).message}`;
  }
}

/**
 * True when the PostgreSQL tests of this file should run. Otherwise prints why, registers one
 * skipped test saying so, and returns false; under CI=true it throws instead (CI must run them).
 */
export async function requirePostgres(what: string): Promise<boolean> {
  const reason = await pgUnavailable();
  if (reason === null) return true;
  if (process.env.CI === 'true') throw new Error(`${what}: ${reason} (CI=true: PostgreSQL tests must run)`);
  console.log(`# skipping ${what}: ${reason}`);
  test(what, { skip: reason }, () => undefined);
  return false;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `pk_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Runs SQL on the server's maintenance database (e.g. pg_terminate_backend in fault tests). */
export function pgAdminQuery<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  return admin((c) => c.query<R>(text, values));
}
