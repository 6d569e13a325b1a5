/**
 * The store a protocol test runs on: SQLite in the test's data dir by default, or, with
 * `PK_TEST_STORE=postgres` in the environment, PostgreSQL on a `pk_test_<random>` database of its
 * own (test/helpers/pg-db.ts). scripts/run-tests.mjs runs the protocol suites a second time that way.
 *
 * Creating and dropping a PostgreSQL database costs a second or more (each fsyncs and checkpoints),
 * and the transcript suites alone start hundreds of servers, so a disposed database is not dropped
 * at once: the next test store of the same process takes it over, emptied to the state a fresh
 * migration leaves (every table but schema_version truncated, identities restarted). The process
 * drops its databases when it is about to exit.
 */
import type { Clock } from '../../src/core/clock.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/ports.ts';
import pg from 'pg';
import { createTestDatabase, pgUnavailable, type TestDatabase } from './pg-db.ts';

export type TestStoreKind = 'sqlite' | 'postgres';

/** Which store the protocol tests of this process run on (`PK_TEST_STORE`). */
export function testStoreKind(): TestStoreKind {
  const kind = process.env.PK_TEST_STORE ?? 'sqlite';
  if (kind === 'sqlite' || kind === '') return 'sqlite';
  if (kind === 'postgres') return 'postgres';
  throw new Error(`PK_TEST_STORE=${kind}: expected sqlite or postgres`);
}

/** Pooled connections per PostgreSQL test store: test files run in parallel on one server. */
const PG_POOL = 4;

export interface TestStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly onError?: (err: unknown) => void;
}

export interface TestStore {
  readonly kind: TestStoreKind;
  /** The PostgreSQL URL, when the store is PostgreSQL. */
  readonly storeUrl?: string;
  readonly store: Store;
  /** Closes the store and opens it again on the same data (a restart). */
  reopen(): Promise<Store>;
  /** Closes the store (if still open) and drops the PostgreSQL database. */
  dispose(): Promise<void>;
}

let checked: Promise<void> | undefined;
function checkPostgres(): Promise<void> {
  checked ??= pgUnavailable().then((reason) => {
    if (reason !== null) throw new Error(`PK_TEST_STORE=postgres: ${reason}`);
  });
  return checked;
}

/** Databases a disposed test store left, ready for the next one; all of them, to drop at exit. */
const idle: TestDatabase[] = [];
const created = new Set<TestDatabase>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('beforeExit', () => {
    if (created.size === 0) return;
    const all = [...created];
    created.clear();
    idle.length = 0;
    // beforeExit fires again once these drops are done; `created` is empty by then.
    void Promise.all(all.map((d) => d.drop().catch((err: unknown) => console.error(`# cannot drop ${d.name}: ${String(err)}`))));
  });
}

/** Empties a used test database back to the state of a freshly migrated one. */
async function reset(database: TestDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      `SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_version'`,
    );
    if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((r) => r.t).join(', ')} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function acquireDatabase(): Promise<TestDatabase> {
  await checkPostgres();
  hookExit();
  const reused = idle.pop();
  if (reused) {
    try {
      await reset(reused);
      return reused;
    } catch {
      created.delete(reused);
      await reused.drop().catch(() => undefined);
    }
  }
  const database = await createTestDatabase();
  created.add(database);
  return database;
}

function releaseDatabase(database: TestDatabase): void {
  if (created.has(database)) idle.push(database);
}

export async function openTestStore(opts: TestStoreOptions): Promise<TestStore> {
  const kind = testStoreKind();
  let database: TestDatabase | undefined;
  if (kind === 'postgres') database = await acquireDatabase();
  const open = (): Promise<Store> =>
    openStore({
      dataDir: opts.dataDir,
      ...(database ? { storeUrl: database.url, poolSize: PG_POOL } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
  let store: Store;
  try {
    store = await open();
  } catch (err) {
    // A store that failed to open may have left the database half-way: drop it, not reuse it.
    if (database) created.delete(database);
    await database?.drop().catch(() => undefined);
    throw err;
  }
  let closed = false;
  let disposing: Promise<void> | undefined;
  const handle: TestStore = {
    kind,
    ...(database ? { storeUrl: database.url } : {}),
    get store() {
      return store;
    },
    async reopen() {
      if (!closed) await store.close();
      closed = true;
      store = await open();
      closed = false;
      return store;
    },
    dispose: () =>
      (disposing ??= (async () => {
        try {
          if (!closed) await store.close();
          closed = true;
        } catch (err) {
          // Connections may linger: this database is dropped (WITH FORCE), not handed on.
          if (database) {
            created.delete(database);
            await database.drop().catch(() => undefined);
          }
          throw err;
        }
        if (database) releaseDatabase(database);
      })()),
  };
  return handle;
}
