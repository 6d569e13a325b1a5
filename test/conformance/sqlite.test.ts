import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { storeConformance } from './store.suite.ts';

storeConformance('sqlite', {
  async open({ inlineLimit }) {
    const dir = tempDir('pk-store-');
    const store = await openStore({ dataDir: dir.path, inlineLimit });
    return { store, cleanup: async () => dir.remove() };
  },
});
