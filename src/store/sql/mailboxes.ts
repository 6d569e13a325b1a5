import { PkError } from '../../core/errors.ts';
import { isInside, normalizeMailboxName, parentNames } from '../mailbox-names.ts';
import type { MailboxStore } from '../ports.ts';
import type { Mailbox, MailboxRole, MessageFlagsRow } from '../types.ts';
import { countHashes, releaseBlobRefs } from './blob-refs.ts';
import { recordChange } from './change-log.ts';
import type { SqlContext } from './context.ts';
import { insertMailbox } from './mailbox-rows.ts';
import { moveAllMessages } from './message-moves.ts';
import { chargeAccount } from './message-rows.ts';
import { listFlagRows, toMailbox } from './rows.ts';
import type { MailboxesTable } from './tables.ts';
import type { Selectable } from 'kysely';
import type { WriteTx } from './write-queue.ts';

export class SqlMailboxes implements MailboxStore {
  constructor(private readonly ctx: SqlContext) {}

  async list(accountId: number): Promise<Mailbox[]> {
    const [rows, subs] = await Promise.all([
      this.ctx.db.selectFrom('mailboxes').selectAll().where('account_id', '=', accountId).execute(),
      this.listSubscriptions(accountId),
    ]);
    const subscribed = new Set(subs);
    return rows
      .map((r) => toMailbox(r, subscribed.has(r.name)))
      .sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async get(accountId: number, name: string): Promise<Mailbox | null> {
    let key: string;
    try {
      key = normalizeMailboxName(name);
    } catch {
      return null;
    }
    return this.findBy(accountId, 'name', key);
  }

  getById(accountId: number, id: number): Promise<Mailbox | null> {
    return this.findBy(accountId, 'id', id);
  }

  byRole(accountId: number, role: MailboxRole): Promise<Mailbox | null> {
    return this.findBy(accountId, 'role', role);
  }

  async create(accountId: number, input: string, opts: { role?: MailboxRole } = {}): Promise<Mailbox> {
    const name = normalizeMailboxName(input);
    const now = this.ctx.clock.now();
    const id = await this.ctx.writes.run(async (tx) => {
      if (await this.findId(tx, accountId, name)) {
        throw new PkError('PK_ERR_MAILBOX_EXISTS', `mailbox ${name} already exists`);
      }
      if (opts.role && (await tx.db.selectFrom('mailboxes').select('id').where('account_id', '=', accountId).where('role', '=', opts.role).executeTakeFirst())) {
        throw new PkError('PK_ERR_MAILBOX_EXISTS', `a mailbox with the role ${opts.role} already exists`);
      }
      // RFC 3501 §6.3.3: create the superior hierarchical names too.
      for (const parent of parentNames(name)) {
        if (!(await this.findId(tx, accountId, parent))) await insertMailbox(tx, accountId, parent, null, now);
      }
      return (await insertMailbox(tx, accountId, name, opts.role ?? null, now)).id;
    });
    return (await this.getById(accountId, id)) as Mailbox;
  }

  async rename(accountId: number, fromInput: string, toInput: string): Promise<Mailbox> {
    const from = normalizeMailboxName(fromInput);
    const to = normalizeMailboxName(toInput);
    const now = this.ctx.clock.now();
    const id = await this.ctx.writes.run(async (tx) => {
      const src = await this.findId(tx, accountId, from);
      if (!src) throw new PkError('PK_ERR_MAILBOX_NOT_FOUND', `no such mailbox: ${from}`);
      if (from === to) throw new PkError('PK_ERR_MAILBOX_EXISTS', `mailbox ${to} already exists`);
      if (await this.findId(tx, accountId, to)) {
        throw new PkError('PK_ERR_MAILBOX_EXISTS', `mailbox ${to} already exists`);
      }
      if (isInside(to, from)) {
        throw new PkError('PK_ERR_MAILBOX_NAME', `cannot move ${from} inside itself`);
      }
      for (const parent of parentNames(to)) {
        if (!(await this.findId(tx, accountId, parent))) await insertMailbox(tx, accountId, parent, null, now);
      }
      if (from === 'INBOX') {
        // RFC 3501 §6.3.5: renaming INBOX moves its messages to a new mailbox; INBOX stays,
        // and its children are not renamed.
        const created = await insertMailbox(tx, accountId, to, null, now);
        await moveAllMessages(this.ctx, tx, accountId, src, created.id);
        return created.id;
      }
      const family = await tx.db
        .selectFrom('mailboxes')
        .select(['id', 'name', 'highest_modseq'])
        .where('account_id', '=', accountId)
        .execute();
      for (const mb of family.filter((m) => m.name === from || isInside(m.name, from))) {
        const newName = to + mb.name.slice(from.length);
        await tx.db.updateTable('mailboxes').set({ name: newName }).where('id', '=', mb.id).execute();
        // A subscription to the new name may survive from a deleted mailbox (subscriptions are
        // kept by name): the renamed mailbox's own subscription state wins.
        await tx.db.deleteFrom('subscriptions').where('account_id', '=', accountId).where('name', '=', newName).execute();
        await tx.db
          .updateTable('subscriptions')
          .set({ name: newName })
          .where('account_id', '=', accountId)
          .where('name', '=', mb.name)
          .execute();
        await recordChange(
          tx,
          accountId,
          { kind: 'mailbox-renamed', mailboxId: mb.id, modseq: Number(mb.highest_modseq), oldName: mb.name, name: newName },
          now,
        );
      }
      return src;
    });
    return (await this.getById(accountId, id)) as Mailbox;
  }

  async delete(accountId: number, input: string): Promise<void> {
    const name = normalizeMailboxName(input);
    if (name === 'INBOX') throw new PkError('PK_ERR_MAILBOX_PROTECTED', 'INBOX cannot be deleted');
    const now = this.ctx.clock.now();
    await this.ctx.writes.run(async (tx) => {
      const mb = await tx.db
        .selectFrom('mailboxes')
        .select(['id', 'highest_modseq', 'messages', 'size'])
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (!mb) throw new PkError('PK_ERR_MAILBOX_NOT_FOUND', `no such mailbox: ${name}`);
      const names = await tx.db.selectFrom('mailboxes').select('name').where('account_id', '=', accountId).execute();
      if (names.some((m) => isInside(m.name, name))) {
        throw new PkError('PK_ERR_MAILBOX_HAS_CHILDREN', `mailbox ${name} has children; delete them first`);
      }
      const hashes = await tx.db.selectFrom('messages').select('blob_hash').where('mailbox_id', '=', mb.id).execute();
      await tx.db.deleteFrom('messages').where('mailbox_id', '=', mb.id).execute();
      await releaseBlobRefs(this.ctx, tx, countHashes(hashes.map((h) => h.blob_hash)));
      const seq = await chargeAccount(tx, accountId, -Number(mb.size), -Number(mb.messages));
      await tx.db.deleteFrom('mailboxes').where('id', '=', mb.id).execute();
      await recordChange(tx, accountId, { kind: 'mailbox-deleted', mailboxId: mb.id, modseq: Number(mb.highest_modseq), name }, now, seq);
    });
  }

  async setSubscribed(accountId: number, input: string, subscribed: boolean): Promise<void> {
    const name = normalizeMailboxName(input);
    await this.ctx.writes.run(async (tx) => {
      if (subscribed) {
        await tx.db
          .insertInto('subscriptions')
          .values({ account_id: accountId, name })
          .onConflict((oc) => oc.doNothing())
          .execute();
      } else {
        await tx.db.deleteFrom('subscriptions').where('account_id', '=', accountId).where('name', '=', name).execute();
      }
    });
  }

  async listSubscriptions(accountId: number): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('subscriptions')
      .select('name')
      .where('account_id', '=', accountId)
      .orderBy('name')
      .execute();
    return rows.map((r) => r.name);
  }

