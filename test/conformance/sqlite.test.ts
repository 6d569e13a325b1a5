import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { aliasConformance } from './aliases.suite.ts';
import { listingConformance } from './listing.suite.ts';
import { popConformance } from './pop.suite.ts';
import { queueConformance } from './queue.suite.ts';
import { sharedStateConformance } from './shared-state.suite.ts';
import { submittedConformance } from './submitted.suite.ts';
import { storeConformance, type StoreFactory } from './store.suite.ts';

const sqlite: StoreFactory = {
  async open({ inlineLimit }) {
    const dir = tempDir('pk-store-');
    const store = await openStore({ dataDir: dir.path, inlineLimit });
    return { store, cleanup: async () => dir.remove() };
  },
};

storeConformance('sqlite', sqlite);
popConformance('sqlite', sqlite);
aliasConformance('sqlite', sqlite);
queueConformance('sqlite', {
  async open({ inlineLimit, clock }) {
    const dir = tempDir('pk-queue-');
    const store = await openStore({ dataDir: dir.path, inlineLimit, clock });
    return { store, dataDir: dir.path, cleanup: async () => dir.remove() };
  },
});
submittedConformance('sqlite', sqlite);
listingConformance('sqlite', sqlite);
sharedStateConformance('sqlite', sqlite);
