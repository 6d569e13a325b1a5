// RFC 2971. macOS Mail sends ID before logging in and shows "wrong password" on anything but OK
// (client-quirks.md), so ID always answers. What the client says goes to the log, not back.
import type { CommandSpec } from '../session-types.ts';
import { ANY } from '../session-types.ts';
import { VERSION } from '../../../core/version.ts';

export const id: CommandSpec<'ID'> = {
  states: ANY,
  handle(session, cmd) {
    if (cmd.params) session.conn.log.info({ client: cmd.params }, 'client id');
    session.writeLine(`* ID ("name" "postkontor" "version" "${VERSION}")`);
    return Promise.resolve({ text: 'ID completed' });
  },
};
