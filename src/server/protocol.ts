/**
 * The seam between the composition root and the protocols. The root owns the sockets (listen,
 * TLS, connection ids, the session registry, shutdown); a protocol module only receives an
 * accepted connection. A protocol issue plugs in by supplying a `ProtocolFactory` for its family.
 */
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { ListenerName, ServerConfig } from '../core/config-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import type { Store } from '../store/ports.ts';
import type { Outbound } from '../delivery/outbound-port.ts';
import type { SessionEntry, SessionRegistry } from './sessions.ts';

export type ProtocolFamily = 'imap' | 'pop3' | 'smtp' | 'http';

/**
 * Set on a socket that arrived through a trusted PROXY-protocol peer (the balancer's address):
 * code that only sees the socket (the HTTP app) can then believe what that balancer says, such
 * as `X-Forwarded-Proto: https` from a TLS-terminating HAProxy.
 */
export const PROXIED_VIA = 'pkProxiedVia';

/** What each listener is: its protocol family, its name on screen, implicit TLS or not. */
export interface ListenerKind {
  readonly family: ProtocolFamily;
  readonly label: string;
  readonly implicitTls: boolean;
}

export const LISTENER_KINDS: Readonly<Record<ListenerName, ListenerKind>> = {
  imap: { family: 'imap', label: 'IMAP', implicitTls: false },
  imaps: { family: 'imap', label: 'IMAPS', implicitTls: true },
  pop3: { family: 'pop3', label: 'POP3', implicitTls: false },
  pop3s: { family: 'pop3', label: 'POP3S', implicitTls: true },
  smtp: { family: 'smtp', label: 'SMTP', implicitTls: false },
  submission: { family: 'smtp', label: 'Submission', implicitTls: false },
  submissions: { family: 'smtp', label: 'Submissions', implicitTls: true },
  http: { family: 'http', label: 'HTTP', implicitTls: false },
};

/** Everything long-lived a protocol may use; built once by the composition root. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly sessions: SessionRegistry;
  /** For STARTTLS: `new tls.TLSSocket(socket, { isServer: true, secureContext })`. */
  readonly secureContext: SecureContext;
  /** Failed-login limits shared by every protocol of this node. */
  readonly loginLimiter: LoginLimiter;
  /** Inactivity autologout per protocol (LIMITS by default; tests shorten them). */
  readonly timeouts: SessionTimeouts;
  /**
   * The outbound queue (submission, forwarding, bounces). Optional only until the queue lands
   * (issue 5); tests may pass a recording fake.
   */
  readonly outbound?: Outbound;
}

export interface SessionTimeouts {
  readonly imapIdleMs: number;
  readonly pop3IdleMs: number;
}

/** One accepted connection. */
export interface Connection {
  /** Short random id; every log line of the connection carries it. */
  readonly cid: string;
  readonly listener: ListenerName;
  /** A `tls.TLSSocket` on implicit-TLS listeners. */
  readonly socket: Socket;
  /** Encrypted from the start (implicit TLS). A protocol that does STARTTLS tracks the upgrade itself. */
  readonly secure: boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Child logger with `{proto, cid}`. */
  readonly log: Logger;
  /** This connection's row in the registry of open sessions (set `user` after login). */
  readonly session: SessionEntry;
}

export interface ProtocolHandler {
  /** Offers STARTTLS on its plain listeners (shown in the startup table). */
  readonly starttls: boolean;
  /** Takes over the socket; the root ends and unregisters it on close or shutdown. */
  handle(conn: Connection): void | Promise<void>;
  /** Called at shutdown before remaining sockets are destroyed (say BYE / 421). */
  shutdown?(): Promise<void>;
}

/** Builds a protocol's handler for one listener (IMAP and IMAPS get one each). */
export type ProtocolFactory = (ctx: ServerContext, listener: ListenerName) => ProtocolHandler;
