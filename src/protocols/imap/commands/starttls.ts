// RFC 9051 §6.2.1. Plaintext the client pipelined after STARTTLS is discarded before the TLS
// handshake (the CVE-2011-0411 class of injection); the session does that in upgradeToTls.
import { bad } from '../protocol-error.ts';
import type { CommandSpec } from '../session-types.ts';

export const starttls: CommandSpec<'STARTTLS'> = {
  states: ['not-authenticated'],
  handle(session) {
    if (session.secure || !session.starttlsOffered) throw bad('TLS is already active or not offered here');
    return Promise.resolve({ text: 'Begin TLS negotiation now', after: () => session.upgradeToTls() });
  },
};
