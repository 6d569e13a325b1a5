/**
 * What the SMTP engine needs from its host: per-listener settings and the four hooks (AUTH, MAIL,
 * RCPT, DATA) where the application decides. Hooks may answer synchronously or with a promise;
 * a refusal is an SmtpReply with its exact words.
 */
import type { SecureContext } from 'node:tls';
import type { Logger } from '../../../core/log.ts';
import type { SmtpRecipient } from './envelope.ts';
import type { SmtpPath } from './path.ts';
import type { SmtpReply } from './reply.ts';
import type { AuthCredentials } from './sasl.ts';
import type { SmtpSession } from './session.ts';

export type MaybePromise<T> = T | Promise<T>;

export interface SmtpHooks<S> {
  /** The credentials of a finished AUTH exchange: the user name on success, or the refusal. */
  auth(session: SmtpSession<S>, credentials: AuthCredentials): MaybePromise<{ readonly user: string } | SmtpReply>;
  /** MAIL FROM after the engine checked its syntax and parameters; null accepts. */
  mailFrom(session: SmtpSession<S>, from: SmtpPath): MaybePromise<SmtpReply | null>;
  /** RCPT TO (not yet in `session.envelope.rcptTo`); null accepts. */
  rcptTo(session: SmtpSession<S>, rcpt: SmtpRecipient): MaybePromise<SmtpReply | null>;
  /** The whole message (dot-unstuffed, within the size limit): the 250 text, or the refusal. */
  data(session: SmtpSession<S>, message: Buffer): MaybePromise<string | SmtpReply>;
  /** Maps a hook that threw or rejected to the reply (the session lives on unless it is a 421). */
  failed(session: SmtpSession<S>, err: unknown, command: 'AUTH' | 'MAIL' | 'RCPT' | 'DATA'): SmtpReply;
}

/** One listener's settings, shared by its sessions. */
export interface SmtpEngineConfig {
  /** Our name in the greeting and EHLO. */
  readonly hostname: string;
  /** Implicit TLS (465): the socket is a TLSSocket already. */
  readonly implicitTls: boolean;
  /** STARTTLS is offered on a plain connection with this context (null: never offered). */
  readonly starttls: SecureContext | null;
  /** Submission: MAIL, RCPT and DATA need AUTH first (RFC 6409 §4.3). */
  readonly authRequired: boolean;
  /** SIZE (RFC 1870). */
  readonly maxMessageBytes: number;
  /** May a password travel over this connection now (`auth.plaintext`)? Hides AUTH and answers 538 when not. */
  passwordAllowed(secure: boolean, remoteAddress: string): boolean;
  readonly idleTimeoutMs: number;
}

/** The session's view of one connection. */
export interface SmtpPeer {
  readonly remoteAddress: string;
  readonly log: Logger;
}
