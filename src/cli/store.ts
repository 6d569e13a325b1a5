/** `postkontor store copy`: moves an SQLite data dir into PostgreSQL, ids, UIDs and flags as they are. */
import { resolve } from 'node:path';
import { UsageError, type Command } from './command.ts';

export const storeCommands: Command[] = [
  {
    name: 'store copy',
    summary: 'Copy an SQLite data dir into an empty PostgreSQL database (IMAP and POP3 clients notice nothing).',
    usage: 'store copy --from DIR --to postgres://...',
    details: [
      'Stop the server first: mail arriving during the copy would not be copied.',
      'Copies accounts, settings, mailboxes, messages (ids = POP3 UIDLs, UIDs, UIDVALIDITY,',
      'MODSEQs, flags), the search index, aliases, the outbound queue, DKIM keys and web sessions. The',
      'destination must be empty; its schema is created first. Everything is written in one',
      'transaction: if the copy fails, the destination stays empty. Then start the server with',
      '--store postgres://... (or store = "postgres://..." in the config file).',
      '--from DIR          the SQLite data dir (the one serve ran with --data)',
      '--to URL            postgres://user@host:port/database',
    ],
    options: { from: { type: 'string' }, to: { type: 'string' } },
    async run(ctx) {
      const from = ctx.values.from;
      const to = ctx.values.to;
      if (typeof from !== 'string' || from === '') throw new UsageError('missing --from DIR for "store copy"; usage: postkontor store copy --from DIR --to postgres://...');
      if (typeof to !== 'string' || to === '') throw new UsageError('missing --to URL for "store copy"; usage: postkontor store copy --from DIR --to postgres://...');
      const { isPostgresUrl, redact } = await import('../store/open-postgres.ts');
      if (!isPostgresUrl(to)) throw new UsageError(`invalid --to "${redact(to)}": expected postgres://...`);
      const dir = resolve(from);
      const { copySqliteToPostgres } = await import('../store/copy.ts');
      const started = Date.now();
      ctx.out(`copying ${dir} to ${redact(to)}`);
      const result = await copySqliteToPostgres({
        dataDir: dir,
        url: to,
        onProgress: (p) => ctx.out(p.done ? `${p.table}: ${p.copied}` : `${p.table}: ${p.copied} of ${p.total}`),
      });
      const n = (table: string): number => result.rows[table] ?? 0;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      ctx.out(
        `copied ${n('accounts')} accounts, ${n('mailboxes')} mailboxes, ${n('messages')} messages (${result.blobBytes} bytes), ` +
          `${n('queue')} queued in ${seconds} s (schema version ${result.schemaVersion})`,
      );
    },
  },
];
