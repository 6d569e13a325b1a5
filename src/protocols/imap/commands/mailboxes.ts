// RFC 9051 §6.3.4 CREATE (RFC 6154 §5.3 CREATE-SPECIAL-USE), §6.3.5 DELETE, §6.3.6 RENAME,
// §6.3.7 SUBSCRIBE, §6.3.8 UNSUBSCRIBE. Names arrive decoded (modified UTF-7 or UTF-8); the
// store's name rules refuse what could confuse a path ("..", wildcards, control characters).
import { isPkError } from '../../../core/errors.ts';
import type { MailboxRole } from '../../../store/types.ts';
import { no } from '../protocol-error.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

const USE_ROLES: Record<string, MailboxRole> = {
  '\\archive': 'archive',
  '\\drafts': 'drafts',
  '\\junk': 'junk',
  '\\sent': 'sent',
  '\\trash': 'trash',
};

/** RFC 9051 §6.3.4: a trailing delimiter only says children are intended; create the name. */
function withoutTrailingDelimiter(name: string): string {
  return name.length > 1 && name.endsWith('/') ? name.slice(0, -1) : name;
}

export const create: CommandSpec<'CREATE'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    const name = withoutTrailingDelimiter(cmd.mailbox);
    let role: MailboxRole | undefined;
    for (const use of cmd.specialUse ?? []) {
      const r = USE_ROLES[use.toLowerCase()];
      if (!r || role) throw no(`Cannot create a mailbox with the use ${use}`, 'USEATTR');
      role = r;
    }
    if (role && (await session.ctx.store.mailboxes.byRole(account.id, role))) {
      throw no(`A mailbox with the use \\${role[0]!.toUpperCase()}${role.slice(1)} exists already`, 'USEATTR');
    }
    const created = await session.ctx.store.mailboxes.create(account.id, name, role ? { role } : {});
    // RFC 8474 §4.1: the new mailbox's id in the tagged OK.
    return { code: `MAILBOXID (F${created.id})`, text: 'CREATE completed' };
  },
};

export const del: CommandSpec<'DELETE'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    const store = session.ctx.store;
    const mailbox = await store.mailboxes.get(account.id, cmd.mailbox);
    if (!mailbox) throw no('Mailbox does not exist', 'NONEXISTENT');
    if (mailbox.name === 'INBOX') throw no('INBOX cannot be deleted', 'CANNOT');
    // Deleting the selected mailbox leaves the selected state first (RFC 9051 §6.3.5 allows it).
    if (session.view?.mailboxId === mailbox.id) {
      session.unselect();
      if (session.rev2) session.writeLine('* OK [CLOSED] Mailbox closed');
    }
    await store.mailboxes.delete(account.id, mailbox.name);
    return { text: 'DELETE completed' };
  },
};

export const rename: CommandSpec<'RENAME'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    const store = session.ctx.store;
    if (!(await store.mailboxes.get(account.id, cmd.from))) throw no('Mailbox does not exist', 'NONEXISTENT');
    try {
      await store.mailboxes.rename(account.id, cmd.from, withoutTrailingDelimiter(cmd.to));
    } catch (err) {
      if (isPkError(err, 'Invalid') && err.code === 'PK_ERR_MAILBOX_NAME') throw no(err.message, 'CANNOT');
      throw err;
    }
    return { text: 'RENAME completed' };
  },
};

export const subscribe: CommandSpec<'SUBSCRIBE'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    // RFC 9051 §6.3.7 lets a server refuse names that do not exist; clients rely on it working
    // for existing ones only, and a dangling subscription only confuses LSUB.
    if (!(await session.ctx.store.mailboxes.get(account.id, cmd.mailbox))) {
      throw no('Mailbox does not exist', 'NONEXISTENT');
    }
    await session.ctx.store.mailboxes.setSubscribed(account.id, cmd.mailbox, true);
    return { text: 'SUBSCRIBE completed' };
  },
};

export const unsubscribe: CommandSpec<'UNSUBSCRIBE'> = {
  states: AUTHED,
  async handle(session, cmd) {
    await session.ctx.store.mailboxes.setSubscribed(session.account!.id, cmd.mailbox, false);
    return { text: 'UNSUBSCRIBE completed' };
  },
};
