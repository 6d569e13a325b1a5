// RFC 1939 §5 RETR and §7 TOP. RETR marks the message retrieved (what pop.after-retrieve acts
// on at QUIT); TOP does not: Outlook sends TOP n 0 before RETR n, and a peek is not a download.
import { sendMessage } from '../send-message.ts';
import { expectArgs, lineCount, messageRef } from '../wire/command.ts';
import { maildropOf, type CommandSpec } from './types.ts';

export const retr: CommandSpec = {
  states: ['transaction'],
  async handle(session, cmd) {
    expectArgs(cmd, 1, 1, 'a message number');
    const maildrop = maildropOf(session);
    const { n, text } = messageRef(cmd.args[0]!);
    const msg = maildrop.message(n, text);
    if (await sendMessage(session, msg, { n, status: `${msg.size} octets` })) maildrop.markRetrieved(n);
  },
};

export const top: CommandSpec = {
  states: ['transaction'],
  async handle(session, cmd) {
    expectArgs(cmd, 2, 2, 'a message number and a line count');
    const maildrop = maildropOf(session);
    const { n, text } = messageRef(cmd.args[0]!);
    const lines = lineCount(cmd.args[1]!);
    const msg = maildrop.message(n, text);
    await sendMessage(session, msg, { n, status: 'top of message follows', topLines: lines });
  },
};
