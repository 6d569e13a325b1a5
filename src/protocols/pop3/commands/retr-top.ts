// RFC 1939 §5 RETR and §7 TOP. RETR marks the message retrieved (what pop.after-retrieve and
// the download-once marker act on at QUIT). A TOP that returned only part of the message does
// not: Outlook sends TOP n 0 before RETR n, and a peek is not a download. A TOP whose line count
// reached the end did hand over the whole message, and is a download: fetchmail fetches with
// `TOP n 99999999` instead of RETR (so as not to set \Seen on servers that tie it to RETR).
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
    const sent = await sendMessage(session, msg, { n, status: 'top of message follows', topLines: lines });
    if (sent && sent.whole) maildrop.markRetrieved(n);
  },
};
