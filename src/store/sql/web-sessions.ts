/** Web sessions shared by every node (WebSessionStore), keyed by the SHA-256 of the cookie's id. */
import { PkError } from '../../core/errors.ts';
import type { WebSessionRecord, WebSessionStore } from '../ports.ts';
import type { SqlContext } from './context.ts';
import type { WebSessionsTable } from './tables.ts';

interface Expiry {
  readonly idleBefore: number;
  readonly createdBefore: number;
}

function toRecord(r: WebSessionsTable): WebSessionRecord {
  return {
    idHash: r.id_hash,
    csrf: r.csrf,
    accountId: Number(r.account_id),
    createdAt: Number(r.created_at),
    lastSeen: Number(r.last_seen),
  };
}

const expired = (r: WebSessionRecord, e: Expiry): boolean => r.lastSeen <= e.idleBefore || r.createdAt <= e.createdBefore;

export class SqlWebSessions implements WebSessionStore {
  constructor(private readonly ctx: SqlContext) {}

  async create(session: WebSessionRecord): Promise<void> {
    await this.ctx.writes.run(async (tx) => {
      const acc = await tx.db.selectFrom('accounts').select('id').where('id', '=', session.accountId).executeTakeFirst();
      if (!acc) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `no account with id ${session.accountId}`);
      await tx.db
        .insertInto('web_sessions')
        .values({
          id_hash: session.idHash,
          account_id: session.accountId,
          csrf: session.csrf,
          created_at: session.createdAt,
          last_seen: session.lastSeen,
        })
        .execute();
    });
  }

  async get(idHash: string, expiry: Expiry): Promise<WebSessionRecord | null> {
    const row = await this.ctx.db.selectFrom('web_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (!row) return null;
    const record = toRecord(row);
    if (!expired(record, expiry)) return record;
    await this.delete(idHash);
    return null;
  }

  async touch(idHash: string, lastSeen: number): Promise<void> {
    await this.ctx.writes.run((tx) =>
      tx.db
        .updateTable('web_sessions')
        .set({ last_seen: lastSeen })
        .where('id_hash', '=', idHash)
        .where('last_seen', '<', lastSeen)
        .execute(),
    );
  }

  async delete(idHash: string): Promise<void> {
    await this.ctx.writes.run((tx) => tx.db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute());
  }

  async deleteForAccount(accountId: number): Promise<number> {
    const res = await this.ctx.writes.run((tx) =>
      tx.db.deleteFrom('web_sessions').where('account_id', '=', accountId).executeTakeFirst(),
    );
    return Number(res.numDeletedRows);
  }

  async deleteExpired(expiry: Expiry): Promise<number> {
    const res = await this.ctx.writes.run((tx) =>
      tx.db
        .deleteFrom('web_sessions')
        .where((eb) => eb.or([eb('last_seen', '<=', expiry.idleBefore), eb('created_at', '<=', expiry.createdBefore)]))
        .executeTakeFirst(),
    );
    return Number(res.numDeletedRows);
  }
}
