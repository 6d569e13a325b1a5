import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { aliasConformance } from './aliases.suite.ts';
import { popConformance } from './pop.suite.ts';
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
