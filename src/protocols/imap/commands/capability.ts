// RFC 9051 §6.1.1; RFC 3501 §6.1.1.
import type { CommandSpec } from '../session-types.ts';
import { ANY } from '../session-types.ts';

export const capability: CommandSpec<'CAPABILITY'> = {
  states: ANY,
  handle(session) {
    session.writeLine(`* CAPABILITY ${session.capabilityList()}`);
    return Promise.resolve({ text: 'CAPABILITY completed' });
  },
};
