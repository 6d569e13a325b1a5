/**
 * The local delivery pipeline shared by inbound SMTP, submission (local recipients) and a future
 * LMTP listener: one copy per local account (an address and its aliases never give an account
 * two copies), forwarding (`forward.to`, handed to the outbound queue) with `forward.keep`
 * deciding the local copy, quota, DMARC quarantine into Junk. It resolves once every copy that
 * was stored is durable, and reports per recipient, so that a caller never answers 4xx for a
 * whole message of which some copies already exist (the sender's retry would duplicate them).
 */
import { isPkError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Store } from '../../store/ports.ts';
import type { Account, Mailbox } from '../../store/types.ts';
import type { Outbound } from '../outbound-port.ts';
import { fileLocalCopy } from './filing.ts';
import { quotaVerdict } from './quota.ts';

/** One RCPT TO address as the alias store resolved it. */
export interface LocalRecipient {
  readonly address: string;
  /** Local accounts that get a copy. */
  readonly accounts: readonly Account[];
  /** Addresses elsewhere an alias sends it on to. */
  readonly external: readonly string[];
}

export interface LocalDeliveryInput {
  /** The message as stored: trace headers already prepended, CRLF line ends. */
  readonly raw: Buffer;
  /** Envelope sender; '' for the null reverse-path. */
  readonly sender: string;
  readonly recipients: readonly LocalRecipient[];
  /** DMARC said reject/quarantine and the check failed: file into Junk, forward nothing. */
  readonly junk?: boolean;
}

/**
 * `mailbox-full` may pass later (4.2.2); `exceeds-quota` and `message-too-big` never will (5.2.2,
 * 5.3.4); `unavailable` is a temporary store or queue failure (4.3.0).
 */
export type DeliveryFailure = 'mailbox-full' | 'exceeds-quota' | 'message-too-big' | 'unavailable';

export type RecipientResult =
  | { readonly address: string; readonly ok: true }
  | { readonly address: string; readonly ok: false; readonly failure: DeliveryFailure };

export interface LocalDeliveryDeps {
  readonly store: Store;
  readonly log: Logger;
  /** Absent until the outbound queue lands: forwarding then keeps the copy in INBOX. */
  readonly outbound?: Outbound | undefined;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly failure: DeliveryFailure };

const OK: Outcome = { ok: true };

function failureOf(err: unknown, account: Account, size: number): DeliveryFailure {
  if (isPkError(err, 'OverQuota')) return quotaVerdict(account, size) === 'too-big' ? 'exceeds-quota' : 'mailbox-full';
  if (isPkError(err, 'TooBig')) return 'message-too-big';
  return 'unavailable';
}

async function targetMailbox(store: Store, account: Account, role: Mailbox['role']): Promise<Mailbox | null> {
  if (role && role !== 'inbox') {
    const mb = await store.mailboxes.byRole(account.id, role);
    if (mb) return mb;
  }
  // A role mailbox the user deleted: the copy still must not be lost.
  return store.mailboxes.get(account.id, 'INBOX');
}

async function deliverToAccount(deps: LocalDeliveryDeps, input: LocalDeliveryInput, account: Account): Promise<Outcome> {
  const { store, log, outbound } = deps;
  const size = input.raw.length;
  try {
    const { values } = await store.settings.get(account.id);
    const forwardTo = values['forward.to'];
    let forwarded = false;
    if (forwardTo && !input.junk) {
      if (outbound) {
        // SRS (srsDomain): the envelope sender becomes an address of the forwarding account's
        // domain, so SPF passes at the next hop and bounces find their way back to the sender.
        await outbound.enqueue({
          sender: input.sender,
          recipients: [forwardTo],
          raw: input.raw,
          accountId: account.id,
          ...(input.sender ? { srsDomain: account.domain } : {}),
        });
        forwarded = true;
      } else {
        log.warn({ account: account.address }, 'forward.to is set but outbound delivery is not available; keeping the message');
      }
    }
    const filing = fileLocalCopy({ junk: input.junk ?? false, forwarded, keep: values['forward.keep'] });
    const mailbox = await targetMailbox(store, account, filing.role);
    if (!mailbox) return { ok: false, failure: 'unavailable' };
    await store.messages.append(account.id, mailbox.id, { raw: input.raw, flags: filing.flags });
    return OK;
  } catch (err) {
    const failure = failureOf(err, account, size);
    log[failure === 'unavailable' ? 'error' : 'info']({ err, account: account.address, size }, 'local delivery failed');
    return { ok: false, failure };
  }
}

async function forwardExternal(
  deps: LocalDeliveryDeps,
  input: LocalDeliveryInput,
  to: readonly string[],
  srsDomain: string | undefined,
): Promise<Outcome> {
  if (to.length === 0) return OK;
  if (!deps.outbound || input.junk) return { ok: false, failure: 'unavailable' };
  try {
    await deps.outbound.enqueue({
      sender: input.sender,
      recipients: to,
      raw: input.raw,
      ...(input.sender && srsDomain ? { srsDomain } : {}),
    });
    return OK;
  } catch (err) {
    deps.log.error({ err, recipients: to.length }, 'alias forwarding could not be queued');
    return { ok: false, failure: 'unavailable' };
  }
}

/**
 * A store that lives in another process (an SMTP front end's, src/server/ipc/remote-store.ts)
 * offers the whole pipeline there under this key: one round trip instead of one per step.
 */
export const DELIVER_WHERE_STORED = Symbol.for('postkontor.deliverWhereStored');

type RemoteDelivery = (input: LocalDeliveryInput) => Promise<RecipientResult[]>;

/** Delivers to every recipient; resolves when each stored copy is durable. */
export async function deliverLocally(deps: LocalDeliveryDeps, input: LocalDeliveryInput): Promise<RecipientResult[]> {
  const remote = (deps.store as unknown as { [DELIVER_WHERE_STORED]?: RemoteDelivery })[DELIVER_WHERE_STORED];
  if (remote) return remote(input);
  const perAccount = new Map<number, Promise<Outcome>>();
  const external = new Set<string>();
  // The SRS domain of alias forwarding: the (local) domain of the alias that sends it on.
  let srsDomain: string | undefined;
  for (const r of input.recipients) {
    for (const a of r.accounts) if (!perAccount.has(a.id)) perAccount.set(a.id, deliverToAccount(deps, input, a));
    for (const x of r.external) external.add(x.toLowerCase());
    if (r.external.length > 0) srsDomain ??= r.address.slice(r.address.lastIndexOf('@') + 1).toLowerCase();
  }
  const forwarded = forwardExternal(deps, input, [...external], srsDomain);
  const results: RecipientResult[] = [];
  for (const r of input.recipients) {
    const outcomes = await Promise.all([
      ...r.accounts.map((a) => perAccount.get(a.id)!),
      ...(r.external.length ? [forwarded] : []),
    ]);
    // An alias to several accounts counts as delivered once any copy exists (a retry would
    // duplicate it for the others); the failed accounts are logged above.
    const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
    if (outcomes.length > 0 && failed.length === outcomes.length) {
      results.push({ address: r.address, ok: false, failure: failed[0]!.failure });
    } else {
      results.push({ address: r.address, ok: true });
    }
  }
  return results;
}
