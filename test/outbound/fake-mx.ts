/**
 * A remote SMTP server on loopback for outbound tests (smtp-server): records what it accepts,
 * answers each recipient as the test says (`replies`), can require AUTH, and can be stopped and
 * started again on the same port.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: Buffer;
  readonly user: string | undefined;
  readonly secure: boolean;
}

export interface FakeMx {
  readonly port: number;
  readonly received: Received[];
  /** recipient → SMTP reply for RCPT TO (e.g. `550 5.1.1 no such user`); others get 250. */
  readonly replies: Map<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function replyError(reply: string): Error {
  const m = /^(\d{3}) (.*)$/.exec(reply);
  return Object.assign(new Error(m?.[2] ?? reply), { responseCode: Number(m?.[1] ?? 550) });
}

export async function startFakeMx(opts: { auth?: { user: string; pass: string }; port?: number } = {}): Promise<FakeMx> {
  const received: Received[] = [];
  const replies = new Map<string, string>();
  const options: SMTPServerOptions = {
    logger: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : [],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    hideSTARTTLS: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('5.7.8 bad credentials'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      const reply = replies.get(address.address);
      cb(reply ? replyError(reply) : null);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
        });
        cb(null, 'Queued as fake');
      });
    },
  };
  let server: SMTPServer | null = null;
  let port = opts.port ?? 0;
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = new SMTPServer(options);
      server.on('error', () => undefined);
      const s = server.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        resolve();
      });
      s.once('error', reject);
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      const s = server;
      server = null;
      if (!s) return resolve();
      s.close(() => resolve());
    });
  await start();
  return {
    get port() {
      return port;
    },
    received,
    replies,
    stop,
    start,
    close: stop,
  };
}
