/**
 * What we keep per SMTP session beside smtp-server's own session object: the authenticated
 * account (typed, instead of the library's `session.user: any`), failed AUTH attempts, and how
 * each accepted RCPT TO resolved, so DATA delivers without asking the alias store again.
 */
import type { SMTPServerSession } from 'smtp-server';
import type { Connection } from '../../server/protocol.ts';
import type { Account } from '../../store/types.ts';

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

const states = new WeakMap<SMTPServerSession, SmtpSessionState>();

export function attachState(session: SMTPServerSession, conn: Connection): SmtpSessionState {
  const state: SmtpSessionState = { conn, account: null, failedAuths: 0, recipients: new Map() };
  states.set(session, state);
  return state;
}

export function stateOf(session: SMTPServerSession): SmtpSessionState {
  const state = states.get(session);
  if (!state) throw new Error('SMTP session without postkontor state');
  return state;
}
