/**
 * The shape every POP3 command module declares (wildduck's imap-core): the states it is
 * allowed in and its handler. The session checks the state before dispatch; the handler parses
 * its own arguments, writes its `+OK` answer and throws PopError/WireError for `-ERR`.
 */
import type { PopSession } from '../session.ts';
import type { CommandLine } from '../wire/command.ts';

/** RFC 1939 §3. UPDATE is not a state a command runs in: QUIT passes through it and closes. */
export type PopState = 'authorization' | 'transaction';

export interface CommandSpec {
  readonly states: readonly PopState[];
  handle(session: PopSession, cmd: CommandLine): Promise<void>;
}

/** The session's maildrop; only called from TRANSACTION-state commands. */
export function maildropOf(session: PopSession): NonNullable<PopSession['maildrop']> {
  if (!session.maildrop) throw new Error('no maildrop outside the TRANSACTION state');
  return session.maildrop;
}
