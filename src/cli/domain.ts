/** `postkontor domain add|list|remove`. */
import { normalizeDomain } from '../core/address.ts';
import { PkError } from '../core/errors.ts';
import { withStore, type Command } from './command.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const domainCommands: Command[] = [
  {
    name: 'domain add',
    summary: 'Add a mail domain this server receives mail for.',
    usage: 'domain add NAME [--data DIR]',
    args: ['NAME'],
    async run(ctx) {
      const name = normalizeDomain(ctx.args.NAME ?? '');
      await withStore(ctx.dataDir, async (store) => {
        if (await store.domains.exists(name)) {
          throw new PkError('PK_ERR_DOMAIN_EXISTS', `domain ${name} already exists`);
        }
        await store.domains.add(name);
      });
      ctx.out(`domain ${name} added`);
    },
  },
  {
    name: 'domain list',
    summary: 'List the domains, one per line.',
    usage: 'domain list [--data DIR]',
    async run(ctx) {
      const domains = await withStore(ctx.dataDir, (store) => store.domains.list());
      for (const d of domains) ctx.out(d.name);
    },
  },
  {
    name: 'domain remove',
    summary: 'Remove a domain that has no users left.',
    usage: 'domain remove NAME [--data DIR]',
    args: ['NAME'],
    async run(ctx) {
      const name = normalizeDomain(ctx.args.NAME ?? '');
      await withStore(ctx.dataDir, async (store) => {
        if (!(await store.domains.exists(name))) {
          throw new PkError('PK_ERR_DOMAIN_NOT_FOUND', `domain ${name} does not exist`);
        }
        const users = await store.accounts.list(name);
        if (users.length > 0) {
          throw new PkError(
            'PK_ERR_DOMAIN_NOT_EMPTY',
            `domain ${name} still has ${plural(users.length, 'user')}; remove them first (postkontor user list ${name})`,
          );
        }
        await store.domains.remove(name);
      });
      ctx.out(`domain ${name} removed`);
    },
  },
];
