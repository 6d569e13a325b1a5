/**
 * Recipients that could not get their copy after the message was accepted for others (the 250
 * covered the whole transaction: a 4xx would have made the sender retry and duplicate the copies
 * that exist). The sender hears of them the way any MTA reports a failure after acceptance: a
 * delivery status notification (RFC 3464), never for a message with the null sender.
 */
import type { Logger } from '../../core/log.ts';
import type { Store } from '../../store/ports.ts';
import { buildDsn, type DsnRecipient } from '../outbound/dsn.ts';
import { deliverReport } from '../outbound/report-delivery.ts';
import type { Outbound } from '../outbound-port.ts';
import type { DeliveryFailure } from './deliver.ts';

const REPLIES: Readonly<Record<DeliveryFailure, string>> = {
  'mailbox-full': '552 5.2.2 mailbox full',
  'exceeds-quota': '552 5.2.2 message exceeds the mailbox quota',
  'message-too-big': '552 5.3.4 message too big',
  unavailable: '451 4.3.0 local delivery failed',
};

export interface LateFailureReport {
  readonly store: Store;
  readonly log: Logger;
  readonly outbound: Outbound | undefined;
  readonly hostname: string;
  readonly sender: string;
  readonly original: Buffer;
  readonly arrivalDate: number;
  readonly now: number;
  readonly failed: readonly { readonly address: string; readonly failure: DeliveryFailure }[];
}

/** Sends the report (to a local sender's INBOX, else through the queue); never throws. */
export async function reportLateFailures(r: LateFailureReport): Promise<void> {
  if (!r.sender || r.failed.length === 0) return;
  const recipients: DsnRecipient[] = r.failed.map((f) => ({ address: f.address, action: 'failed', reply: REPLIES[f.failure] }));
  const dsn = buildDsn({
    reportingMta: r.hostname,
    to: r.sender,
    arrivalDate: r.arrivalDate,
    now: r.now,
    recipients,
    original: r.original,
  });
  const outbound = r.outbound;
  try {
    await deliverReport(
      r.store,
      {
        enqueueRemote: async (to, raw) => {
          if (!outbound) throw new Error('no outbound queue for the delivery report');
          await outbound.enqueue({ sender: '', recipients: [to], raw });
        },
      },
      r.log,
      r.sender,
      dsn,
    );
  } catch (err) {
    r.log.warn({ err, failed: r.failed.length }, 'the report of recipients that failed after 250 could not be sent');
  }
}
