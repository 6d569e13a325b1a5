// RFC 1939 §5 NOOP. The maildrop is a snapshot, so there is nothing to report.
import { expectArgs } from '../wire/command.ts';
import type { CommandSpec } from './types.ts';

export const noop: CommandSpec = {
  states: ['transaction'],
  handle(session, cmd) {
    expectArgs(cmd, 0, 0, 'no arguments');
    session.ok();
    return Promise.resolve();
  },
};
