/** Aliases and catch-alls: where mail for an address that is not an account goes. */
import { normalizeDomain, parseAddress } from '../../core/address.ts';
import { PkError } from '../../core/errors.ts';
import type { Alias, AliasStore, Recipients } from '../ports.ts';
import type { Account } from '../types.ts';
import type { SqlContext } from './context.ts';
import { toAccount } from './rows.ts';
import type { AccountsTable } from './tables.ts';
import type { Selectable } from 'kysely';

/** How many alias hops delivery follows before it gives up on a chain. */
const MAX_DEPTH = 10;

/** `@domain` (catch-all) or a full address, in canonical form. */
function normalizeSource(input: string): { source: string; domain: string } {
  const text = input.trim();
  if (text.startsWith('@')) {
    const domain = normalizeDomain(text.slice(1));
    return { source: `@${domain}`, domain };
  }
  const { address, domain } = parseAddress(text);
  return { source: address, domain };
}

export class SqlAliases implements AliasStore {
  constructor(private readonly ctx: SqlContext) {}

  async add(sourceInput: string, targetInput: string): Promise<Alias> {
    const { source, domain } = normalizeSource(sourceInput);
    const target = parseAddress(targetInput).address;
    const createdAt = this.ctx.clock.now();
    await this.ctx.writes.run(async (tx) => {
      const local = await tx.db.selectFrom('domains').select('name').where('name', '=', domain).executeTakeFirst();
      if (!local) throw new PkError('PK_ERR_DOMAIN_NOT_FOUND', `domain ${domain} is not a local domain (postkontor domain add ${domain})`);
      const account = await tx.db.selectFrom('accounts').select('id').where('address', '=', source).executeTakeFirst();
      if (account) {
        throw new PkError('PK_ERR_ALIAS_CONFLICT', `${source} is an account; forward its mail with the forward.to setting instead`);
      }
      if (source === target) throw new PkError('PK_ERR_ALIAS_CONFLICT', `an alias cannot point to itself (${source})`);
      const known = await tx.db
        .selectFrom('aliases')
        .select('source')
        .where('source', '=', source)
        .where('target', '=', target)
        .executeTakeFirst();
      if (known) throw new PkError('PK_ERR_ALIAS_EXISTS', `alias ${source} -> ${target} already exists`);
      await tx.db.insertInto('aliases').values({ source, target, created_at: createdAt }).execute();
    });
    return { source, target, createdAt };
  }

  async remove(sourceInput: string, targetInput?: string): Promise<void> {
    const { source } = normalizeSource(sourceInput);
    const target = targetInput === undefined ? undefined : parseAddress(targetInput).address;
    await this.ctx.writes.run(async (tx) => {
      let q = tx.db.deleteFrom('aliases').where('source', '=', source);
      if (target !== undefined) q = q.where('target', '=', target);
      const res = await q.executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) {
        throw new PkError('PK_ERR_ALIAS_NOT_FOUND', `no alias ${source}${target ? ` -> ${target}` : ''}`);
      }
    });
  }

  async list(domainInput?: string): Promise<Alias[]> {
    let q = this.ctx.db.selectFrom('aliases').selectAll();
    if (domainInput !== undefined) {
      const domain = normalizeDomain(domainInput);
      q = q.where((eb) => eb.or([eb('source', '=', `@${domain}`), eb('source', 'like', `%@${domain}`)]));
    }
    const rows = await q.orderBy('source').orderBy('target').execute();
    return rows.map((r) => ({ source: r.source, target: r.target, createdAt: Number(r.created_at) }));
  }

  async resolve(input: string): Promise<Recipients> {
    const accounts = new Map<string, Account>();
    const external = new Set<string>();
    const visited = new Set<string>();
    let catchAll = false;
    const visit = async (address: string, depth: number): Promise<void> => {
      if (visited.has(address) || depth > MAX_DEPTH) return;
      visited.add(address);
      const direct = this.ctx.directReads?.();
      const account = direct
        ? direct.get<Selectable<AccountsTable>>('SELECT * FROM accounts WHERE address = ?', address)
        : await this.ctx.db.selectFrom('accounts').selectAll().where('address', '=', address).executeTakeFirst();
      if (account) {
        accounts.set(address, toAccount(account));
        return;
      }
      const domain = address.slice(address.lastIndexOf('@') + 1);
      let targets = await this.targets(address);
      if (targets.length === 0 && depth === 0) {
        targets = await this.targets(`@${domain}`);
        catchAll = targets.length > 0;
      }
      if (targets.length === 0) {
        if (depth > 0 && !(await this.isLocal(domain))) external.add(address);
        return;
      }
      // A catch-all's targets are taken as they are: a catch-all pointing into its own domain
      // must not loop back into itself.
      for (const t of targets) await visit(t, depth + 1);
    };
    await visit(parseAddress(input).address, 0);
    return { accounts: [...accounts.values()], external: [...external], catchAll };
  }

  private async targets(source: string): Promise<string[]> {
    const rows = await this.ctx.db.selectFrom('aliases').select('target').where('source', '=', source).orderBy('target').execute();
    return rows.map((r) => r.target);
  }

  private async isLocal(domain: string): Promise<boolean> {
    return (await this.ctx.db.selectFrom('domains').select('name').where('name', '=', domain).executeTakeFirst()) !== undefined;
  }
}
