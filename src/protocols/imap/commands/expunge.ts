// RFC 9051 §6.4.3 EXPUNGE; RFC 4315 §2.1 UID EXPUNGE.
import { no } from '../protocol-error.ts';
import { resolveSet } from '../sequence.ts';
import type { ImapSession } from '../session.ts';
import type { CommandSpec } from '../session-types.ts';
import { SELECTED } from '../session-types.ts';
import { expungeDeleted } from './expunge-helpers.ts';

async function run(session: ImapSession, only: number[] | null): Promise<void> {
  if (session.view!.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
  session.reportRemoved(await expungeDeleted(session, only));
}

export const expunge: CommandSpec<'EXPUNGE'> = {
  states: SELECTED,
  async handle(session) {
    await run(session, null);
    return { text: 'EXPUNGE completed' };
  },
};

export const uidExpunge: CommandSpec<'UID EXPUNGE'> = {
  states: SELECTED,
  async handle(session, cmd) {
    const view = session.view!;
    const uids = resolveSet(view, cmd.set, true, session.savedSearch).map((s) => view.uids[s - 1]!);
    await run(session, uids);
    return { text: 'UID EXPUNGE completed' };
  },
};
