/** Failed logins shared by every node (LoginFailureStore): one row per failure and key. */
import type { LoginFailureStore } from '../ports.ts';
import type { SqlContext } from './context.ts';

export class SqlLoginFailures implements LoginFailureStore {
  constructor(private readonly ctx: SqlContext) {}

  async record(keys: readonly string[], at: number): Promise<void> {
    if (keys.length === 0) return;
    await this.ctx.writes.run((tx) =>
      tx.db
        .insertInto('login_failures')
        .values(keys.map((key) => ({ key, at })))
        .execute(),
    );
  }

  async recent(key: string, since: number, limit: number): Promise<number[]> {
    const rows = await this.ctx.db
      .selectFrom('login_failures')
      .select('at')
      .where('key', '=', key)
      .where('at', '>', since)
      .orderBy('at', 'desc')
      .limit(Math.max(1, limit))
      .execute();
    return rows.map((r) => Number(r.at));
  }

  async clear(key: string): Promise<void> {
    await this.ctx.writes.run((tx) => tx.db.deleteFrom('login_failures').where('key', '=', key).execute());
  }

  async prune(before: number): Promise<number> {
    const res = await this.ctx.writes.run((tx) =>
      tx.db.deleteFrom('login_failures').where('at', '<=', before).executeTakeFirst(),
    );
    return Number(res.numDeletedRows);
  }
}
