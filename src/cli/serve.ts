/** `postkontor serve`: config file + flags → the composition root, until SIGINT/SIGTERM. */
import { mkdir } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { LISTENER_NAMES, type ListenerName } from '../core/config-defaults.ts';
import type { ConfigFile, ConfigOverrides } from '../core/config-schema.ts';
import { PkError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { UsageError, type Command } from './command.ts';

const PORT_OPTIONS = Object.fromEntries(
  LISTENER_NAMES.map((n) => [`${n}-port`, { type: 'string' as const }]),
);

function portFlag(name: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`--${name}: expected a port number from 0 to 65535 (0 disables the listener)`);
  }
  return Number(text);
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the mail server (IMAP, POP3, SMTP, submission, HTTP) on one data directory.',
  usage:
    'serve [--data DIR] [--store URL] [--config FILE] [--hostname NAME] [--bind ADDR] [--imap-port N] [--imaps-port N] [--pop3-port N] [--pop3s-port N] [--smtp-port N] [--submission-port N] [--submissions-port N] [--http-port N]',
  details: [
    '--config FILE       TOML config file (same keys as the flags, plus [tls] cert/key, [auth] plaintext, [log] level)',
    '--store URL         postgres://user@host/db: keep the mail in PostgreSQL, shared by several nodes (default: SQLite)',
    '--hostname NAME     the name in greetings and the self-signed certificate (default: this machine\'s name)',
    '--bind ADDR         listen address (default 127.0.0.1: loopback only, for development)',
    '--<proto>-port N    0 disables that listener. Defaults: imap 1143, imaps 1993, pop3 1110, pop3s 1995,',
    '                    smtp 2525, submission 1587, submissions 1465, http 8080',
    'Flags override the config file. Logs go to stderr as JSON; this screen goes to stdout.',
  ],
  options: {
    config: { type: 'string' },
    hostname: { type: 'string' },
    bind: { type: 'string' },
    ...PORT_OPTIONS,
  },
  async run(ctx) {
    const flags: ConfigOverrides = { ports: {} };
    for (const name of LISTENER_NAMES) {
      const v = ctx.values[`${name}-port`];
      if (typeof v === 'string') (flags.ports as Record<ListenerName, number>)[name] = portFlag(`${name}-port`, v);
    }
    if (typeof ctx.values.hostname === 'string') flags.hostname = ctx.values.hostname;
    if (typeof ctx.values.bind === 'string') flags.bind = ctx.values.bind;
    // The server's modules (zod, pino, TLS, the store) load only for `serve`.
    const [{ resolveConfig }, { createLogger }, { readConfigFile }, { startServer }, { startupScreen }] =
      await Promise.all([
        import('../core/config-schema.ts'),
        import('../core/log.ts'),
        import('../server/config-load.ts'),
        import('../server/server.ts'),
        import('../server/startup-screen.ts'),
      ]);
    const file: ConfigFile =
      typeof ctx.values.config === 'string' ? await readConfigFile(ctx.values.config) : {};
    // --store wins over the file's `store`, which wins over $POSTKONTOR_STORE.
    if (typeof ctx.values.store === 'string') flags.store = ctx.values.store;
    else if (file.store === undefined && ctx.storeUrl !== undefined) flags.store = ctx.storeUrl;
    const config = resolveConfig(ctx.dataDir, file, flags, osHostname());
    try {
      await mkdir(config.dataDir, { recursive: true });
    } catch (err) {
      throw new PkError('PK_ERR_CONFIG', `cannot create data directory ${config.dataDir}: ${(err as Error).message}`);
    }
    const log = createLogger({
      level: config.log.level,
      pretty: (process.stderr as { isTTY?: boolean }).isTTY === true,
    });
    const server = await startServer({ config, log });
    // Listen for signals before announcing readiness: a supervisor may signal at once.
    const signal = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log.info(
      {
        listeners: server.listeners.filter((l) => l.port !== null).map((l) => `${l.name}:${l.port}`),
        version: VERSION,
      },
      'server started',
    );
    ctx.io.stdout.write(startupScreen(server, VERSION));
    const received = await signal;
    // A second signal while closing means "now".
    const force = (): never => process.exit(130);
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    log.info({ signal: received }, 'shutting down');
    await server.close();
    log.info('server stopped');
    return 0;
  },
};
