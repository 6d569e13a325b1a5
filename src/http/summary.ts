/** The API's `Summary` (docs/web-api.md): the store's MessageSummary minus internal ids. */
import type { DisplayAddress } from '../mime/display-address.ts';
import type { MessageSummary } from '../store/ports.ts';

export interface SummaryJson {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly internalDate: number;
  readonly date: number | null;
  readonly size: number;
  readonly subject: string;
  readonly from: readonly DisplayAddress[];
  readonly to: readonly DisplayAddress[];
  readonly cc: readonly DisplayAddress[];
  readonly preview: string;
  readonly hasAttachments: boolean;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly baseSubject: string;
}

export function summaryJson(s: MessageSummary): SummaryJson {
  return {
    uid: s.uid,
    flags: s.flags,
    internalDate: s.internalDate,
    date: s.date,
    size: s.size,
    subject: s.subject,
    from: s.from,
    to: s.to,
    cc: s.cc,
    preview: s.preview,
    hasAttachments: s.hasAttachments,
    messageId: s.messageId,
    inReplyTo: s.inReplyTo,
    references: s.references,
    baseSubject: s.baseSubject,
  };
}
