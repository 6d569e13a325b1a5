/**
 * Every store conformance suite against the PostgreSQL store, each suite on a fresh database.
 * Skips (printing why) where no PostgreSQL answers; under CI=true it fails instead.
 */
import { openStore } from '../../src/store/open-store.ts';
import { createTestDatabase, requirePostgres } from '../helpers/pg-db.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { aliasConformance } from './aliases.suite.ts';
import { listingConformance } from './listing.suite.ts';
import { popConformance } from './pop.suite.ts';
import { queueConformance } from './queue.suite.ts';
import { submittedConformance } from './submitted.suite.ts';
import { storeConformance, type StoreFactory } from './store.suite.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { Store } from '../../src/store/ports.ts';

async function openPg(clock?: Clock): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const database = await createTestDatabase();
  const dir = tempDir('pk-pg-');
  // Bodies of every size live in PostgreSQL, whatever inline limit a suite asks for.
  const store = await openStore({ dataDir: dir.path, storeUrl: database.url, ...(clock ? { clock } : {}) });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
      dir.remove();
    },
  };
}

if (await requirePostgres('PostgreSQL store conformance')) {
  const postgres: StoreFactory = { open: () => openPg() };
  storeConformance('postgres', postgres);
  popConformance('postgres', postgres);
  aliasConformance('postgres', postgres);
  queueConformance('postgres', { open: ({ clock }) => openPg(clock) });
  submittedConformance('postgres', postgres);
  listingConformance('postgres', postgres);
}
