/** Accepted submissions per account, shared by every node (SendLogStore): one row per message. */
import type { SendLogStore } from '../ports.ts';
import type { SqlContext } from './context.ts';

export class SqlSendLog implements SendLogStore {
  constructor(private readonly ctx: SqlContext) {}

  async record(accountId: number, at: number): Promise<void> {
    await this.ctx.writes.run((tx) => tx.db.insertInto('send_log').values({ account_id: accountId, at }).execute());
  }

  async recent(accountId: number, since: number, limit: number): Promise<number[]> {
    const rows = await this.ctx.db
      .selectFrom('send_log')
      .select('at')
      .where('account_id', '=', accountId)
      .where('at', '>', since)
      .orderBy('at', 'desc')
      .limit(Math.max(1, limit))
      .execute();
    return rows.map((r) => Number(r.at));
  }

  async prune(before: number): Promise<number> {
    const res = await this.ctx.writes.run((tx) => tx.db.deleteFrom('send_log').where('at', '<=', before).executeTakeFirst());
    return Number(res.numDeletedRows);
  }
}
