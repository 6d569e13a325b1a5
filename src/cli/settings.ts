/** `postkontor settings get|set|list`: per-account settings, validated against the one schema. */
import { parseAddress } from '../core/address.ts';
import { PkError } from '../core/errors.ts';
import {
  allowedValues,
  assertSettingKey,
  formatSettingValue,
  parseSettingValue,
  SETTING_KEYS,
  SETTINGS,
} from '../core/settings-schema.ts';
import type { Store } from '../store/ports.ts';
import type { Account } from '../store/types.ts';
import { formatTable, withStore, type Command } from './command.ts';

async function existingAccount(store: Store, address: string): Promise<Account> {
  const account = await store.accounts.get(address);
  if (!account) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `user ${address} does not exist`);
  return account;
}

/** Empty strings are shown as "" so that a blank column is never ambiguous. */
function show(text: string): string {
  return text === '' ? '""' : text;
}

export const settingsCommands: Command[] = [
  {
    name: 'settings get',
    summary: "Print one setting's value of an account.",
    usage: 'settings get ADDRESS KEY [--data DIR]',
    args: ['ADDRESS', 'KEY'],
    async run(ctx) {
      const { address } = parseAddress(ctx.args.ADDRESS ?? '');
      const key = assertSettingKey(ctx.args.KEY ?? '');
      const values = await withStore(ctx, async (store) => {
        const account = await existingAccount(store, address);
        return (await store.settings.get(account.id)).values;
      });
      ctx.out(formatSettingValue(values[key]));
    },
  },
  {
    name: 'settings set',
    summary: "Change one setting of an account (takes effect at the user's next login).",
    usage: 'settings set ADDRESS KEY VALUE [--data DIR]',
    args: ['ADDRESS', 'KEY', 'VALUE'],
    async run(ctx) {
      const { address } = parseAddress(ctx.args.ADDRESS ?? '');
      const key = assertSettingKey(ctx.args.KEY ?? '');
      const text = formatSettingValue(parseSettingValue(key, ctx.args.VALUE ?? ''));
      await withStore(ctx, async (store) => {
        const account = await existingAccount(store, address);
        await store.settings.set(account.id, key, text);
      });
      ctx.out(`${address}: ${key} = ${show(text)}`);
    },
  },
  {
    name: 'settings list',
    summary: "List an account's settings, or with no ADDRESS every setting the server knows.",
    usage: 'settings list [ADDRESS] [--data DIR]',
    optionalArgs: ['ADDRESS'],
    async run(ctx) {
      if (ctx.args.ADDRESS === undefined) {
        const rows = [
          ['KEY', 'ALLOWED', 'DEFAULT', 'DESCRIPTION'],
          ...SETTING_KEYS.map((k) => [
            k,
            allowedValues(k),
            show(formatSettingValue(SETTINGS[k].default)),
            SETTINGS[k].description,
          ]),
        ];
        for (const line of formatTable(rows)) ctx.out(line);
        return;
      }
      const { address } = parseAddress(ctx.args.ADDRESS);
      const current = await withStore(ctx, async (store) => {
        const account = await existingAccount(store, address);
        return store.settings.get(account.id);
      });
      const rows = [
        ['KEY', 'VALUE', 'SOURCE', 'ALLOWED'],
        ...SETTING_KEYS.map((k) => [
          k,
          show(formatSettingValue(current.values[k])),
          current.updatedAt[k] === undefined ? 'default' : 'set',
          allowedValues(k),
        ]),
      ];
      for (const line of formatTable(rows)) ctx.out(line);
    },
  },
];
