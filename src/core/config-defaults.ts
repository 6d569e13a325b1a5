/**
 * The configuration's vocabulary without the validator: listener names, development defaults,
 * policies. Kept apart from config-schema.ts so that the CLI can name its flags without loading zod.
 */

/** Every listener the server can run, in the order the startup screen lists them. */
export const LISTENER_NAMES = [
  'imap',
  'imaps',
  'pop3',
  'pop3s',
  'smtp',
  'submission',
  'submissions',
  'http',
] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

/** Development ports (unprivileged); production configs set 143, 993, 110, 995, 25, 587, 465, 443. */
export const DEFAULT_PORTS: Readonly<Record<ListenerName, number>> = {
  imap: 1143,
  imaps: 1993,
  pop3: 1110,
  pop3s: 1995,
  smtp: 2525,
  submission: 1587,
  submissions: 1465,
  http: 8080,
};

/** Loopback only by default, so a development server is not reachable from the network. */
export const DEFAULT_BIND = '127.0.0.1';

export const PLAINTEXT_POLICIES = ['tls-or-loopback', 'tls-only', 'always'] as const;
export type PlaintextPolicy = (typeof PLAINTEXT_POLICIES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
