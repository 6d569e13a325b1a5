// RFC 1939 §5 LIST [n] and §7 UIDL [n]: the same scan listing, one field apart. Sizes are the
// CRLF form's octets, what RETR sends before dot-stuffing; the UIDL is the store's permanent
// message id, never reused, so "leave a copy on the server" clients never download a message
// twice (client-quirks.md).
import type { PopMessage } from '../../../store/ports.ts';
import type { PopMaildrop } from '../maildrop.ts';
import { expectArgs, messageRef } from '../wire/command.ts';
import { multiLine } from '../wire/responses.ts';
import { maildropOf, type CommandSpec } from './types.ts';

function scanListing(field: (msg: PopMessage) => number | string, heading: (maildrop: PopMaildrop) => string): CommandSpec {
  return {
    states: ['transaction'],
    handle(session, cmd) {
      expectArgs(cmd, 0, 1, 'at most a message number');
      const maildrop = maildropOf(session);
      if (cmd.args.length === 1) {
        const { n, text } = messageRef(cmd.args[0]!);
        session.ok(`${n} ${field(maildrop.message(n, text))}`);
        return Promise.resolve();
      }
      const lines: string[] = [];
      for (const [n, msg] of maildrop.live()) lines.push(`${n} ${field(msg)}`);
      session.write(multiLine(heading(maildrop), lines));
      return Promise.resolve();
    },
  };
}

export const list = scanListing(
  (msg) => msg.size,
  (maildrop) => {
    const { count, octets } = maildrop.stat();
    return `${count} message${count === 1 ? '' : 's'} (${octets} octets)`;
  },
);

export const uidl = scanListing(
  (msg) => msg.id,
  () => 'unique-id listing follows',
);
