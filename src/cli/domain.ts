/** `postkontor domain add|list|remove`. */
import { normalizeDomain } from '../core/address.ts';
import { PkError } from '../core/errors.ts';
import { dkimTxtRecord, ensureDkimKey } from '../delivery/outbound/dkim-keygen.ts';
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
      await withStore(ctx, async (store) => {
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
      const domains = await withStore(ctx, (store) => store.domains.list());
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
      await withStore(ctx, async (store) => {
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
  {
    name: 'domain dkim',
    summary: 'Create the DKIM signing key of a domain (if it has none) and print the DNS record to publish.',
    usage: 'domain dkim NAME [--rotate] [--data DIR]',
    details: [
      '--rotate   make a new key (new selector) that signs from now on; keep the old record',
      '           published for a few days, until mail signed with it has been delivered.',
      'Keys are RSA 2048 (rsa-sha256). Publish the printed TXT record; some DNS hosts want a long',
      'value split into quoted strings of at most 255 characters.',
    ],
    args: ['NAME'],
    options: { rotate: { type: 'boolean' } },
    async run(ctx) {
      const name = normalizeDomain(ctx.args.NAME ?? '');
      const { key, created } = await withStore(ctx, async (store) => {
        if (!(await store.domains.exists(name))) {
          throw new PkError('PK_ERR_DOMAIN_NOT_FOUND', `domain ${name} does not exist (postkontor domain add ${name})`);
        }
        return ensureDkimKey(store.dkimKeys, name, { rotate: ctx.values.rotate === true, now: Date.now() });
      });
      const record = dkimTxtRecord(key);
      ctx.out(created ? `DKIM key ${key.selector} created for ${name}; publish:` : `DKIM key ${key.selector} of ${name}; publish:`);
      ctx.out(`${record.name} TXT "${record.value}"`);
    },
  },
];
