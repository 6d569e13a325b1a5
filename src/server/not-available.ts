/**
 * Placeholder protocols until the protocol issues land: each answers with its protocol's own
 * "not available" words and closes, so clients fail clearly instead of hanging.
 */
import { createServer, type Server } from 'node:http';
import type { ProtocolFactory, ProtocolFamily, ProtocolHandler } from './protocol.ts';

function greetAndClose(line: string): ProtocolHandler {
  return {
    starttls: false,
    handle(conn) {
      conn.log.debug('protocol not yet available; closing');
      conn.socket.end(`${line}\r\n`);
      // A client that never closes its side must not hold the socket open.
      setTimeout(() => conn.socket.destroy(), 2000).unref();
    },
  };
}

// RFC 9051 §7.1.5 (BYE as greeting); RFC 2449 §8 / RFC 3206 (SYS/PERM); RFC 5321 §3.1 + RFC 3463 (421 4.3.2).
const imap: ProtocolFactory = () => greetAndClose('* BYE postkontor IMAP is not yet available');
const pop3: ProtocolFactory = () =>
  greetAndClose('-ERR [SYS/PERM] postkontor POP3 is not yet available');
const smtp: ProtocolFactory = (ctx) =>
  greetAndClose(`421 4.3.2 ${ctx.config.hostname} postkontor SMTP is not yet available`);

const http: ProtocolFactory = () => {
  // An http.Server that never listens: the root hands it accepted sockets.
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(503, {
      'content-type': 'text/plain; charset=utf-8',
      'retry-after': '3600',
      connection: 'close',
    });
    res.end('postkontor: the web interface is not yet available\n');
  });
  return {
    starttls: false,
    handle(conn) {
      server.emit('connection', conn.socket);
    },
  };
};

export const NOT_AVAILABLE: Readonly<Record<ProtocolFamily, ProtocolFactory>> = {
  imap,
  pop3,
  smtp,
  http,
};
