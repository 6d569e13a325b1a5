// RFC 2971. macOS Mail sends ID before logging in and shows "wrong password" on anything but OK
// (client-quirks.md), so ID always answers. What the client says goes to the log, not back.
import type { CommandSpec } from '../session-types.ts';
import { ANY } from '../session-types.ts';
import { VERSION } from '../../../core/version.ts';

/** "Thunderbird 128.5" from the ID fields (RFC 2971 §3.3), kept short for the clients panel. */
function clientName(params: Readonly<Record<string, string | null>>): string | null {
  const field = (key: string): string | null => {
    const hit = Object.entries(params).find(([k]) => k.toLowerCase() === key);
    return hit?.[1] ?? null;
  };
  const name = field('name');
  if (!name) return null;
  const version = field('version');
  return (version ? `${name} ${version}` : name).slice(0, 100);
}

export const id: CommandSpec<'ID'> = {
  states: ANY,
  handle(session, cmd) {
    if (cmd.params) {
      session.conn.log.info({ client: cmd.params }, 'client id');
      session.conn.session.clientName = clientName(cmd.params);
    }
    session.writeLine(`* ID ("name" "postkontor" "version" "${VERSION}")`);
    return Promise.resolve({ text: 'ID completed' });
  },
};
