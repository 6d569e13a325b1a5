// RFC 9051 §6.3.12 APPEND, RFC 3502 MULTIAPPEND (all or none, one transaction), RFC 4315
// APPENDUID (a UID set for several), RFC 7889 APPENDLIMIT. A missing mailbox answers
// [TRYCREATE]; a message over the quota [OVERQUOTA]; over the size limit [TOOBIG]. Clients reuse
// or omit Message-IDs: an APPEND is never refused for one (client-quirks.md). An APPEND to Sent
// of a message the server filed there at submission minutes ago (same Message-ID, Date and
// sender) stores nothing new: APPENDUID names the copy already there.
import { LIMITS } from '../../../core/limits.ts';
import { no, storeErrorToImap } from '../protocol-error.ts';
import { compressSet } from '../sequence.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

export const append: CommandSpec<'APPEND'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const account = session.account!;
    const store = session.ctx.store;
    const mailbox = await store.mailboxes.get(account.id, cmd.mailbox);
    if (!mailbox) throw no('Mailbox does not exist', 'TRYCREATE');
    if (cmd.messages.some((m) => m.data.length === 0)) throw no('Empty message', 'CANNOT');
    try {
      const stored = await store.messages.appendMany(
        account.id,
        mailbox.id,
        cmd.messages.map((m) => ({
          raw: m.data,
          flags: m.flags,
          ...(m.date !== undefined ? { internalDate: m.date } : {}),
          ...(mailbox.role === 'sent' ? { matchSubmitted: { withinMs: LIMITS.sentCopyMatchMs } } : {}),
        })),
      );
      const uids = compressSet(stored.map((r) => r.uid));
      return { code: `APPENDUID ${stored[0]!.uidValidity} ${uids}`, text: 'APPEND completed' };
    } catch (err) {
      throw storeErrorToImap(err, { target: true }) ?? err;
    }
  },
};
