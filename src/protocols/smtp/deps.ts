/** What the SMTP hooks share per listener. */
import type { ListenerName } from '../../core/config-schema.ts';
import type { ServerContext } from '../../server/protocol.ts';
import type { DnsLookup } from './dns-resolver.ts';
import type { SendRateLimiter } from '../../delivery/send-rate.ts';

export interface SmtpDeps {
  readonly ctx: ServerContext;
  readonly listener: ListenerName;
  /** Submission listeners (587, 465) require AUTH; the MTA listener (25) takes mail for local domains from anyone. */
  readonly submission: boolean;
  readonly dns: DnsLookup;
  /** Shared by every listener of the node. */
  readonly sendRate: SendRateLimiter;
  /** SIZE: the largest message accepted. */
  readonly maxMessageBytes: number;
}
