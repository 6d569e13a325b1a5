/** `postkontor alias add|list|remove`: aliases and catch-alls (`@domain`). */
import { withStore, type Command } from './command.ts';

export const aliasCommands: Command[] = [
  {
    name: 'alias add',
    summary: 'Deliver mail for FROM (an address, or @domain for a catch-all) to TO.',
    usage: 'alias add FROM TO [--data DIR]',
    details: [
      'FROM must be in a local domain and must not be an account.',
      'TO may be an account, another alias, or an address elsewhere (the mail is forwarded).',
      'Several TOs for one FROM: run alias add once for each.',
    ],
    args: ['FROM', 'TO'],
    async run(ctx) {
      const alias = await withStore(ctx, (store) => store.aliases.add(ctx.args.FROM ?? '', ctx.args.TO ?? ''));
      ctx.out(`alias ${alias.source} -> ${alias.target} added`);
    },
  },
  {
    name: 'alias list',
    summary: 'List aliases (of one domain), one "FROM -> TO" per line.',
    usage: 'alias list [DOMAIN] [--data DIR]',
    optionalArgs: ['DOMAIN'],
    async run(ctx) {
      const aliases = await withStore(ctx, (store) => store.aliases.list(ctx.args.DOMAIN));
      for (const a of aliases) ctx.out(`${a.source} -> ${a.target}`);
    },
  },
  {
    name: 'alias remove',
    summary: 'Remove the alias FROM -> TO, or every target of FROM.',
    usage: 'alias remove FROM [TO] [--data DIR]',
    args: ['FROM'],
    optionalArgs: ['TO'],
    async run(ctx) {
      await withStore(ctx, (store) => store.aliases.remove(ctx.args.FROM ?? '', ctx.args.TO));
      ctx.out(ctx.args.TO ? `alias ${ctx.args.FROM} -> ${ctx.args.TO} removed` : `aliases of ${ctx.args.FROM} removed`);
    },
  },
];
