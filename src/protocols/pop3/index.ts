/**
 * The POP3 protocol as the composition root plugs it in: one PopSession per accepted
 * connection, STLS offered on the plain listener.
 */
import type { ProtocolFactory } from '../../server/protocol.ts';
import { PopSession } from './session.ts';

export const pop3Protocol: ProtocolFactory = (ctx, listener) => {
  const sessions = new Set<PopSession>();
  return {
    starttls: listener === 'pop3',
    handle(conn) {
      const session = new PopSession(ctx, conn, listener === 'pop3');
      sessions.add(session);
      conn.socket.once('close', () => sessions.delete(session));
      session.start();
    },
    async shutdown() {
      await Promise.all([...sessions].map((s) => s.shutdown()));
    },
  };
};