  async snapshot(accountId: number, mailboxId: number): Promise<{ mailbox: Mailbox; messages: MessageFlagsRow[] } | null> {
    // One read transaction: the counters and the rows agree (no commit lands in between).
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('mailboxes')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('id', '=', mailboxId)
        .executeTakeFirst();
      if (!row) return null;
      const sub = await trx
        .selectFrom('subscriptions')
        .select('name')
        .where('account_id', '=', accountId)
        .where('name', '=', row.name)
        .executeTakeFirst();
      const messages = await listFlagRows(trx, mailboxId);
      return { mailbox: toMailbox(row, sub !== undefined), messages };
    });
  }

  async expungedSince(accountId: number, mailboxId: number, modseq: number): Promise<number[]> {
    const rows = await this.ctx.db
      .selectFrom('change_log')
      .select('data')
      .where('account_id', '=', accountId)
      .where('mailbox_id', '=', mailboxId)
      .where('kind', '=', 'expunge')
      .where('modseq', '>', modseq)
      .execute();
    const uids = new Set<number>();
    for (const r of rows) for (const uid of (JSON.parse(r.data) as { uids: number[] }).uids) uids.add(uid);
    return [...uids].sort((a, b) => a - b);
  }

  async claimRecent(accountId: number, mailboxId: number): Promise<{ previous: number; uidNext: number }> {
    return this.ctx.writes.run(async (tx) => {
      const row = await tx.db
        .selectFrom('mailboxes')
        .select(['recent_uid', 'uid_next'])
        .where('account_id', '=', accountId)
        .where('id', '=', mailboxId)
        .executeTakeFirst();
      if (!row) throw new PkError('PK_ERR_MAILBOX_NOT_FOUND', `no mailbox with id ${mailboxId}`);
      const uidNext = Number(row.uid_next);
      if (Number(row.recent_uid) < uidNext - 1) {
        await tx.db.updateTable('mailboxes').set({ recent_uid: uidNext - 1 }).where('id', '=', mailboxId).execute();
      }
      return { previous: Number(row.recent_uid), uidNext };
    });
  }

  /** One mailbox of the account by a unique column (the oldest, should a role repeat). */
  private async findBy(accountId: number, column: 'name' | 'id' | 'role', value: string | number): Promise<Mailbox | null> {
    const direct = this.ctx.directReads?.();
    if (direct) {
      const row = direct.get<Selectable<MailboxesTable>>(`SELECT * FROM mailboxes WHERE account_id = ? AND ${column} = ? ORDER BY id`, accountId, value);
      if (!row) return null;
      const subscribed = direct.get('SELECT name FROM subscriptions WHERE account_id = ? AND name = ?', accountId, row.name) !== undefined;
      return toMailbox(row, subscribed);
    }
    const row = await this.ctx.db
      .selectFrom('mailboxes')
      .selectAll()
      .where('account_id', '=', accountId)
      .where(column, '=', value)
      .orderBy('id')
      .executeTakeFirst();
    return row ? toMailbox(row, await this.isSubscribed(accountId, row.name)) : null;
  }

  private async isSubscribed(accountId: number, name: string): Promise<boolean> {
    const row = await this.ctx.db
      .selectFrom('subscriptions')
      .select('name')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row !== undefined;
  }

  private async findId(tx: WriteTx, accountId: number, name: string): Promise<number | null> {
    const row = await tx.db
      .selectFrom('mailboxes')
      .select('id')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.id ?? null;
  }
}
