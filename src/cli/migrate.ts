/** `postkontor migrate`: brings the store's schema up to date (SQLite data dir or PostgreSQL). */
import type { Command } from './command.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Bring the store schema up to date (serve does this at start-up too).',
  usage: 'migrate [--data DIR] [--store URL]',
  details: [
    'With --store postgres://... the PostgreSQL database is migrated (under an advisory lock, so',
    'nodes starting at the same time take turns); without it, the SQLite store in the data dir.',
    'A store with a newer schema than this postkontor is refused.',
  ],
  async run(ctx) {
    const { migrateStore } = await import('../store/open-store.ts');
    const { redact } = await import('../store/open-postgres.ts');
    const { from, to } = await migrateStore(
      ctx.storeUrl !== undefined ? { dataDir: ctx.dataDir, storeUrl: ctx.storeUrl } : { dataDir: ctx.dataDir },
    );
    const where = ctx.storeUrl !== undefined ? redact(ctx.storeUrl) : ctx.dataDir;
    ctx.out(from === to ? `${where}: schema version ${to}, up to date` : `${where}: schema version ${from} -> ${to}`);
  },
};
