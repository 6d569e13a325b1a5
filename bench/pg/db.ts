/**
 * A fresh PostgreSQL database per bench run (`pk_bench_<random>`), dropped afterwards, on the
 * server the tests use (PK_BENCH_PG_URL, else PK_TEST_PG_URL, else the local trust-auth server).
 * The database helpers are test/helpers/pg-admin.ts's (as for tests), without node:test's skip rules.
 */
import type pg from 'pg';
import { createScratchDatabase, whyNoPostgres, withAdmin, type ScratchDatabase } from '../../test/helpers/pg-admin.ts';

export const PG_ADMIN_URL =
  process.env.PK_BENCH_PG_URL ?? process.env.PK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `fn` on a short-lived connection to the maintenance database. */
export function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  return withAdmin(PG_ADMIN_URL, fn);
}

/** Why the PostgreSQL bench cannot run here, or null when it can. */
export function pgUnavailable(): Promise<string | null> {
  return whyNoPostgres(PG_ADMIN_URL);
}

export type BenchDatabase = ScratchDatabase;

export function createBenchDatabase(): Promise<BenchDatabase> {
  return createScratchDatabase(PG_ADMIN_URL, 'pk_bench');
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
