// RFC 1939 §6 QUIT. Before login: goodbye, nothing else. After login: the UPDATE state, all the
// session's changes in one store transaction (published on the change feed, recorded in the
// download history), then the lock is released. A failed UPDATE applies nothing and says so
// (RFC 2449 §8.1.2 [SYS/TEMP]): so does one whose maildrop lock was lost meanwhile (PostgreSQL
// restarted under the session, so another session may have had the maildrop since).
import { isPkError } from '../../../core/errors.ts';
import { expectArgs } from '../wire/command.ts';
import type { PopSession } from '../session.ts';
import { maildropOf, type CommandSpec } from './types.ts';

const SIGN_OFF = 'postkontor POP3 server signing off';

async function update(session: PopSession): Promise<void> {
  const maildrop = maildropOf(session);
  const account = session.account!;
  const items = maildrop.updateItems();
  try {
    await session.verifyLock();
    const result = await session.ctx.store.pop.update(account.id, items, {
      remoteAddress: session.conn.remoteAddress,
      retrieved: maildrop.retrievedCount,
      deleted: maildrop.deletedCount,
    });
    const n = maildrop.deletedCount;
    session.conn.log.info({ items: items.length, ...result }, 'update');
    session.ok(`${SIGN_OFF} (${n} message${n === 1 ? '' : 's'} deleted)`);
  } catch (err) {
    // A database away (or a lock lost with it) is an outage, not a bug.
    session.conn.log[isPkError(err, 'Unavailable') ? 'warn' : 'error']({ err }, 'update failed');
    session.err('could not update the maildrop; no changes were made, try again', 'SYS/TEMP');
  } finally {
    await session.releaseLock();
    session.end();
  }
}

export const quit: CommandSpec = {
  states: ['authorization', 'transaction'],
  async handle(session, cmd) {
    expectArgs(cmd, 0, 0, 'no arguments');
    if (session.state === 'authorization') {
      session.ok(SIGN_OFF);
      session.end();
      return;
    }
    session.updating = update(session);
    await session.updating;
  },
};
