// RFC 9051 §6.3.12 APPEND, RFC 4315 APPENDUID, RFC 7889 APPENDLIMIT. A missing mailbox answers
// [TRYCREATE]; a message over the quota [OVERQUOTA]; over the size limit [TOOBIG]. Clients reuse
// or omit Message-IDs: an APPEND is never refused for one (client-quirks.md).
import { no, storeErrorToImap } from '../protocol-error.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

export const append: CommandSpec<'APPEND'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    const store = session.ctx.store;
    const mailbox = await store.mailboxes.get(account.id, cmd.mailbox);
    if (!mailbox) throw no('Mailbox does not exist', 'TRYCREATE');
    if (cmd.messages.length !== 1) throw no('Only one message per APPEND', 'CANNOT');
    const msg = cmd.messages[0]!;
    if (msg.data.length === 0) throw no('Empty message', 'CANNOT');
    try {
      const r = await store.messages.append(account.id, mailbox.id, {
        raw: msg.data,
        flags: msg.flags,
        ...(msg.date !== undefined ? { internalDate: msg.date } : {}),
      });
      return { code: `APPENDUID ${r.uidValidity} ${r.uid}`, text: 'APPEND completed' };
    } catch (err) {
      throw storeErrorToImap(err, { target: true }) ?? err;
    }
  },
};
