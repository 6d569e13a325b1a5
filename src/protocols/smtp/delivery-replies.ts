/**
 * The DATA reply when no recipient got the message (when some did, the answer is 250 and the
 * others are reported after the fact: a 4xx would make the sender retry and duplicate the copies
 * that exist). The "worst" failure decides: a permanent one only when every failure is permanent.
 */
import type { DeliveryFailure } from '../../delivery/local/deliver.ts';
import { smtpReply, type SmtpReply } from './engine/reply.ts';

export function failureReply(failures: readonly DeliveryFailure[]): SmtpReply {
  if (failures.includes('unavailable')) return smtpReply(451, '4.3.0', 'local delivery failed; try again later');
  if (failures.includes('mailbox-full')) return smtpReply(452, '4.2.2', 'mailbox full');
  if (failures.includes('message-too-big')) return smtpReply(552, '5.3.4', 'message too big');
  return smtpReply(552, '5.2.2', 'message exceeds the mailbox quota');
}
