/**
 * The IMAP protocol as the composition root plugs it in: one ImapSession per accepted
 * connection, STARTTLS offered on the plain listener.
 */
import type { ProtocolFactory } from '../../server/protocol.ts';
import { ImapSession } from './session.ts';

export const imapProtocol: ProtocolFactory = (ctx, listener) => {
  const sessions = new Set<ImapSession>();
  return {
    starttls: listener === 'imap',
    handle(conn) {
      const session = new ImapSession(ctx, conn, listener === 'imap');
      sessions.add(session);
      conn.socket.once('close', () => sessions.delete(session));
      session.start();
    },
    shutdown() {
      for (const s of sessions) s.fatal('postkontor shutting down');
      return Promise.resolve();
    },
  };
};
