// RFC 1939 §5 LIST [n] and §7 UIDL [n]. Sizes are the CRLF form's octets, what RETR sends
// before dot-stuffing; the UIDL is the store's permanent message id, never reused, so "leave a
// copy on the server" clients never download a message twice (client-quirks.md).
import { expectArgs, messageRef } from '../wire/command.ts';
import { multiLine } from '../wire/responses.ts';
import { maildropOf, type CommandSpec } from './types.ts';

export const list: CommandSpec = {
  states: ['transaction'],
  handle(session, cmd) {
    expectArgs(cmd, 0, 1, 'at most a message number');
    const maildrop = maildropOf(session);
    if (cmd.args.length === 1) {
      const { n, text } = messageRef(cmd.args[0]!);
      session.ok(`${n} ${maildrop.message(n, text).size}`);
      return Promise.resolve();
    }
    const lines: string[] = [];
    for (const [n, msg] of maildrop.live()) lines.push(`${n} ${msg.size}`);
    const { count, octets } = maildrop.stat();
    session.write(multiLine(`${count} message${count === 1 ? '' : 's'} (${octets} octets)`, lines));
    return Promise.resolve();
  },
};

export const uidl: CommandSpec = {
  states: ['transaction'],
  handle(session, cmd) {
    expectArgs(cmd, 0, 1, 'at most a message number');
    const maildrop = maildropOf(session);
    if (cmd.args.length === 1) {
      const { n, text } = messageRef(cmd.args[0]!);
      session.ok(`${n} ${maildrop.message(n, text).id}`);
      return Promise.resolve();
    }
    const lines: string[] = [];
    for (const [n, msg] of maildrop.live()) lines.push(`${n} ${msg.id}`);
    session.write(multiLine('unique-id listing follows', lines));
    return Promise.resolve();
  },
};
