/**
 * The composition root: config → store → TLS → one listener per protocol port. It owns sockets,
 * connection ids and the session registry; protocols get accepted connections through
 * `ProtocolHandler`. It caches no account data: protocols read the store at every login, so the
 * CLI's changes apply without a restart.
 *
 * Startup is all-or-nothing: if any listener cannot bind, the ones already open and the store
 * are closed again before the one-line error propagates.
 */
import { createServer as createTcpServer, type Server } from 'node:net';
import { join } from 'node:path';
import { LISTENER_NAMES, type ListenerName, type ServerConfig } from '../core/config-schema.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { isPkError, PkError } from '../core/errors.ts';
import { LIMITS } from '../core/limits.ts';
import type { Logger } from '../core/log.ts';
import type { Store } from '../store/ports.ts';
import { openStore } from '../store/open-store.ts';
import { redact } from '../store/open-postgres.ts';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter } from '../auth/login-limiter.ts';
import { NOT_AVAILABLE } from './not-available.ts';
import { imapProtocol } from '../protocols/imap/index.ts';
import { pop3Protocol } from '../protocols/pop3/index.ts';
import { smtpProtocol } from '../protocols/smtp/index.ts';
import { startOutbound } from '../delivery/outbound/index.ts';
import { httpProtocol } from '../http/index.ts';

/** The protocols that exist so far; the rest answer "not yet available". */
const IMPLEMENTED: Partial<Record<ProtocolFamily, ProtocolFactory>> = {
  imap: imapProtocol,
  pop3: pop3Protocol,
  smtp: smtpProtocol,
  http: httpProtocol,
};
import {
  LISTENER_KINDS,
  type ProtocolFactory,
  type ProtocolFamily,
  type ProtocolHandler,
  type SessionTimeouts,
  type ServerContext,
} from './protocol.ts';
import { SessionRegistry } from './sessions.ts';
import { createAcceptor } from './accept.ts';
import { startSmtpProcesses, type SmtpProcesses } from './smtp-processes.ts';
import { loadTls, type TlsMaterial } from './tls.ts';

export interface ListenerInfo {
  readonly name: ListenerName;
  readonly label: string;
  readonly address: string;
  /** The bound port (0 in the config means the listener is off: `port` is then null). */
  readonly port: number | null;
  readonly tlsMode: 'implicit' | 'starttls' | 'none';
}

export interface RunningServer {
  readonly context: ServerContext;
  readonly tls: TlsMaterial;
  readonly storePath: string;
  readonly listeners: readonly ListenerInfo[];
  /** Stops accepting, ends open sessions, closes the store. Safe to call twice. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Protocol implementations; families left out answer "not yet available". */
  readonly protocols?: Partial<Record<ProtocolFamily, ProtocolFactory>>;
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine',
};

function listen(server: Server, host: string, port: number, label: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const reason = LISTEN_ERRORS[err.code ?? ''] ?? err.message;
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      reject(new PkError('PK_ERR_CONFIG', `cannot listen on ${where} (${label}): ${reason}`));
    };
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The long-lived pieces protocols share; a fresh session registry and login limiter. */
export function createServerContext(
  parts: Omit<ServerContext, 'sessions' | 'loginLimiter' | 'timeouts'> & { timeouts?: Partial<SessionTimeouts> },
): ServerContext {
  const timeouts = { imapIdleMs: LIMITS.imapIdleTimeoutMs, pop3IdleMs: LIMITS.pop3IdleTimeoutMs, ...parts.timeouts };
  return { ...parts, timeouts, sessions: new SessionRegistry(), loginLimiter: new LoginLimiter(parts.clock, DEFAULT_LOGIN_LIMITS, parts.store.loginFailures) };
}

