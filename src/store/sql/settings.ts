import { PkError } from '../../core/errors.ts';
import {
  assertSettingKey,
  defaultSettings,
  formatSettingValue,
  isSettingKey,
  parseSettingValue,
  type AccountSettings,
  type SettingKey,
} from '../../core/settings-schema.ts';
import type { SettingsStore } from '../ports.ts';
import type { SettingRecord } from '../types.ts';
import type { SqlContext } from './context.ts';

export class SqlSettings implements SettingsStore {
  constructor(private readonly ctx: SqlContext) {}

  async get(accountId: number): Promise<{
    values: AccountSettings;
    updatedAt: Partial<Record<SettingKey, number>>;
  }> {
    const direct = this.ctx.directReads?.();
    const rows = direct
      ? direct.all<{ key: string; value: string; updated_at: number }>('SELECT key, value, updated_at FROM settings WHERE account_id = ?', accountId)
      : await this.ctx.db.selectFrom('settings').select(['key', 'value', 'updated_at']).where('account_id', '=', accountId).execute();
    const values = defaultSettings() as Record<SettingKey, unknown>;
    const updatedAt: Partial<Record<SettingKey, number>> = {};
    for (const r of rows) {
      // A key dropped from the schema, or a value a newer version wrote, falls back to the default.
      if (!isSettingKey(r.key)) continue;
      try {
        values[r.key] = parseSettingValue(r.key, r.value);
        updatedAt[r.key] = Number(r.updated_at);
      } catch {
        continue;
      }
    }
    return { values: values as AccountSettings, updatedAt };
  }

  async set(accountId: number, keyText: string, valueText: string): Promise<SettingRecord> {
    const key = assertSettingKey(keyText);
    const value = formatSettingValue(parseSettingValue(key, valueText));
    const now = this.ctx.clock.now();
    // Setting a key to the value it already has keeps its time: `pop.enabled=from-now-on` set
    // twice must not move the point from which POP sees mail.
    return this.ctx.writes.run(async (tx) => {
      const acc = await tx.db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
      if (!acc) throw new PkError('PK_ERR_ACCOUNT_NOT_FOUND', `no account with id ${accountId}`);
      const old = await tx.db
        .selectFrom('settings')
        .select(['value', 'updated_at'])
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (old?.value === value) return { key, value, updatedAt: Number(old.updated_at) };
      await tx.db
        .insertInto('settings')
        .values({ account_id: accountId, key, value, updated_at: now })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doUpdateSet({ value, updated_at: now }))
        .execute();
      return { key, value, updatedAt: now };
    });
  }

  async reset(accountId: number, keyText: string): Promise<void> {
    const key = assertSettingKey(keyText);
    await this.ctx.writes.run((tx) =>
      tx.db.deleteFrom('settings').where('account_id', '=', accountId).where('key', '=', key).execute(),
    );
  }
}
