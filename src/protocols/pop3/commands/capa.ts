// RFC 2449 §5 CAPA: allowed in every state; the list depends on the state and the connection.
import { multiLine } from '../wire/responses.ts';
import { expectArgs } from '../wire/command.ts';
import type { CommandSpec } from './types.ts';

export const capa: CommandSpec = {
  states: ['authorization', 'transaction'],
  handle(session, cmd) {
    expectArgs(cmd, 0, 0, 'no arguments');
    session.write(multiLine('capability list follows', session.capabilityList()));
    return Promise.resolve();
  },
};
