/**
 * From a listener's raw TCP socket to a protocol session: the PROXY header from a trusted
 * balancer, implicit TLS, then acceptConnection. The server process and the SMTP
 * front-end processes (smtp-front-end.ts) accept exactly alike.
 */
import type { Socket } from 'node:net';
import type { ListenerName, ServerConfig } from '../core/config-schema.ts';
import { parseCidr, type Cidr } from '../core/ip-address.ts';
import type { Logger } from '../core/log.ts';
import { prepareListenerSocket } from './listener-socket.ts';
import { LISTENER_KINDS, type ProtocolHandler, type ServerContext } from './protocol.ts';
import { connectionLogger } from '../core/log.ts';
import { newCid } from './sessions.ts';

/** The client behind a load balancer, from its PROXY header (src/server/listener-socket.ts). */
export interface ProxiedPeer {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The balancer's own address. */
  readonly via: string;
}

/**
 * Hands one accepted socket to a protocol: connection id, per-connection logger, the registry of
 * open sessions, TCP_NODELAY. Shared by the listeners here and the tests' in-process servers, so
 * both run connections exactly alike. `peer` replaces the socket's address when a trusted
 * balancer named the client.
 */
export function acceptConnection(
  context: ServerContext,
  name: ListenerName,
  handler: ProtocolHandler,
  socket: Socket,
  secure: boolean,
  peer?: ProxiedPeer,
): void {
  const { log, clock, sessions } = context;
  // Responses are written line by line; Nagle would hold each further line for the peer's
  // delayed ACK (~40 ms per multi-line answer and per IDLE push).
  socket.setNoDelay(true);
  const cid = newCid();
  const clog = connectionLogger(log, name, cid);
  const entry = {
    cid,
    listener: name,
    remoteAddress: peer?.remoteAddress ?? socket.remoteAddress ?? '',
    remotePort: peer?.remotePort ?? socket.remotePort ?? 0,
    openedAt: clock.now(),
    user: null,
    clientName: null,
    lastActivity: clock.now(),
  };
  sessions.add(entry, socket);
  clog.info({ remote: entry.remoteAddress, port: entry.remotePort, secure, ...(peer ? { via: peer.via } : {}) }, 'connection opened');
  socket.on('error', (err) => clog.debug({ err }, 'socket error'));
  socket.once('close', () => {
    sessions.remove(cid);
    clog.info('connection closed');
  });
  const conn = { ...entry, socket, secure, log: clog, session: entry };
  Promise.resolve()
    .then(() => handler.handle(conn))
    .catch((err: unknown) => {
      clog.error({ err }, 'protocol handler failed');
      socket.destroy();
    });
}

export interface Acceptor {
  accept(name: ListenerName, handler: ProtocolHandler, raw: Socket): void;
  /** Ends the sockets still reading a PROXY header or in a TLS handshake (not sessions yet). */
  destroyPending(): void;
}

export function createAcceptor(context: ServerContext, config: ServerConfig, log: Logger): Acceptor {
  // PROXY protocol ([proxy]): which peers may send the header, on which listeners.
  const trusted = config.proxy.trusted.map((t) => parseCidr(t)).filter((c): c is Cidr => c !== null);
  const proxyListeners = new Set(config.proxy.listeners);
  const pending = new Set<Socket>();
  return {
    accept(name, handler, raw) {
      pending.add(raw);
      raw.once('close', () => pending.delete(raw));
      const kind = LISTENER_KINDS[name];
      prepareListenerSocket(raw, {
        proxyFrom: trusted.length > 0 && proxyListeners.has(name) ? trusted : null,
        tls: kind.implicitTls ? context.secureContext : null,
        log: log.child({ proto: name }),
      })
        .then((ready) => {
          pending.delete(raw);
          if (!ready) return;
          const peer = ready.via !== null ? { remoteAddress: ready.remoteAddress, remotePort: ready.remotePort, via: ready.via } : undefined;
          acceptConnection(context, name, handler, ready.socket, ready.secure, peer);
        })
        .catch((err: unknown) => {
          log.error({ err, proto: name }, 'accepting a connection failed');
          raw.destroy();
        });
    },
    destroyPending() {
      for (const raw of pending) raw.destroy();
    },
  };
}
