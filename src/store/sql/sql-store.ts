/** The SQL store: one object composing the repositories over a dialect's database. */
import { sql } from 'kysely';
import type { ChangeBus } from '../change-bus.ts';
import type { Change, ChangeListener, Unsubscribe } from '../changes.ts';
import type { ChangeFeed, Store, StoreStats } from '../ports.ts';
import { SqlAccounts } from './accounts.ts';
import { SqlAliases } from './aliases.ts';
import { readChangesSince } from './change-log.ts';
import type { SqlContext } from './context.ts';
import { SqlDkimKeys } from './dkim-keys.ts';
import { SqlDomains } from './domains.ts';
import { SqlLoginFailures } from './login-failures.ts';
import { SqlMailboxes } from './mailboxes.ts';
import { SqlMessages } from './messages.ts';
import { SqlPop } from './pop.ts';
import { SqlQueue } from './queue.ts';
import { SqlSendLog } from './send-log.ts';
import { SqlSettings } from './settings.ts';
import { SqlWebSessions } from './web-sessions.ts';

export class SqlStore implements Store {
  readonly domains: SqlDomains;
  readonly accounts: SqlAccounts;
  readonly aliases: SqlAliases;
  readonly settings: SqlSettings;
  readonly mailboxes: SqlMailboxes;
  readonly messages: SqlMessages;
  readonly pop: SqlPop;
  readonly queue: SqlQueue;
  readonly dkimKeys: SqlDkimKeys;
  readonly loginFailures: SqlLoginFailures;
  readonly webSessions: SqlWebSessions;
  readonly sendLog: SqlSendLog;
  readonly changes: ChangeFeed;
  private closed = false;

  constructor(
    readonly dialect: 'sqlite' | 'postgres',
    private readonly ctx: SqlContext,
    bus: ChangeBus,
    private readonly shutdown: () => Promise<void>,
    /** A feed across nodes (PostgreSQL): told of each new subscription, settled by idle(). */
    private readonly remote?: { track(accountId: number): void; settle(): Promise<void> },
  ) {
    this.domains = new SqlDomains(ctx);
    this.accounts = new SqlAccounts(ctx);
    this.aliases = new SqlAliases(ctx);
    this.settings = new SqlSettings(ctx);
    this.mailboxes = new SqlMailboxes(ctx);
    this.messages = new SqlMessages(ctx);
    this.pop = new SqlPop(ctx);
    this.queue = new SqlQueue(ctx);
    this.dkimKeys = new SqlDkimKeys(ctx);
    this.loginFailures = new SqlLoginFailures(ctx);
    this.webSessions = new SqlWebSessions(ctx);
    this.sendLog = new SqlSendLog(ctx);
    this.changes = {
      subscribe: (accountId: number, l: ChangeListener): Unsubscribe => {
        const unsubscribe = bus.subscribe(accountId, l);
        remote?.track(accountId);
        return unsubscribe;
      },
      subscribeAll: (l: ChangeListener): Unsubscribe => bus.subscribeAll(l),
      readSince: (accountId: number, afterSeq: number, limit = 1000): Promise<Change[]> =>
        readChangesSince(ctx.db, accountId, afterSeq, limit),
      lastSeq: async (accountId: number): Promise<number> => {
        const row = await ctx.db.selectFrom('accounts').select('change_seq').where('id', '=', accountId).executeTakeFirst();
        return Number(row?.change_seq ?? 0);
      },
    };
  }

  async stats(): Promise<StoreStats> {
    const db = this.ctx.db;
    const blobs = await db
      .selectFrom('blobs')
      .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(size), 0)`.as('bytes')])
      .executeTakeFirstOrThrow();
    const messages = await db.selectFrom('messages').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const bad = await sql<{ n: number }>`
      SELECT count(*) AS n FROM blobs b
      LEFT JOIN (SELECT blob_hash, count(*) AS c FROM messages GROUP BY blob_hash) m ON m.blob_hash = b.hash
      WHERE b.refcount <> coalesce(m.c, 0)`.execute(db);
    const dangling = await sql<{ n: number }>`
      SELECT count(*) AS n FROM messages m
      WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = m.blob_hash AND b.rowid = m.blob_id)`.execute(db);
    return {
      blobs: Number(blobs.n),
      blobBytes: Number(blobs.bytes),
      messages: Number(messages.n),
      badRefcounts: Number(bad.rows[0]?.n ?? 0),
      danglingMessages: Number(dangling.rows[0]?.n ?? 0),
    };
  }

  async idle(): Promise<void> {
    await this.ctx.writes.drain();
    await this.ctx.textIndexer?.settle();
    await this.ctx.writes.drain();
    await this.remote?.settle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.shutdown();
  }
}
