// RFC 2595 §4 STLS: only before login, only on the plain listener, only once. Plaintext the
// client pipelined after STLS is discarded before the handshake (the CVE-2011-0411 class of
// injection); the session does that in upgradeToTls.
import { popError } from '../pop-error.ts';
import { expectArgs } from '../wire/command.ts';
import type { CommandSpec } from './types.ts';

export const stls: CommandSpec = {
  states: ['authorization'],
  handle(session, cmd) {
    expectArgs(cmd, 0, 0, 'no arguments');
    if (session.secure) throw popError('STLS not available: the connection is already encrypted');
    if (!session.stlsOffered) throw popError('STLS not offered on this port');
    session.ok('begin TLS negotiation');
    session.upgradeToTls();
    return Promise.resolve();
  },
};