export { acceptConnection, type ProxiedPeer } from './accept.ts';

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config, log } = opts;
  const clock = opts.clock ?? systemClock;
  const tls = await loadTls({
    dataDir: config.dataDir,
    hostname: config.hostname,
    ...config.tls,
  });
  const store: Store = await openStore({
    dataDir: config.dataDir,
    ...(config.store !== undefined ? { storeUrl: config.store } : {}),
    clock,
    sweepOrphanBlobs: true,
    // Background work of the store (its pool, the change feed, the indexer) reports here too: a
    // database that went away is an outage the protocols already answer with temporary errors.
    onError: (err) =>
      isPkError(err, 'Unavailable')
        ? log.warn({ err: err.message }, 'the store is unavailable; retrying')
        : log.error({ err }, 'change listener, after-commit hook or store background work failed'),
  });
  // The outbound queue (issue 5): its worker runs from here and stops before the store closes.
  const firstRetry = config.outbound.firstRetrySeconds;
  const outboundQueue = startOutbound({
    store,
    config,
    log: log.child({ proto: 'outbound' }),
    clock,
    ...(firstRetry !== undefined ? { policy: { firstRetryMs: firstRetry * 1000 } } : {}),
  });
  const context = createServerContext({
    config,
    store,
    log,
    clock,
    secureContext: tls.secureContext,
    outbound: outboundQueue.outbound,
  });
  const { sessions } = context;
  const factories = { ...NOT_AVAILABLE, ...IMPLEMENTED, ...opts.protocols };
  const servers: Server[] = [];
  const handlers: ProtocolHandler[] = [];
  const listeners: ListenerInfo[] = [];

  const acceptor = createAcceptor(context, config, log);

  let smtpProcesses: SmtpProcesses | null = null;
  const closeAll = async (): Promise<void> => {
    // The SMTP front ends first: their last deliveries still need the store.
    await smtpProcesses?.stop();
    // Stop accepting first; server.close() resolves only once every connection is gone, so the
    // protocols say goodbye and the rest is destroyed before waiting on it.
    const closed = servers.map(closeServer);
    await Promise.all(handlers.map(async (h) => h.shutdown?.().catch(() => undefined)));
    sessions.destroyAll();
    acceptor.destroyPending();
    await Promise.all(closed);
    await outboundQueue.stop();
    await store.close();
  };

  try {
    for (const name of LISTENER_NAMES) {
      const kind = LISTENER_KINDS[name];
      const port = config.ports[name];
      if (port === 0) {
        listeners.push({ name, label: kind.label, address: config.bind, port: null, tlsMode: kind.implicitTls ? 'implicit' : 'none' });
        continue;
      }
      if (name === 'smtp' && config.smtp.processes > 0) {
        // The MTA port is served by front-end processes (smtp-processes.ts), once the rest is up.
        continue;
      }
      const factory = factories[kind.family];
      const handler = factory(context, name);
      handlers.push(handler);
      // Every listener accepts plain TCP: a PROXY header comes first in cleartext, and implicit
      // TLS is then set up on the same socket (listener-socket.ts).
      const server: Server = createTcpServer((s) => acceptor.accept(name, handler, s));
      servers.push(server);
      const bound = await listen(server, config.bind, port, kind.label);
      server.on('error', (err) => log.error({ err, proto: name }, 'listener error'));
      listeners.push({
        name,
        label: kind.label,
        address: config.bind,
        port: bound,
        tlsMode: kind.implicitTls ? 'implicit' : handler.starttls ? 'starttls' : 'none',
      });
    }
    if (config.smtp.processes > 0 && config.ports.smtp !== 0) {
      smtpProcesses = await startSmtpProcesses({ count: config.smtp.processes, config, store, outbound: context.outbound, log });
      const kind = LISTENER_KINDS.smtp;
      listeners.splice(LISTENER_NAMES.indexOf('smtp'), 0, { name: 'smtp', label: kind.label, address: config.bind, port: smtpProcesses.port, tlsMode: 'starttls' });
    }
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }

  let closing: Promise<void> | null = null;
  return {
    context,
    tls,
    storePath: config.store !== undefined ? redact(config.store) : join(config.dataDir, 'postkontor.db'),
    listeners,
    close: () => (closing ??= closeAll()),
  };
}
