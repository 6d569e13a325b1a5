/**
 * Set-up for the web API tests: a real test server (IMAP, POP3 and HTTP on one store) with the
 * domain example.org and two accounts, a cookie-keeping `WebClient` over real sockets, and
 * `inProcess` requests through `app.request()` without sockets.
 */
import { PROXIED_VIA } from '../../src/server/protocol.ts';
import { hashPassword } from '../../src/auth/password.ts';
import type { Outbound, OutboundMessage } from '../../src/delivery/outbound-port.ts';
import { createHttpApp, type HttpApp, type HttpAppOptions } from '../../src/http/app.ts';
import { createHttpProtocol } from '../../src/http/index.ts';
import { pop3Protocol } from '../../src/protocols/pop3/index.ts';
import type { ConfigFile } from '../../src/core/config-schema.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { Account, Mailbox } from '../../src/store/types.ts';
import { startImapTestServer, type ImapTestServer } from '../helpers/imap-server.ts';

export const PASSWORD = 'web-test-pw-9c1d';

export interface WebEnv extends ImapTestServer {
  readonly alice: Account;
  readonly bob: Account;
  readonly base: string;
  /** Messages the outbound queue was given. */
  readonly outbox: OutboundMessage[];
  mailbox(account: Account, name: string): Promise<Mailbox>;
  deliver(account: Account, mailbox: string, raw: string | Buffer, flags?: string[], internalDate?: number): Promise<number>;
  /** A second app on the same context, for `app.request()` tests. */
  app(opts?: HttpAppOptions): HttpApp;
}

export interface WebEnvOptions {
  readonly config?: ConfigFile;
  readonly clock?: Clock;
  readonly http?: HttpAppOptions;
}

export async function startWebEnv(opts: WebEnvOptions = {}): Promise<WebEnv> {
  const outbox: OutboundMessage[] = [];
  const outbound: Outbound = {
    enqueue: (m) => {
      outbox.push(m);
      return Promise.resolve({ id: String(outbox.length) });
    },
  };
  const server = await startImapTestServer({
    also: { pop3: pop3Protocol, http: createHttpProtocol(opts.http) },
    outbound,
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const { store } = server;
  await store.domains.add('example.org');
  const passwordHash = await hashPassword(PASSWORD);
  const alice = await store.accounts.create({ address: 'alice@example.org', passwordHash, admin: true });
  const bob = await store.accounts.create({ address: 'bob@example.org', passwordHash });
  const mailbox = async (account: Account, name: string): Promise<Mailbox> => {
    const mb = await store.mailboxes.get(account.id, name);
    if (!mb) throw new Error(`mailbox ${name} does not exist`);
    return mb;
  };
  const deliver = async (account: Account, name: string, raw: string | Buffer, flags: string[] = [], internalDate?: number) => {
    const mb = await mailbox(account, name);
    const r = await store.messages.append(account.id, mb.id, {
      raw: typeof raw === 'string' ? Buffer.from(raw) : raw,
      flags,
      ...(internalDate === undefined ? {} : { internalDate }),
    });
    return r.uid;
  };
  const apps: HttpApp[] = [];
  const close = async (): Promise<void> => {
    for (const a of apps) a.close();
    await server.close();
  };
  return {
    ...server,
    close,
    alice,
    bob,
    base: `http://127.0.0.1:${server.ports.http}`,
    outbox,
    mailbox,
    deliver,
    app: (o) => {
      const a = createHttpApp(server.context, o ?? opts.http);
      apps.push(a);
      return a;
    },
  };
}

export interface WebResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON); cast at the use site. */
  readonly json: unknown;
}

/** The JSON body as the test expects it to be (the assertions check the rest). */
export function body<T = Record<string, unknown>>(r: WebResponse): T {
  return r.json as T;
}

/** A browser stand-in over real sockets: keeps the session cookie and sends the CSRF token. */
export class WebClient {
  cookie = '';
  csrf = '';

  constructor(readonly base: string) {}

  static async signedIn(base: string, address: string, password = PASSWORD): Promise<WebClient> {
    const c = new WebClient(base);
    const r = await c.request('POST', '/api/session', { address, password });
    if (r.status !== 200) throw new Error(`sign-in of ${address} failed: ${r.status} ${r.text}`);
    return c;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<WebResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] ??= this.csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const setCookie = res.headers.get('set-cookie');
    if (setCookie?.startsWith('pk_session=')) {
      const value = setCookie.split(';')[0]!;
      this.cookie = value === 'pk_session=' ? '' : value;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (json && typeof json === 'object' && 'csrf' in json && typeof json.csrf === 'string') this.csrf = json.csrf;
    return { status: res.status, headers: res.headers, text, json };
  }

  get(path: string): Promise<WebResponse> {
    return this.request('GET', path);
  }
  post(path: string, body?: unknown): Promise<WebResponse> {
    return this.request('POST', path, body ?? {});
  }
  put(path: string, body?: unknown): Promise<WebResponse> {
    return this.request('PUT', path, body ?? {});
  }
  patch(path: string, body?: unknown): Promise<WebResponse> {
    return this.request('PATCH', path, body ?? {});
  }
  delete(path: string): Promise<WebResponse> {
    return this.request('DELETE', path);
  }
}

/** node-server's bindings as `app.request()` tests fake them: just the socket facts. */
export function fakeEnv(
  remoteAddress = '127.0.0.1',
  encrypted = false,
  proxiedVia?: string,
): { incoming: { socket: { remoteAddress: string; encrypted: boolean; [PROXIED_VIA]?: string } } } {
  return { incoming: { socket: { remoteAddress, encrypted, ...(proxiedVia ? { [PROXIED_VIA]: proxiedVia } : {}) } } };
}

export const mail = (n: number, subject = `Message ${n}`, extra = ''): string =>
  `From: Leo <leo@example.net>\r\nTo: alice@example.org\r\nSubject: ${subject}\r\n` +
  `Date: Sun, 8 Nov 2026 09:${String(n % 60).padStart(2, '0')}:00 +0000\r\nMessage-ID: <m${n}@example.net>\r\n${extra}\r\nBody of message ${n}.\r\n`;
