import { normalizeDomain } from '../../core/address.ts';
import { PkError } from '../../core/errors.ts';
import type { DomainStore } from '../ports.ts';
import type { Domain } from '../types.ts';
import { isUniqueViolation, type SqlContext } from './context.ts';

export class SqlDomains implements DomainStore {
  constructor(private readonly ctx: SqlContext) {}

  async add(input: string): Promise<Domain> {
    const name = normalizeDomain(input);
    const createdAt = this.ctx.clock.now();
    try {
      await this.ctx.writes.run((tx) =>
        tx.db.insertInto('domains').values({ name, created_at: createdAt }).execute(),
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new PkError('PK_ERR_DOMAIN_EXISTS', `domain ${name} already exists`);
      }
      throw err;
    }
    return { name, createdAt };
  }

  async list(): Promise<Domain[]> {
    const rows = await this.ctx.db.selectFrom('domains').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at }));
  }

  async exists(input: string): Promise<boolean> {
    const name = normalizeDomain(input);
    const direct = this.ctx.directReads?.();
    if (direct) return direct.get('SELECT name FROM domains WHERE name = ?', name) !== undefined;
    const row = await this.ctx.db
      .selectFrom('domains')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    return row !== undefined;
  }

  async remove(input: string): Promise<void> {
    const name = normalizeDomain(input);
    await this.ctx.writes.run(async (tx) => {
      const users = await tx.db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('domain', '=', name)
        .executeTakeFirstOrThrow();
      if (Number(users.n) > 0) {
        throw new PkError(
          'PK_ERR_DOMAIN_NOT_EMPTY',
          `domain ${name} still has ${users.n} user(s); remove them first`,
        );
      }
      // The domain's aliases and catch-all go with it.
      await tx.db
        .deleteFrom('aliases')
        .where((eb) => eb.or([eb('source', '=', `@${name}`), eb('source', 'like', `%@${name}`)]))
        .execute();
      const res = await tx.db.deleteFrom('domains').where('name', '=', name).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) {
        throw new PkError('PK_ERR_DOMAIN_NOT_FOUND', `no such domain: ${name}`);
      }
    });
  }
}
