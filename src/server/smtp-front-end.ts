/**
 * An SMTP front-end process (`[smtp] processes`, smtp-processes.ts forks it): it accepts inbound
 * mail on the MTA port, sharing the listening socket with its siblings (node:cluster, each
 * process accepts for itself), and runs the whole SMTP session here: the protocol, the RCPT
 * checks, SPF/DKIM/DMARC/ARC, the trace headers and the MIME index. The store and the outbound
 * queue are the server process's, reached over IPC (ipc/remote-store.ts), so there is still one
 * SQLite writer and one change feed, and `250` still follows the durable append there.
 *
 * The server process sends the resolved config when the front end says hello; `shutdown` (or a lost channel, or a
 * signal) closes the listener, says 421 to open sessions and exits.
 */
import { createServer, type Server } from 'node:net';
import { systemClock } from '../core/clock.ts';
import type { ServerConfig } from '../core/config-schema.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { smtpProtocol } from '../protocols/smtp/index.ts';
import { createAcceptor } from './accept.ts';
import { RpcClient, type IpcEndpoint } from './ipc/rpc.ts';
import { remoteOutbound, remoteStore } from './ipc/remote-store.ts';
import { createServerContext } from './server.ts';
import { loadTls } from './tls.ts';

/** Messages between the server process and a front end, besides RPC. */
export type FrontEndMessage =
  | { readonly pk: 'hello' }
  | { readonly pk: 'config'; readonly config: ServerConfig }
  | { readonly pk: 'listening'; readonly port: number }
  | { readonly pk: 'failed'; readonly message: string }
  | { readonly pk: 'shutdown' };

function isFrontEndMessage(m: unknown): m is FrontEndMessage {
  const pk = typeof m === 'object' && m !== null ? (m as { pk?: unknown }).pk : undefined;
  return pk === 'hello' || pk === 'config' || pk === 'listening' || pk === 'failed' || pk === 'shutdown';
}

export function onFrontEndMessage(endpoint: IpcEndpoint, fn: (m: FrontEndMessage) => void): void {
  endpoint.on('message', (m) => {
    if (isFrontEndMessage(m)) fn(m);
  });
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

async function serve(config: ServerConfig, channel: IpcEndpoint, log: Logger): Promise<() => Promise<void>> {
  const rpc = new RpcClient(channel);
  const tls = await loadTls({ dataDir: config.dataDir, hostname: config.hostname, ...config.tls });
  const context = createServerContext({
    config,
    store: remoteStore(rpc),
    log,
    clock: systemClock,
    secureContext: tls.secureContext,
    outbound: remoteOutbound(rpc),
  });
  const handler = smtpProtocol(context, 'smtp');
  const acceptor = createAcceptor(context, config, log);
  const server = createServer((s) => acceptor.accept('smtp', handler, s));
  server.on('error', (err) => log.error({ err }, 'SMTP listener error'));
  const port = await listen(server, config.bind, config.ports.smtp);
  channel.send({ pk: 'listening', port } satisfies FrontEndMessage);
  log.info({ port }, 'SMTP front end listening');
  return async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await handler.shutdown?.().catch(() => undefined);
    context.sessions.destroyAll();
    acceptor.destroyPending();
    await closed;
    rpc.close();
  };
}

/** The front end's main: runs until told to stop. */
export function runSmtpFrontEnd(): void {
  const channel = process as unknown as IpcEndpoint;
  let stop: (() => Promise<void>) | null = null;
  let stopping = false;
  let log: Logger | null = null;
  const exit = (code: number): void => {
    if (stopping) return;
    stopping = true;
    void (stop ? stop() : Promise.resolve())
      .catch((err: unknown) => log?.error({ err }, 'SMTP front end: closing failed'))
      .finally(() => process.exit(code));
  };
  onFrontEndMessage(channel, (m) => {
    if (m.pk === 'shutdown') exit(0);
    if (m.pk !== 'config' || log) return;
    log = createLogger({ level: m.config.log.level, pretty: (process.stderr as { isTTY?: boolean }).isTTY === true }).child({ proc: 'smtp' });
    const logger = log;
    serve(m.config, channel, logger).then(
      (s) => {
        stop = s;
        if (stopping) void s().finally(() => process.exit(0));
      },
      (err: unknown) => {
        logger.error({ err }, 'SMTP front end could not start');
        channel.send({ pk: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FrontEndMessage);
        process.exit(1);
      },
    );
  });
  // Messages that arrive before a listener exists are dropped: ask for the config only now.
  channel.send({ pk: 'hello' } satisfies FrontEndMessage);
  // The server process went away (or closed the channel): nothing can be stored any more.
  process.on('disconnect', () => exit(0));
  // A terminal's Ctrl-C reaches the whole process group; the server process coordinates, but a
  // front end must not outlive it either way.
  process.on('SIGINT', () => exit(0));
  process.on('SIGTERM', () => exit(0));
}
