// RFC 9051 §6.4.7 COPY, RFC 6851 MOVE, RFC 4315 COPYUID. A missing target answers [TRYCREATE].
// MOVE reports COPYUID untagged first, then the EXPUNGEs, and never EXISTS in between
// (Apple Mail loops on that: client-quirks.md).
import { no, storeErrorToImap } from '../protocol-error.ts';
import { compressSet, resolveSet } from '../sequence.ts';
import type { ImapSession } from '../session.ts';
import type { CommandSpec, Completion } from '../session-types.ts';
import { SELECTED } from '../session-types.ts';
import type { SequenceSet } from '../wire/types.ts';

async function transfer(session: ImapSession, move: boolean, uidMode: boolean, set: SequenceSet, target: string): Promise<Completion> {
  const view = session.view!;
  const account = session.account!;
  const store = session.ctx.store;
  if (move && view.readOnly) throw no('Mailbox is read-only', 'READ-ONLY');
  const dest = await store.mailboxes.get(account.id, target);
  if (!dest) throw no('Mailbox does not exist', 'TRYCREATE');
  const uids = resolveSet(view, set, uidMode, session.savedSearch)
    .map((s) => view.uids[s - 1]!)
    .filter((u) => !view.gone.has(u));
  const verb = move ? 'MOVE' : 'COPY';
  if (uids.length === 0) return { text: `${verb} completed (nothing to ${verb.toLowerCase()})` };
  let result;
  try {
    result = move
      ? await store.messages.move(account.id, view.mailboxId, uids, dest.id)
      : await store.messages.copy(account.id, view.mailboxId, uids, dest.id);
  } catch (err) {
    throw storeErrorToImap(err, { target: true }) ?? err;
  }
  if (result.mapping.length === 0) return { text: `${verb} completed` };
  const code = `COPYUID ${result.uidValidity} ${compressSet(result.mapping.map(([s]) => s))} ${compressSet(result.mapping.map(([, d]) => d))}`;
  if (!move) return { code, text: 'COPY completed' };
  session.writeLine(`* OK [${code}] Moved`);
  session.reportRemoved(view.removeOwn(result.mapping.map(([s]) => s)));
  return { text: 'MOVE completed' };
}

export const copy: CommandSpec<'COPY'> = {
  states: SELECTED,
  handle: (session, cmd) => transfer(session, false, cmd.uid, cmd.set, cmd.mailbox),
};

export const move: CommandSpec<'MOVE'> = {
  states: SELECTED,
  handle: (session, cmd) => transfer(session, true, cmd.uid, cmd.set, cmd.mailbox),
};
