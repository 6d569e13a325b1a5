/**
 * The server configuration: the TOML file's schema (zod), the development defaults, and how
 * file values and command-line flags combine (flags win). Pure: reading the file and the
 * environment happens in src/server and src/cli only.
 */
import { z } from 'zod';
import { PkError } from './errors.ts';
import { parseCidr } from './ip-address.ts';
import {
  DEFAULT_BIND,
  DEFAULT_PORTS,
  LISTENER_NAMES,
  LOG_LEVELS,
  PLAINTEXT_POLICIES,
  type ListenerName,
  type LogLevel,
  type PlaintextPolicy,
} from './config-defaults.ts';

export * from './config-defaults.ts';

const port = z.int().min(0).max(65535);
/** `host:port` (IPv6 hosts in brackets: `[::1]:25`). */
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected "host:port", e.g. "smtp.example.net:587"');

/** The TOML file. Keys mirror the `serve` flags; unknown keys are errors, not silently ignored. */
export const configFileSchema = z.strictObject({
  /** `postgres://user@host/db`: the PostgreSQL store shared by several nodes (default: SQLite). */
  store: z.string().regex(/^postgres(ql)?:\/\/\S+$/i, 'expected a "postgres://..." URL').optional(),
  hostname: z.string().min(1).max(253).optional(),
  bind: z.string().min(1).optional(),
  'imap-port': port.optional(),
  'imaps-port': port.optional(),
  'pop3-port': port.optional(),
  'pop3s-port': port.optional(),
  'smtp-port': port.optional(),
  'submission-port': port.optional(),
  'submissions-port': port.optional(),
  'http-port': port.optional(),
  tls: z
    .strictObject({
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
    })
    .optional(),
  auth: z
    .strictObject({
      plaintext: z.enum(PLAINTEXT_POLICIES).optional(),
    })
    .optional(),
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).optional(),
    })
    .optional(),
  smtp: z
    .strictObject({
      'max-recipients': z.int().min(1).max(10_000).optional(),
      'send-rate': z.int().min(1).max(1_000_000).optional(),
      processes: z.int().min(0).max(64).optional(),
    })
    .optional(),
  outbound: z
    .strictObject({
      relay: hostPort.optional(),
      'relay-user': z.string().min(1).optional(),
      'relay-password': z.string().min(1).optional(),
      transport: z.record(z.string().min(1), hostPort).optional(),
      'dns-servers': z.array(z.string().min(1)).optional(),
      'first-retry': z.int().min(1).max(86_400).optional(),
    })
    .optional(),
  /**
   * PROXY protocol v1/v2 from load balancers, so logs, rate limits and the connected-clients
   * panel show the real client: off unless `trusted` lists the balancers.
   *   [proxy]
   *   trusted = ["10.0.0.0/8", "127.0.0.1", "fd00::/8"]   # who may send the header
   *   listeners = ["imap", "smtp"]                        # default: every listener
   * A connection from a trusted address on such a listener must start with a header (within 5 s,
   * else it is closed; a malformed one closes it too); anyone else connects as if it were off.
   */
  proxy: z
    .strictObject({
      trusted: z
        .array(z.string().refine((s) => parseCidr(s) !== null, 'expected an address or CIDR range, e.g. "10.0.0.0/8" or "::1"'))
        .optional(),
      listeners: z.array(z.enum(LISTENER_NAMES)).optional(),
    })
    .optional(),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

/** Values given on the command line; each one overrides the file. */
export interface ConfigOverrides {
  store?: string;
  hostname?: string;
  bind?: string;
  ports?: Partial<Record<ListenerName, number>>;
}

