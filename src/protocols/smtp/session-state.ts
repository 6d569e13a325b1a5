/**
 * What postkontor keeps per SMTP session beside the engine's own (engine/session.ts): the
 * connection, the authenticated account, failed AUTH attempts, and how each accepted RCPT TO
 * resolved, so DATA delivers without asking the alias store again.
 */
import type { Connection } from '../../server/protocol.ts';
import type { Account } from '../../store/types.ts';
import type { SmtpSession } from './engine/session.ts';

export type ResolvedRecipient =
  | { readonly kind: 'local'; readonly accounts: readonly Account[]; readonly external: readonly string[] }
  | { readonly kind: 'remote' };

export interface SmtpSessionState {
  readonly conn: Connection;
  account: Account | null;
  failedAuths: number;
  /** Lower-cased RCPT TO address → its resolution; cleared at each MAIL FROM. */
  readonly recipients: Map<string, ResolvedRecipient>;
}

/** An engine session carrying our state: what every hook receives. */
export type PkSmtpSession = SmtpSession<SmtpSessionState>;

export function newSessionState(conn: Connection): SmtpSessionState {
  return { conn, account: null, failedAuths: 0, recipients: new Map() };
}
