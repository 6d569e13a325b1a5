import { parseAddress, normalizeDomain } from '../../core/address.ts';
import { PkError } from '../../core/errors.ts';
import type { AccountStore, NewAccount } from '../ports.ts';
import type { Account, MailboxRole } from '../types.ts';
import { countHashes, releaseBlobRefs } from './blob-refs.ts';
import { isUniqueViolation, type SqlContext } from './context.ts';
import { insertMailbox } from './mailbox-rows.ts';
import { toAccount } from './rows.ts';

/** The mailboxes every new account starts with, in LIST order. */
const INITIAL_MAILBOXES: readonly [string, MailboxRole][] = [
  ['INBOX', 'inbox'],
  ['Archive', 'archive'],
  ['Drafts', 'drafts'],
  ['Junk', 'junk'],
  ['Sent', 'sent'],
  ['Trash', 'trash'],
];

export class SqlAccounts implements AccountStore {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewAccount): Promise<Account> {
    const { address, domain } = parseAddress(input.address);
    const quota = input.quotaBytes ?? 0;
    if (!Number.isSafeInteger(quota) || quota < 0) {
      throw new PkError('PK_ERR_INVALID_SIZE', `invalid quota ${quota}`);
    }
    const now = this.ctx.clock.now();
    try {
      const id = await this.ctx.writes.run(async (tx) => {
        const d = await tx.db
          .selectFrom('domains')
          .select('name')
          .where('name', '=', domain)
          .executeTakeFirst();
        if (!d) {
          throw new PkError(
            'PK_ERR_DOMAIN_NOT_FOUND',
            `domain ${domain} is not a local domain; add it first with: postkontor domain add ${domain}`,
          );
        }
        const row = await tx.db
          .insertInto('accounts')
          .values({
            address,
            domain,
            password_hash: input.passwordHash,
            admin: input.admin ? 1 : 0,
            quota_bytes: quota,
            used_bytes: 0,
            message_count: 0,
            change_seq: 0,
            uidvalidity_last: 0,
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        for (const [name, role] of INITIAL_MAILBOXES) {
          await insertMailbox(tx, row.id, name, role, now);
          await tx.db.insertInto('subscriptions').values({ account_id: row.id, name }).execute();
        }
        return row.id;
      });
      return (await this.getById(id)) as Account;
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new PkError('PK_ERR_ACCOUNT_EXISTS', `user ${address} already exists`);
      }
      throw err;
    }
  }

  async get(input: string): Promise<Account | null> {
    let address: string;
    try {
      address = parseAddress(input).address;
    } catch {
      return null;
    }
    const row = await this.ctx.db
      .selectFrom('accounts')
      .selectAll()
      .where('address', '=', address)
      .executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async getById(id: number): Promise<Account | null> {
    const row = await this.ctx.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : null;
  }

  async list(domain?: string): Promise<Account[]> {
    let q = this.ctx.db.selectFrom('accounts').selectAll().orderBy('domain').orderBy('address');
    if (domain !== undefined) q = q.where('domain', '=', normalizeDomain(domain));
    return (await q.execute()).map(toAccount);
  }

  async passwordHash(input: string): Promise<{ account: Account; hash: string } | null> {
    const account = await this.get(input);
    if (!account) return null;
    const row = await this.ctx.db
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', account.id)
      .executeTakeFirst();
    return row ? { account, hash: row.password_hash } : null;
  }

  async setPasswordHash(input: string, hash: string): Promise<void> {
    await this.updateOne(input, { password_hash: hash });
  }

  async setQuota(input: string, quotaBytes: number): Promise<void> {
    if (!Number.isSafeInteger(quotaBytes) || quotaBytes < 0) {
      throw new PkError('PK_ERR_INVALID_SIZE', `invalid quota ${quotaBytes}`);
    }
    await this.updateOne(input, { quota_bytes: quotaBytes });
  }

  async setAdmin(input: string, admin: boolean): Promise<void> {
    await this.updateOne(input, { admin: admin ? 1 : 0 });
  }

  async setDisabled(input: string, disabled: boolean): Promise<void> {
    await this.updateOne(input, { disabled: disabled ? 1 : 0 });
  }

  async remove(input: string): Promise<void> {
    const { address } = parseAddress(input);
    await this.ctx.writes.run(async (tx) => {
      const acc = await tx.db
        .selectFrom('accounts')
        .select('id')
        .where('address', '=', address)
        .executeTakeFirst();
      if (!acc) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `no such user: ${address}`);
      const hashes = await tx.db
        .selectFrom('messages')
        .select('blob_hash')
        .where('account_id', '=', acc.id)
        .execute();
      await tx.db.deleteFrom('messages').where('account_id', '=', acc.id).execute();
      await releaseBlobRefs(this.ctx, tx, countHashes(hashes.map((h) => h.blob_hash)));
      await tx.db.deleteFrom('mailboxes').where('account_id', '=', acc.id).execute();
      await tx.db.deleteFrom('subscriptions').where('account_id', '=', acc.id).execute();
      await tx.db.deleteFrom('settings').where('account_id', '=', acc.id).execute();
      await tx.db.deleteFrom('change_log').where('account_id', '=', acc.id).execute();
      await tx.db.deleteFrom('pop_downloads').where('account_id', '=', acc.id).execute();
      await tx.db.deleteFrom('submitted_copies').where('account_id', '=', acc.id).execute();
      await tx.db.deleteFrom('accounts').where('id', '=', acc.id).execute();
    });
  }

  private async updateOne(
    input: string,
    values: { password_hash?: string; quota_bytes?: number; admin?: number; disabled?: number },
  ): Promise<void> {
    const { address } = parseAddress(input);
    const res = await this.ctx.writes.run((tx) =>
      tx.db.updateTable('accounts').set(values).where('address', '=', address).executeTakeFirst(),
    );
    if (Number(res.numUpdatedRows) === 0) {
      throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `no such user: ${address}`);
    }
  }
}
