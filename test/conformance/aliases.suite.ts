/** Aliases and catch-alls (AliasStore), for every store implementation. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPkError } from '../../src/core/errors.ts';
import type { Store } from '../../src/store/ports.ts';
import type { StoreFactory } from './store.suite.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(p, (err: unknown) => isPkError(err) && err.code === code);
}

export function aliasConformance(name: string, factory: StoreFactory): void {
  describe(`alias store conformance: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const who = async (address: string): Promise<[string[], string[]]> => {
      const r = await store.aliases.resolve(address);
      return [r.accounts.map((a) => a.address).sort(), [...r.external].sort()];
    };

    before(async () => {
      ({ store, cleanup } = await factory.open({ inlineLimit: 4096 }));
      for (const d of ['a.example', 'b.example']) await store.domains.add(d);
      for (const u of ['alice@a.example', 'bob@a.example', 'carol@b.example']) {
        await store.accounts.create({ address: u, passwordHash: HASH });
      }
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    it('resolves accounts, aliases, chains, external targets and nobody', async () => {
      await store.aliases.add('Sales@A.example', 'alice@a.example');
      await store.aliases.add('sales@a.example', 'bob@a.example');
      await store.aliases.add('team@a.example', 'sales@a.example');
      await store.aliases.add('team@a.example', 'friend@elsewhere.example');
      assert.deepEqual(await who('alice@a.example'), [['alice@a.example'], []]);
      assert.deepEqual(await who('SALES@a.example'), [['alice@a.example', 'bob@a.example'], []]);
      assert.deepEqual(await who('team@a.example'), [['alice@a.example', 'bob@a.example'], ['friend@elsewhere.example']]);
      assert.deepEqual(await who('nobody@a.example'), [[], []]);
      assert.deepEqual(await who('someone@elsewhere.example'), [[], []], 'mail for elsewhere is not ours to route');
    });

    it('ignores loops and over-long chains', async () => {
      await store.aliases.add('loop1@b.example', 'loop2@b.example');
      await store.aliases.add('loop2@b.example', 'loop1@b.example');
      await store.aliases.add('loop2@b.example', 'carol@b.example');
      assert.deepEqual(await who('loop1@b.example'), [['carol@b.example'], []]);
    });

    it('falls back to the catch-all only for addresses that are neither account nor alias', async () => {
      await store.aliases.add('@b.example', 'carol@b.example');
      assert.deepEqual(await who('random@b.example'), [['carol@b.example'], []]);
      assert.equal((await store.aliases.resolve('random@b.example')).catchAll, true);
      assert.equal((await store.aliases.resolve('loop1@b.example')).catchAll, false, 'an alias is not the catch-all');
      assert.equal((await store.aliases.resolve('carol@b.example')).catchAll, false);
      assert.deepEqual(await who('nobody@a.example'), [[], []], 'no catch-all in a.example');
      await store.aliases.add('@a.example', 'missing@a.example');
      assert.deepEqual(await who('other@a.example'), [[], []], 'a catch-all pointing at nobody');
    });

    it('refuses bad aliases precisely and lists and removes them', async () => {
      await rejectsCode(store.aliases.add('x@unknown.example', 'alice@a.example'), 'PK_ERR_DOMAIN_NOT_FOUND');
      await rejectsCode(store.aliases.add('alice@a.example', 'bob@a.example'), 'PK_ERR_ALIAS_CONFLICT');
      await rejectsCode(store.aliases.add('self@a.example', 'self@a.example'), 'PK_ERR_ALIAS_CONFLICT');
      await rejectsCode(store.aliases.add('team@a.example', 'sales@a.example'), 'PK_ERR_ALIAS_EXISTS');
      await rejectsCode(store.aliases.add('not an address', 'alice@a.example'), 'PK_ERR_INVALID_ADDRESS');
      const listed = (await store.aliases.list('a.example')).map((a) => `${a.source}>${a.target}`);
      assert.deepEqual(listed, [
        '@a.example>missing@a.example',
        'sales@a.example>alice@a.example',
        'sales@a.example>bob@a.example',
        'team@a.example>friend@elsewhere.example',
        'team@a.example>sales@a.example',
      ]);
      await store.aliases.remove('sales@a.example', 'bob@a.example');
      assert.deepEqual(await who('sales@a.example'), [['alice@a.example'], []]);
      await store.aliases.remove('team@a.example');
      assert.deepEqual(await who('team@a.example'), [[], []]);
      await rejectsCode(store.aliases.remove('team@a.example'), 'PK_ERR_ALIAS_NOT_FOUND');
    });

    it('removing a domain removes its aliases and catch-all', async () => {
      await store.domains.add('c.example');
      await store.aliases.add('x@c.example', 'alice@a.example');
      await store.aliases.add('@c.example', 'alice@a.example');
      await store.domains.remove('c.example');
      assert.deepEqual(await store.aliases.list('c.example'), []);
    });
  });
}
