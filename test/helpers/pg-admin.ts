/**
 * The maintenance-database side of PostgreSQL for tests and benches alike: a short-lived admin
 * connection, whether a server answers, and a fresh database (`<prefix>_<random>`) with its drop.
 * test/helpers/pg-db.ts adds node:test's skip rules; bench/pg/db.ts its own server URL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Runs `fn` on a short-lived connection to the maintenance database at `adminUrl`. */
export async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why no PostgreSQL can be used at `adminUrl`, or null when one answers. */
export async function whyNoPostgres(adminUrl: string): Promise<string | null> {
  try {
    await withAdmin(adminUrl, (c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return `no PostgreSQL at ${adminUrl}: ${(err as Error).message}`;
  }
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A new, empty UTF-8 database `<prefix>_<random>` on the server of `adminUrl`. */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
