/** `postkontor user add|passwd|quota|list|remove`. Passwords are hashed here; never printed. */
import { normalizeDomain, parseAddress } from '../core/address.ts';
import { PkError } from '../core/errors.ts';
import { formatSize, parseSize } from '../core/size.ts';
import { hashPassword } from '../auth/password.ts';
import type { Store } from '../store/ports.ts';
import type { Account } from '../store/types.ts';
import {
  formatTable,
  readPasswordFromStdin,
  UsageError,
  withStore,
  type Command,
  type CommandContext,
} from './command.ts';

const PASSWORD_OPTIONS = {
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;

const PASSWORD_DETAILS = [
  '--password P        the new password (visible to other local users in `ps`; prefer --password-stdin)',
  '--password-stdin    read the password from standard input (up to EOF, one trailing newline dropped)',
];

/** Exactly one of --password / --password-stdin, read and hashed (validation happens in hashPassword). */
async function passwordHashFrom(ctx: CommandContext): Promise<string> {
  const given = ctx.values.password;
  const fromStdin = ctx.values['password-stdin'] === true;
  if (typeof given === 'string' && fromStdin) {
    throw new UsageError('give either --password or --password-stdin, not both');
  }
  if (typeof given !== 'string' && !fromStdin) {
    throw new UsageError(`missing --password P or --password-stdin for "${ctx.command}"`);
  }
  const password = typeof given === 'string' ? given : await readPasswordFromStdin(ctx.io.stdin);
  return hashPassword(password);
}

async function existingAccount(store: Store, address: string): Promise<Account> {
  const account = await store.accounts.get(address);
  if (!account) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `user ${address} does not exist`);
  return account;
}

async function requireDomain(store: Store, domain: string): Promise<void> {
  if (!(await store.domains.exists(domain))) {
    throw new PkError(
      'PK_ERR_DOMAIN_NOT_FOUND',
      `domain ${domain} does not exist; add it first: postkontor domain add ${domain}`,
    );
  }
}

export const userCommands: Command[] = [
  {
    name: 'user add',
    summary: 'Create an account (with INBOX, Sent, Drafts, Trash, Junk, Archive).',
    usage: 'user add ADDRESS (--password P | --password-stdin) [--admin] [--quota SIZE] [--data DIR]',
    details: [
      ...PASSWORD_DETAILS,
      '--admin             may administer the server through the web interface',
      '--quota SIZE        e.g. 500M, 2G; 0 (the default) means unlimited',
    ],
    args: ['ADDRESS'],
    options: { ...PASSWORD_OPTIONS, admin: { type: 'boolean' }, quota: { type: 'string' } },
    async run(ctx) {
      const { address, domain } = parseAddress(ctx.args.ADDRESS ?? '');
      const quotaText = ctx.values.quota;
      const quotaBytes = typeof quotaText === 'string' ? parseSize(quotaText) : 0;
      const admin = ctx.values.admin === true;
      const passwordHash = await passwordHashFrom(ctx);
      await withStore(ctx, async (store) => {
        await requireDomain(store, domain);
        if (await store.accounts.get(address)) {
          throw new PkError('PK_ERR_ACCOUNT_EXISTS', `user ${address} already exists`);
        }
        await store.accounts.create({ address, passwordHash, admin, quotaBytes });
      });
      const traits = [...(admin ? ['admin'] : []), `quota ${formatSize(quotaBytes)}`];
      ctx.out(`user ${address} added (${traits.join(', ')})`);
    },
  },
  {
    name: 'user passwd',
    summary: "Change a user's password.",
    usage: 'user passwd ADDRESS (--password P | --password-stdin) [--data DIR]',
    details: PASSWORD_DETAILS,
    args: ['ADDRESS'],
    options: { ...PASSWORD_OPTIONS },
    async run(ctx) {
      const { address } = parseAddress(ctx.args.ADDRESS ?? '');
      const hash = await passwordHashFrom(ctx);
      await withStore(ctx, async (store) => {
        await existingAccount(store, address);
        await store.accounts.setPasswordHash(address, hash);
      });
      ctx.out(`password of ${address} changed`);
    },
  },
  {
    name: 'user quota',
    summary: "Set a user's quota (0 = unlimited).",
    usage: 'user quota ADDRESS SIZE [--data DIR]',
    details: ['SIZE                e.g. 500M, 2G, 1.5G, 1048576; 0 or "unlimited" for no quota'],
    args: ['ADDRESS', 'SIZE'],
    async run(ctx) {
      const { address } = parseAddress(ctx.args.ADDRESS ?? '');
      const bytes = parseSize(ctx.args.SIZE ?? '');
      await withStore(ctx, async (store) => {
        await existingAccount(store, address);
        await store.accounts.setQuota(address, bytes);
      });
      ctx.out(`quota of ${address} set to ${formatSize(bytes)}`);
    },
  },
  ...(['disable', 'enable'] as const).map(
    (verb): Command => ({
      name: `user ${verb}`,
      summary:
        verb === 'disable'
          ? 'Stop every login of a user (IMAP, POP3, submission, web); mail is still received.'
          : 'Allow a disabled user to log in again.',
      usage: `user ${verb} ADDRESS [--data DIR]`,
      args: ['ADDRESS'],
      async run(ctx) {
        const { address } = parseAddress(ctx.args.ADDRESS ?? '');
        await withStore(ctx, async (store) => {
          await existingAccount(store, address);
          await store.accounts.setDisabled(address, verb === 'disable');
        });
        ctx.out(`user ${address} ${verb}d`);
      },
    }),
  ),
  {
    name: 'user list',
    summary: 'List users (of one domain, or all), with quota and usage.',
    usage: 'user list [DOMAIN] [--data DIR]',
    optionalArgs: ['DOMAIN'],
    async run(ctx) {
      const domain = ctx.args.DOMAIN === undefined ? undefined : normalizeDomain(ctx.args.DOMAIN);
      const accounts = await withStore(ctx, async (store) => {
        if (domain !== undefined) await requireDomain(store, domain);
        return store.accounts.list(domain);
      });
      if (accounts.length === 0) return;
      const rows = [
        ['ADDRESS', 'ADMIN', 'QUOTA', 'USED', 'MESSAGES'],
        ...accounts.map((a) => [
          a.address,
          a.admin ? 'yes' : 'no',
          formatSize(a.quotaBytes),
          a.usedBytes === 0 ? '0' : formatSize(a.usedBytes),
          String(a.messageCount),
        ]),
      ];
      for (const line of formatTable(rows)) ctx.out(line);
    },
  },
  {
    name: 'user remove',
    summary: 'Delete a user with all their mail and settings.',
    usage: 'user remove ADDRESS [--data DIR]',
    args: ['ADDRESS'],
    async run(ctx) {
      const { address } = parseAddress(ctx.args.ADDRESS ?? '');
      await withStore(ctx, async (store) => {
        await existingAccount(store, address);
        await store.accounts.remove(address);
      });
      ctx.out(`user ${address} removed`);
    },
  },
];
