/** Types shared by the session and the command modules. */
import type { Command, CommandName } from './wire/types.ts';
import type { ImapSession } from './session.ts';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/** A tagged OK: optional response code and text. */
export interface Completion {
  readonly code?: string;
  readonly text: string;
  /** Runs right after the tagged OK was written (STARTTLS, COMPRESS, LOGOUT). */
  readonly after?: () => void;
}

/** The command shape with a given name (members such as `name: 'COPY' | 'MOVE'` included). */
export type CommandOf<N extends CommandName> = Command extends infer C
  ? C extends { readonly name: infer M }
    ? N extends M
      ? C
      : never
    : never
  : never;

/**
 * One command module's declaration (wildduck's pattern, typed): the states it is allowed in,
 * whether EXPUNGE responses may be sent at its end (RFC 3501 §7.4.1: not for FETCH, STORE,
 * SEARCH), and the handler.
 */
export interface CommandSpec<N extends CommandName = CommandName> {
  readonly states: readonly SessionState[];
  readonly expungeAllowed?: (cmd: CommandOf<N>) => boolean;
  handle(session: ImapSession, cmd: CommandOf<N>): Promise<Completion>;
}

export const AUTHED: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];
export const ANY: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
