// RFC 1939 §5 DELE and RSET. Only marks in the session; the store changes at QUIT (UPDATE).
import { expectArgs, messageRef } from '../wire/command.ts';
import { maildropOf, type CommandSpec } from './types.ts';

export const dele: CommandSpec = {
  states: ['transaction'],
  handle(session, cmd) {
    expectArgs(cmd, 1, 1, 'a message number');
    const { n, text } = messageRef(cmd.args[0]!);
    maildropOf(session).delete(n, text);
    session.ok(`message ${n} deleted`);
    return Promise.resolve();
  },
};

export const rset: CommandSpec = {
  states: ['transaction'],
  handle(session, cmd) {
    expectArgs(cmd, 0, 0, 'no arguments');
    const maildrop = maildropOf(session);
    maildrop.reset();
    const { count, octets } = maildrop.stat();
    session.ok(`maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
    return Promise.resolve();
  },
};
