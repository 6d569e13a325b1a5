// RFC 1939 §7 USER and PASS. USER answers the same for every name (no account probing); PASS
// must follow a successful USER at once, and takes the rest of the line, spaces included.
import { completeLogin, insecureError } from '../login.ts';
import { popError } from '../pop-error.ts';
import { expectArgs } from '../wire/command.ts';
import type { CommandSpec } from './types.ts';

export const user: CommandSpec = {
  states: ['authorization'],
  handle(session, cmd) {
    expectArgs(cmd, 1, 1, 'a user name');
    if (!session.loginAllowed()) throw insecureError(session);
    session.pendingUser = cmd.args[0]!;
    session.ok('send PASS');
    return Promise.resolve();
  },
};

export const pass: CommandSpec = {
  states: ['authorization'],
  async handle(session, cmd) {
    const name = session.pendingUser;
    session.pendingUser = null;
    if (cmd.rest === '') throw popError('PASS needs a password');
    if (name === null) throw popError('PASS must follow a successful USER');
    await completeLogin(session, name, cmd.rest);
  },
};
