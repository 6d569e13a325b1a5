// RFC 5161 ENABLE; RFC 9051 §6.3.1 (IMAP4rev2), RFC 7162 §3.1 (CONDSTORE), §3.2.3 (QRESYNC), RFC 6855 (UTF8=ACCEPT). Only capabilities this server implements are enabled and listed.
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

export const enable: CommandSpec<'ENABLE'> = {
  states: AUTHED,
  handle(session, cmd) {
    const enabled: string[] = [];
    for (const cap of cmd.capabilities) {
      const c = cap.toUpperCase();
      if (c === 'IMAP4REV2' && !session.rev2) {
        // RFC 9051 §5.1: IMAP4rev2 mailbox names are UTF-8, not modified UTF-7.
        session.rev2 = true;
        session.utf8 = true;
        enabled.push('IMAP4rev2');
      } else if (c === 'UTF8=ACCEPT' && !session.utf8Enabled) {
        // RFC 6855 §3: UTF-8 mailbox names and message data from here on.
        session.utf8 = true;
        session.utf8Enabled = true;
        enabled.push('UTF8=ACCEPT');
      } else if (c === 'QRESYNC' && !session.qresync) {
        // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
        session.qresync = true;
        session.condstore = true;
        enabled.push('QRESYNC');
      } else if (c === 'CONDSTORE' && !session.condstore) {
        session.condstore = true;
        enabled.push('CONDSTORE');
      }
    }
    session.writeLine(enabled.length ? `* ENABLED ${enabled.join(' ')}` : '* ENABLED');
    return Promise.resolve({ text: 'ENABLE completed' });
  },
};
