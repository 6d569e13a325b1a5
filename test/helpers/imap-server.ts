/**
 * A real postkontor IMAP listener for tests: the pieces the composition root (src/server/server.ts)
 * builds, on 127.0.0.1 port 0 with a fresh temp data dir, and a protocol factory (the real
 * `imapProtocol` unless a test hands in another one, such as the transcript runner's fake).
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../src/core/clock.ts';
import { resolveConfig } from '../../src/core/config-schema.ts';
import { acceptConnection, createServerContext } from '../../src/server/server.ts';
import { createLogger, type Logger } from '../../src/core/log.ts';
import type { ConfigFile, ListenerName } from '../../src/core/config-schema.ts';
import { LISTENER_KINDS, type ProtocolFactory, type ProtocolHandler, type ServerContext, type SessionTimeouts } from '../../src/server/protocol.ts';
import { loadTls } from '../../src/server/tls.ts';
import type { Store } from '../../src/store/ports.ts';
import type { Outbound } from '../../src/delivery/outbound-port.ts';
import { tempDir } from './temp-dir.ts';
import { openTestStore } from './test-store.ts';

export interface ImapTestServerOptions {
  /** The protocol to serve; the real `imapProtocol` (src/protocols/imap/index.ts) by default. */
  readonly protocol?: ProtocolFactory;
  /**
   * More listeners on the same store (e.g. `{ pop3: pop3Protocol }` for cross-protocol tests);
   * each gets its own ephemeral port in `ports`. Implicit-TLS listeners (`submissions`, `imaps`,
   * `pop3s`) terminate TLS with the test certificate first, as the composition root does.
   */
  readonly also?: Partial<Record<ListenerName, ProtocolFactory>>;
  /** Config file values (e.g. `{ auth: { plaintext: 'tls-only' } }`); defaults otherwise. */
  readonly config?: ConfigFile;
  /** Shorter autologout timers for the tests that wait for them. */
  readonly timeouts?: Partial<SessionTimeouts>;
  readonly clock?: Clock;
  /** The outbound queue in ServerContext (SMTP tests pass a recording fake); none by default. */
  readonly outbound?: Outbound;
  /** Log level; `PK_TEST_LOG=debug` in the environment shows the server's log on stderr. */
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface ImapTestServer {
  /** The IMAP listener's port. */
  readonly port: number;
  /** Every listener's port, the IMAP one included. */
  readonly ports: Partial<Record<ListenerName, number>>;
  readonly store: Store;
  readonly context: ServerContext;
  /** The server's self-signed certificate (PEM): what TLS clients in tests verify against. */
  readonly certPem: Buffer;
  close(): Promise<void>;
}

/** Thrown (with this exact text at the start) when src/protocols/imap/index.ts cannot be loaded. */
export const IMAP_MODULE_MISSING = 'the IMAP server module src/protocols/imap/index.ts is missing';

const IMAP_MODULE = new URL('../../src/protocols/imap/index.ts', import.meta.url);

/** Loads `imapProtocol`; a missing module or export is reported as IMAP_MODULE_MISSING. */
export function loadImapProtocol(): Promise<ProtocolFactory> {
  return loadProtocolModule(IMAP_MODULE, 'imapProtocol', IMAP_MODULE_MISSING);
}

/**
 * Loads the ProtocolFactory `name` exported by the module at `file`; a missing file or export
 * throws an Error whose text starts with `missing` (e.g. IMAP_MODULE_MISSING).
 */
