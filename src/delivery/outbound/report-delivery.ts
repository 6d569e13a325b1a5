/**
 * Where a delivery report goes: into the INBOX of the sender's local account(s) when the
 * sender is one of ours (directly or through an alias), else back out through the queue with
 * the null sender, so that a report about a report can never be made (RFC 5321 §4.5.5).
 */
import type { Logger } from '../../core/log.ts';
import type { Store } from '../../store/ports.ts';
import type { Account } from '../../store/types.ts';

export interface ReportSink {
  /** Queues a report for remote delivery (sender ''). */
  enqueueRemote(to: string, raw: Buffer): Promise<void>;
}

async function localAccounts(store: Store, address: string): Promise<Account[]> {
  const direct = await store.accounts.get(address.toLowerCase());
  if (direct) return [direct];
  try {
    return [...(await store.aliases.resolve(address)).accounts];
  } catch {
    // Not an address the alias table can even parse: certainly not local.
    return [];
  }
}

/** Delivers `raw` to `to`; resolves once it is durable somewhere (INBOX or queue). */
export async function deliverReport(store: Store, sink: ReportSink, log: Logger, to: string, raw: Buffer): Promise<'local' | 'remote'> {
  const accounts = await localAccounts(store, to);
  if (accounts.length === 0) {
    await sink.enqueueRemote(to, raw);
    return 'remote';
  }
  for (const account of accounts) {
    const inbox = await store.mailboxes.get(account.id, 'INBOX');
    if (!inbox) {
      log.warn({ account: account.address }, 'delivery report dropped: the account has no INBOX');
      continue;
    }
    try {
      await store.messages.append(account.id, inbox.id, { raw });
    } catch (err) {
      // A full mailbox cannot take its own bounce; the report is lost, the log says so.
      log.warn({ err, account: account.address }, 'delivery report could not be stored');
    }
  }
  return 'local';
}
