/**
 * MAIL FROM. Authenticated sessions (submission, or AUTH on port 25) may only use an address of
 * their own account and are held to the per-account sending rate; on the submission listeners
 * nothing goes without AUTH. The MTA takes any sender: SPF judges it at DATA. SIZE= over the
 * limit never gets here (the engine answers 552 5.3.4).
 */
import type { SmtpDeps } from './deps.ts';
import { smtpReply, type SmtpReply } from './engine/reply.ts';
import type { SmtpPath } from './engine/path.ts';
import { mayUseAddress } from '../../delivery/sender-identity.ts';
import type { Account } from '../../store/types.ts';
import type { PkSmtpSession } from './session-state.ts';

/** Synchronous where nothing needs the store (port 25 without AUTH): no promise per message. */
export function onMailFrom(deps: SmtpDeps, from: SmtpPath, session: PkSmtpSession): SmtpReply | null | Promise<SmtpReply | null> {
  const state = session.state;
  state.recipients.clear();
  const account = state.account;
  if (!account) {
    return deps.submission ? smtpReply(530, '5.7.0', 'Authentication required') : null;
  }
  return checkSender(deps, from, account);
}

async function checkSender(deps: SmtpDeps, from: SmtpPath, account: Account): Promise<SmtpReply | null> {
  const wait = await deps.sendRate.retryAfter(account.id);
  if (wait > 0) {
    const minutes = Math.max(1, Math.ceil(wait / 60_000));
    return smtpReply(
      450,
      '4.7.1',
      `sending rate limit reached (${deps.ctx.config.smtp.sendRatePerHour} messages per hour); try again in ${minutes} minute${minutes > 1 ? 's' : ''}`,
    );
  }
  if (from.address === '' || !(await mayUseAddress(deps.ctx.store, account, from.address))) {
    return smtpReply(553, '5.7.1', `<${from.address}>: sender address not owned by ${account.address}`);
  }
  return null;
}