/** The effective configuration the composition root works from. */
export interface ServerConfig {
  readonly dataDir: string;
  /** A postgres:// URL: the store lives in PostgreSQL; absent: SQLite in the data dir. */
  readonly store?: string;
  readonly hostname: string;
  readonly bind: string;
  /** 0 disables a listener. */
  readonly ports: Readonly<Record<ListenerName, number>>;
  readonly tls: { readonly cert?: string; readonly key?: string };
  readonly auth: { readonly plaintext: PlaintextPolicy };
  readonly log: { readonly level: LogLevel };
  readonly smtp: {
    /** Recipients one message may have (RCPT TO beyond it: 452 4.5.3). */
    readonly maxRecipients: number;
    /** Messages one account may submit per hour. */
    readonly sendRatePerHour: number;
    /**
     * Processes that accept inbound SMTP on the MTA port (`smtp`) besides the server process,
     * sharing its listening socket (src/server/smtp-processes.ts); 0: the server process does.
     */
    readonly processes: number;
  };
  readonly outbound: {
    /** Send everything through this smarthost (`host:port`) instead of looking up MX records. */
    readonly relay?: string;
    readonly relayUser?: string;
    readonly relayPassword?: string;
    /** Per-domain routes (`domain` → `host:port`), checked before the relay and MX. */
    readonly transport: Readonly<Record<string, string>>;
    /** DNS servers for MX lookups (default: the system's). */
    readonly dnsServers?: readonly string[];
    /** Seconds before the first retry of a deferred message (default 300); later ones double, up to an hour. */
    readonly firstRetrySeconds?: number;
  };
  readonly proxy: {
    /** Addresses and CIDR ranges allowed to send a PROXY header; empty: PROXY protocol off. */
    readonly trusted: readonly string[];
    /** Listeners that read the header from trusted peers (every one by default; none when off). */
    readonly listeners: readonly ListenerName[];
  };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Validates a parsed TOML document. Throws PK_ERR_CONFIG with a one-line message naming the
 * offending key (`unknown key "tls.certificate"`, `imap-port: ...`).
 */
export function validateConfigFile(doc: unknown, source: string): ConfigFile {
  const result = configFileSchema.safeParse(doc);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new PkError('PK_ERR_CONFIG', `${source}: invalid configuration`);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${formatPath([...issue.path, k])}"`);
    throw new PkError(
      'PK_ERR_CONFIG',
      `${source}: unknown key ${keys.join(', ')}`,
    );
  }
  const key = formatPath(issue.path) || '(top level)';
  let reason = issue.message;
  if (issue.code === 'invalid_value' && 'values' in issue) {
    reason = `expected one of ${issue.values.map((v) => `"${String(v)}"`).join(', ')}`;
  } else if (/-port$/.test(key)) {
    reason = 'expected a port number from 0 to 65535 (0 disables the listener)';
  }
  throw new PkError('PK_ERR_CONFIG', `${source}: ${key}: ${reason}`);
}

/** File values over defaults, then flags over both. */
export function resolveConfig(
  dataDir: string,
  file: ConfigFile,
  flags: ConfigOverrides,
  defaultHostname: string,
): ServerConfig {
  const ports = {} as Record<ListenerName, number>;
  for (const name of LISTENER_NAMES) {
    ports[name] = flags.ports?.[name] ?? file[`${name}-port`] ?? DEFAULT_PORTS[name];
  }
  const tls: { cert?: string; key?: string } = {};
  if (file.tls?.cert !== undefined) tls.cert = file.tls.cert;
  if (file.tls?.key !== undefined) tls.key = file.tls.key;
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new PkError(
      'PK_ERR_CONFIG',
      `tls: set both "tls.cert" and "tls.key", or neither (a self-signed certificate is then made)`,
    );
  }
  const store = flags.store ?? file.store;
  const trusted = file.proxy?.trusted ?? [];
  if (file.proxy?.listeners !== undefined && trusted.length === 0) {
    throw new PkError('PK_ERR_CONFIG', `proxy: "proxy.listeners" needs "proxy.trusted" (the balancers' addresses)`);
  }
  return {
    dataDir,
    ...(store !== undefined ? { store } : {}),
    hostname: flags.hostname ?? file.hostname ?? defaultHostname,
    bind: flags.bind ?? file.bind ?? DEFAULT_BIND,
    ports,
    tls,
    auth: { plaintext: file.auth?.plaintext ?? 'tls-or-loopback' },
    log: { level: file.log?.level ?? 'info' },
    smtp: {
      maxRecipients: file.smtp?.['max-recipients'] ?? 100,
      sendRatePerHour: file.smtp?.['send-rate'] ?? 500,
      processes: file.smtp?.processes ?? 0,
    },
    outbound: {
      ...(file.outbound?.relay !== undefined ? { relay: file.outbound.relay } : {}),
      ...(file.outbound?.['relay-user'] !== undefined ? { relayUser: file.outbound['relay-user'] } : {}),
      ...(file.outbound?.['relay-password'] !== undefined ? { relayPassword: file.outbound['relay-password'] } : {}),
      transport: Object.fromEntries(Object.entries(file.outbound?.transport ?? {}).map(([d, hp]) => [d.toLowerCase(), hp])),
      ...(file.outbound?.['dns-servers'] !== undefined ? { dnsServers: file.outbound['dns-servers'] } : {}),
      ...(file.outbound?.['first-retry'] !== undefined ? { firstRetrySeconds: file.outbound['first-retry'] } : {}),
    },
    proxy: {
      trusted,
      listeners: trusted.length === 0 ? [] : [...new Set(file.proxy?.listeners ?? LISTENER_NAMES)],
    },
  };
}
