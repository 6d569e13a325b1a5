/**
 * Applies pending PostgreSQL migrations. All pending versions run in one transaction under a
 * transaction-scoped advisory lock, so two nodes starting together take turns: the second finds
 * the schema current and applies nothing. A database with a newer schema than this postkontor
 * is refused (an old node must not write to a schema it does not know).
 */
import type pg from 'pg';
import { PkError } from '../../core/errors.ts';
import { PG_MIGRATIONS } from './migrations/postgres.ts';
import { SCHEMA_VERSION } from './migrate-sqlite.ts';

/** Advisory-lock namespace of postkontor ('pk'); the second key says what is locked. */
export const PG_LOCK_NAMESPACE = 0x706b;
const MIGRATION_LOCK = 0;

if (PG_MIGRATIONS.length !== SCHEMA_VERSION) {
  throw new Error(`PostgreSQL migrations (${PG_MIGRATIONS.length}) and SQLite migrations (${SCHEMA_VERSION}) disagree`);
}

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function pgSchemaVersion(client: Queryable): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_version')::text AS t`);
  if (exists.rows[0]?.t == null) return 0;
  const row = await client.query<{ v: string | null }>('SELECT max(version)::text AS v FROM schema_version');
  return Number(row.rows[0]?.v ?? 0);
}

/** Brings the schema up to SCHEMA_VERSION; returns the versions before and after. */
export async function migratePostgres(client: Queryable, now: number): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [PG_LOCK_NAMESPACE, MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const current = await pgSchemaVersion(client);
    if (current > SCHEMA_VERSION) {
      throw new PkError(
        'PK_ERR_CONFIG',
        `the database has schema version ${current}, newer than this postkontor (${SCHEMA_VERSION}); upgrade postkontor`,
      );
    }
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
      for (const stmt of PG_MIGRATIONS[v - 1] ?? []) {
        if (typeof stmt === 'string') {
          await client.query(stmt);
          continue;
        }
        // An optional step (an extension the server may lack) must not abort the transaction.
        await client.query('SAVEPOINT optional_step');
        try {
          await client.query(stmt.sql);
          await client.query('RELEASE optional_step');
        } catch {
          await client.query('ROLLBACK TO optional_step');
        }
      }
      await client.query('INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)', [v, now]);
    }
    await client.query('COMMIT');
    return { from: current, to: SCHEMA_VERSION };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
