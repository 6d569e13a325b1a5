/** DKIM signing keys per domain; the newest key of a domain is the one that signs. */
import { normalizeDomain } from '../../core/address.ts';
import { PkError } from '../../core/errors.ts';
import type { DkimKey, DkimKeyStore } from '../ports.ts';
import { isUniqueViolation, type SqlContext } from './context.ts';
import type { DkimKeysTable } from './tables.ts';

function toKey(r: DkimKeysTable): DkimKey {
  return {
    domain: r.domain,
    selector: r.selector,
    algorithm: r.algorithm === 'ed25519-sha256' ? 'ed25519-sha256' : 'rsa-sha256',
    privateKeyPem: r.private_key,
    publicKey: r.public_key,
    createdAt: Number(r.created_at),
  };
}

export class SqlDkimKeys implements DkimKeyStore {
  constructor(private readonly ctx: SqlContext) {}

  async active(domain: string): Promise<DkimKey | null> {
    return (await this.list(domain))[0] ?? null;
  }

  async list(domainInput: string): Promise<DkimKey[]> {
    const domain = normalizeDomain(domainInput);
    const rows = await this.ctx.db
      .selectFrom('dkim_keys')
      .selectAll()
      .where('domain', '=', domain)
      .orderBy('created_at', 'desc')
      .orderBy('selector', 'desc')
      .execute();
    return rows.map(toKey);
  }

  async add(key: DkimKey): Promise<void> {
    const domain = normalizeDomain(key.domain);
    try {
      await this.ctx.writes.run((tx) =>
        tx.db
          .insertInto('dkim_keys')
          .values({
            domain,
            selector: key.selector,
            algorithm: key.algorithm,
            private_key: key.privateKeyPem,
            public_key: key.publicKey,
            created_at: key.createdAt,
          })
          .execute(),
      );
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new PkError('PK_ERR_STORE_CONFLICT', `domain ${domain} already has a DKIM key with selector ${key.selector}`);
      }
      throw err;
    }
  }
}
