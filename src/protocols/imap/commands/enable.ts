// RFC 5161 ENABLE; RFC 9051 §6.3.1 (IMAP4rev2), RFC 7162 §3.1 (CONDSTORE), RFC 6855 (UTF8=ACCEPT,
// not offered yet). Only capabilities this server implements are enabled and listed.
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

export const enable: CommandSpec<'ENABLE'> = {
  states: AUTHED,
  handle(session, cmd) {
    const enabled: string[] = [];
    for (const cap of cmd.capabilities) {
      const c = cap.toUpperCase();
      if (c === 'IMAP4REV2' && !session.rev2) {
        session.rev2 = true;
        enabled.push('IMAP4rev2');
      } else if (c === 'CONDSTORE' && !session.condstore) {
        session.condstore = true;
        enabled.push('CONDSTORE');
      }
    }
    session.writeLine(enabled.length ? `* ENABLED ${enabled.join(' ')}` : '* ENABLED');
    return Promise.resolve({ text: 'ENABLE completed' });
  },
};
