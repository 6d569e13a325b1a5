// RFC 9051 §6.3.11 STATUS; RFC 8438 STATUS=SIZE; RFC 7162 §3.1.8 (HIGHESTMODSEQ); RFC 7889
// (APPENDLIMIT); RFC 3501 §6.3.10 (RECENT, rev1 only).
import { LIMITS } from '../../../core/limits.ts';
import type { Mailbox } from '../../../store/types.ts';
import { no } from '../protocol-error.ts';
import type { ImapSession } from '../session.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';
import { encodeMailbox } from '../wire/encode.ts';
import type { StatusItem } from '../wire/types.ts';

/** The `* STATUS name (...)` line for a mailbox. */
export async function statusLine(session: ImapSession, mb: Mailbox, items: readonly StatusItem[]): Promise<string> {
  const parts: string[] = [];
  for (const item of items) {
    switch (item) {
      case 'MESSAGES':
        parts.push(`MESSAGES ${mb.messages}`);
        break;
      case 'UIDNEXT':
        parts.push(`UIDNEXT ${mb.uidNext}`);
        break;
      case 'UIDVALIDITY':
        parts.push(`UIDVALIDITY ${mb.uidValidity}`);
        break;
      case 'UNSEEN':
        parts.push(`UNSEEN ${mb.unseen}`);
        break;
      case 'DELETED':
        parts.push(`DELETED ${mb.deleted}`);
        break;
      case 'SIZE':
        parts.push(`SIZE ${mb.size}`);
        break;
      case 'HIGHESTMODSEQ':
        session.condstore = true;
        parts.push(`HIGHESTMODSEQ ${mb.highestModseq}`);
        break;
      case 'APPENDLIMIT':
        parts.push(`APPENDLIMIT ${LIMITS.messageBytes}`);
        break;
      case 'RECENT': {
        const rows = mb.recentUid + 1 < mb.uidNext ? await session.ctx.store.messages.listFlags(mb.id) : [];
        parts.push(`RECENT ${rows.filter((r) => r.uid > mb.recentUid).length}`);
        break;
      }
      case 'MAILBOXID':
        parts.push(`MAILBOXID (F${mb.id})`);
        break;
    }
  }
  return `* STATUS ${encodeMailbox(mb.name, session.utf8)} (${parts.join(' ')})`;
}

export const status: CommandSpec<'STATUS'> = {
  states: AUTHED,
  async handle(session, cmd) {
    const mb = await session.ctx.store.mailboxes.get(session.account!.id, cmd.mailbox);
    if (!mb) throw no('Mailbox does not exist', 'NONEXISTENT');
    session.writeLine(await statusLine(session, mb, cmd.items));
    return { text: 'STATUS completed' };
  },
};
