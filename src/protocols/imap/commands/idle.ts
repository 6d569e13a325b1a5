// RFC 2177 IDLE; RFC 9051 §6.3.13. Changes are pushed as they commit (the change feed wakes the
// session); DONE ends it. DONE and the next command may arrive in one packet (iOS; the receiver
// keeps the rest). An idle connection is logged out after 30 minutes without input.
import { bad } from '../protocol-error.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

export const idle: CommandSpec<'IDLE'> = {
  states: AUTHED,
  async handle(session) {
    session.writeLine('+ idling');
    let chain: Promise<void> = session.flushUpdates(true);
    let queued = false;
    session.setIdleWake(() => {
      if (queued) return;
      queued = true;
      chain = chain.then(() => {
        queued = false;
        return session.flushUpdates(true);
      });
    });
    const line = await session.readLine();
    session.setIdleWake(null);
    await chain;
    if (line === null) return { text: 'IDLE terminated' };
    if (line.toString('latin1').trim().toUpperCase() !== 'DONE') throw bad('Expected DONE to end IDLE');
    return { text: 'IDLE terminated' };
  },
};
