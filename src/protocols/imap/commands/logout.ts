// RFC 9051 §6.1.3.
import type { CommandSpec } from '../session-types.ts';
import { ANY } from '../session-types.ts';

export const logout: CommandSpec<'LOGOUT'> = {
  states: ANY,
  handle(session) {
    session.writeLine('* BYE postkontor logging out');
    session.state = 'logout';
    return Promise.resolve({ text: 'LOGOUT completed', after: () => session.end() });
  },
};
