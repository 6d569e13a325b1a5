/**
 * PostgreSQL for tests: a fresh database per store (`pk_test_<random>`), dropped afterwards.
 * PK_TEST_PG_URL points at the server's maintenance database (default: the local trust-auth
 * server the development and CI machines run). Where no PostgreSQL answers, PostgreSQL tests skip
 * with the reason printed, except under CI=true, where they must run and so fail instead.
 */
import { test } from 'node:test';
import type pg from 'pg';
import { createScratchDatabase, whyNoPostgres, withAdmin, type ScratchDatabase } from './pg-admin.ts';

export const PG_ADMIN_URL = process.env.PK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function pgUnavailable(): Promise<string | null> {
  return whyNoPostgres(PG_ADMIN_URL);
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

export type TestDatabase = ScratchDatabase;

export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(PG_ADMIN_URL, 'pk_test');
}

/** Runs SQL on the server's maintenance database (e.g. pg_terminate_backend in fault tests). */
export function pgAdminQuery<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  return withAdmin(PG_ADMIN_URL, (c) => c.query<R>(text, values));
}
