// RFC 9208 QUOTA: one quota root, "", covering every mailbox of the account; STORAGE counts
// 1024-octet units (§5.1), each copy of a message counting in full. An account without a quota
// has no quota root. Users cannot change their own quota (SETQUOTA is for administrators, who use
// `postkontor user quota`).
import { no } from '../protocol-error.ts';
import type { ImapSession } from '../session.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';
import { encodeMailbox } from '../wire/encode.ts';

async function quotaLine(session: ImapSession): Promise<string | null> {
  const account = await session.ctx.store.accounts.getById(session.account!.id);
  if (!account || account.quotaBytes === 0) return null;
  const used = Math.ceil(account.usedBytes / 1024);
  const limit = Math.floor(account.quotaBytes / 1024);
  return `* QUOTA "" (STORAGE ${used} ${limit})`;
}

export const getquotaroot: CommandSpec<'GETQUOTAROOT'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const mb = await session.ctx.store.mailboxes.get(session.account!.id, cmd.mailbox);
    if (!mb) throw no('Mailbox does not exist', 'NONEXISTENT');
    const line = await quotaLine(session);
    const name = encodeMailbox(mb.name, session.utf8);
    session.writeLine(line ? `* QUOTAROOT ${name} ""` : `* QUOTAROOT ${name}`);
    if (line) session.writeLine(line);
    return { text: 'GETQUOTAROOT completed' };
  },
};

export const getquota: CommandSpec<'GETQUOTA'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const line = cmd.root === '' ? await quotaLine(session) : null;
    if (!line) throw no('No such quota root', 'NONEXISTENT');
    session.writeLine(line);
    return { text: 'GETQUOTA completed' };
  },
};

export const setquota: CommandSpec<'SETQUOTA'> = {
  states: AUTHED,
  handle: () => Promise.reject(no('Quotas are set by the administrator', 'NOPERM')),
};
