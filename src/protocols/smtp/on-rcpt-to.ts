/**
 * RCPT TO: the recipient limit, then local domain or not. Mail for another domain is relaying,
 * allowed to authenticated senders only (and only once the outbound queue exists); mail for a
 * local domain must resolve to an account or alias, and a full mailbox is refused now rather
 * than bounced later. The resolution is kept for DATA.
 */
import { normalizeDomain, parseAddress } from '../../core/address.ts';
import type { Store } from '../../store/ports.ts';
import { quotaVerdict } from '../../delivery/local/quota.ts';
import type { SmtpDeps } from './deps.ts';
import type { SmtpRecipient } from './engine/envelope.ts';
import { smtpReply, type SmtpReply } from './engine/reply.ts';
import type { PkSmtpSession } from './session-state.ts';

export const OUTBOUND_UNAVAILABLE = 'outbound delivery is not available yet';

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Address literals (`[192.0.2.1]`) and names we could never host are simply not local. */
async function isLocalDomain(store: Store, domain: string): Promise<boolean> {
  let name: string;
  try {
    name = normalizeDomain(domain);
  } catch {
    return false;
  }
  return store.domains.exists(name);
}

export async function onRcptTo(deps: SmtpDeps, rcpt: SmtpRecipient, session: PkSmtpSession): Promise<SmtpReply | null> {
  const state = session.state;
  const { store, config, outbound } = deps.ctx;
  const key = rcpt.address.toLowerCase();
  const max = config.smtp.maxRecipients;
  const known = session.envelope.rcptTo.some((r) => r.address.toLowerCase() === key);
  if (!known && session.envelope.rcptTo.length >= max) {
    return smtpReply(452, '4.5.3', `too many recipients (at most ${max} per message)`);
  }
  // RFC 5321 §4.1.1.3: the domainless <postmaster> is this host's postmaster.
  const target = key === 'postmaster' ? `postmaster@${config.hostname}` : rcpt.address;
  const domain = domainOf(target);
  if (key === 'postmaster' && !(await isLocalDomain(store, domain))) {
    return smtpReply(550, '5.1.1', '<postmaster>: no such user here');
  }
  if (!(await isLocalDomain(store, domain))) {
    if (!state.account) return smtpReply(554, '5.7.1', 'relay access denied');
    if (!outbound) return smtpReply(451, '4.3.0', OUTBOUND_UNAVAILABLE);
    state.recipients.set(key, { kind: 'remote' });
    return null;
  }
  let address: string;
  try {
    address = parseAddress(target).address;
  } catch {
    return smtpReply(550, '5.1.1', `<${rcpt.address}>: no such user here`);
  }
  const { accounts, external } = await store.aliases.resolve(address);
  if (accounts.length === 0 && external.length === 0) {
    return smtpReply(550, '5.1.1', `<${rcpt.address}>: no such user here`);
  }
  if (external.length > 0 && !outbound) return smtpReply(451, '4.3.0', OUTBOUND_UNAVAILABLE);
  if (external.length === 0) {
    const size = session.envelope.size;
    const verdicts = accounts.map((a) => quotaVerdict(a, size));
    if (verdicts.every((v) => v === 'too-big')) {
      return smtpReply(552, '5.2.2', `<${rcpt.address}>: message exceeds the mailbox quota`);
    }
    if (verdicts.every((v) => v !== 'ok')) return smtpReply(452, '4.2.2', `<${rcpt.address}>: mailbox full`);
  }
  state.recipients.set(key, { kind: 'local', accounts, external });
  return null;
}