export async function loadProtocolModule(file: URL, name: string, missing: string): Promise<ProtocolFactory> {
  let mod: Record<string, unknown>;
  const shown = file.pathname.slice(file.pathname.lastIndexOf('/src/') + 1);
  if (!existsSync(file)) throw new Error(`${missing} (no such file)`);
  try {
    mod = (await import(file.href)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot load ${shown}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof mod[name] !== 'function') {
    throw new Error(`${missing} (it does not export ${name}: ProtocolFactory)`);
  }
  return mod[name] as ProtocolFactory;
}

// RSA key generation is the slowest part of a start; one certificate serves every test server.
let tlsSeed: Promise<string> | undefined;
function seedTls(): Promise<string> {
  tlsSeed ??= (async () => {
    const dir = tempDir('pk-imap-tls-');
    process.once('exit', dir.remove);
    await loadTls({ dataDir: dir.path, hostname: 'localhost' });
    return join(dir.path, 'tls');
  })();
  return tlsSeed;
}

function testLogger(level: ImapTestServerOptions['logLevel']): Logger {
  const env = process.env.PK_TEST_LOG as ImapTestServerOptions['logLevel'] | undefined;
  if (env) return createLogger({ level: env, pretty: true });
  return createLogger({ level: level ?? 'silent' });
}

/** Starts an IMAP listener on 127.0.0.1 with an ephemeral port and a fresh store. */
export async function startImapTestServer(opts: ImapTestServerOptions = {}): Promise<ImapTestServer> {
  const protocol = opts.protocol ?? (await loadImapProtocol());
  const dir = tempDir('pk-imap-');
  const clock = opts.clock ?? systemClock;
  const log = testLogger(opts.logLevel);
  const seed = await seedTls();
  mkdirSync(join(dir.path, 'tls'), { recursive: true, mode: 0o700 });
  for (const f of ['cert.pem', 'key.pem']) copyFileSync(join(seed, f), join(dir.path, 'tls', f));
  const tls = await loadTls({ dataDir: dir.path, hostname: 'localhost' });
  // SQLite in the data dir, or a fresh PostgreSQL database under PK_TEST_STORE=postgres.
  const testStore = await openTestStore({
    dataDir: dir.path,
    clock,
    onError: (err) => log.error({ err }, 'change listener or after-commit hook failed'),
  });
  const { store } = testStore;
  const config = resolveConfig(dir.path, opts.config ?? {}, { hostname: 'localhost', bind: '127.0.0.1' }, 'localhost');
  const context = createServerContext({
    config,
    store,
    log,
    clock,
    secureContext: tls.secureContext,
    timeouts: opts.timeouts,
    ...(opts.outbound ? { outbound: opts.outbound } : {}),
  });
  const { sessions } = context;
  const factories: [ListenerName, ProtocolFactory][] = [['imap', protocol], ...(Object.entries(opts.also ?? {}) as [ListenerName, ProtocolFactory][])];
  const handlers: ProtocolHandler[] = [];
  const servers: Server[] = [];
  const ports: Partial<Record<ListenerName, number>> = {};
  const sockets = new Set<Socket>();
  try {
    for (const [name, factory] of factories) {
      const handler = factory(context, name);
      handlers.push(handler);
      const accept = (socket: Socket, secure: boolean): void => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        // The composition root's own accept path: same cid, logging, registry and TCP_NODELAY.
        acceptConnection(context, name, handler, socket, secure);
      };
      let server: Server;
      if (LISTENER_KINDS[name].implicitTls) {
        const tlsServer = createTlsServer({ key: tls.key, cert: tls.cert });
        tlsServer.on('secureConnection', (socket) => accept(socket, true));
        server = tlsServer;
      } else {
        server = createServer((socket) => accept(socket, false));
      }
      servers.push(server);
      ports[name] = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0 }, () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : 0);
        });
      });
    }
  } catch (err) {
    for (const server of servers) server.close();
    await testStore.dispose();
    dir.remove();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await Promise.all(handlers.map(async (h) => h.shutdown?.().catch(() => undefined)));
      sessions.destroyAll();
      for (const s of sockets) s.destroy();
      await closed;
      await testStore.dispose();
      dir.remove();
    })());
  return { port: ports.imap ?? 0, ports, store, context, certPem: tls.cert, close };
}
