// RFC 1939 §5 STAT: "+OK count octets" exactly (clients parse it), DELE'd messages left out.
import { expectArgs } from '../wire/command.ts';
import { maildropOf, type CommandSpec } from './types.ts';

export const stat: CommandSpec = {
  states: ['transaction'],
  handle(session, cmd) {
    expectArgs(cmd, 0, 0, 'no arguments');
    const { count, octets } = maildropOf(session).stat();
    session.ok(`${count} ${octets}`);
    return Promise.resolve();
  },
};
