/**
 * SPF, DKIM, DMARC and ARC verification of an inbound message (mailauth 4.13.3), giving the
 * Authentication-Results (RFC 8601) and Received-SPF headers to prepend, and the one decision
 * delivery needs from it.
 *
 * DMARC policy: a message that fails DMARC of a domain publishing p=reject or p=quarantine is
 * accepted and filed into the recipient's Junk folder, never refused at SMTP time. Refusing
 * loses legitimate mail that mailing lists and forwarders break (and the sender rarely sees the
 * bounce); Junk keeps it findable while out of the INBOX. `pct` is not sampled: Junk costs little.
 */
import { authenticate } from 'mailauth';
import type { Logger } from '../../core/log.ts';
import type { DnsLookup } from './dns-resolver.ts';

export interface AuthCheckInput {
  readonly raw: Buffer;
  readonly remoteAddress: string;
  readonly helo: string;
  /** Envelope sender; '' for the null reverse-path (SPF then checks the HELO name). */
  readonly sender: string;
  /** Our hostname: the authserv-id of the header. */
  readonly hostname: string;
  readonly dns: DnsLookup;
}

export interface AuthCheck {
  /** Header lines with CRLFs, ready to prepend. */
  readonly headers: string;
  /** DMARC failed under p=reject or p=quarantine. */
  readonly quarantine: boolean;
  /** `dmarc=pass` etc., for the log. */
  readonly summary: string;
}

function plainIp(ip: string): string {
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

export async function checkAuthentication(input: AuthCheckInput, log: Logger): Promise<AuthCheck> {
  try {
    const result = await authenticate(input.raw, {
      ip: plainIp(input.remoteAddress),
      helo: input.helo,
      sender: input.sender,
      mta: input.hostname,
      resolver: input.dns,
      disableBimi: true,
    });
    const dmarc = result.dmarc;
    const dmarcResult = dmarc ? dmarc.status.result : 'none';
    const policy = dmarc ? dmarc.policy : 'none';
    const quarantine = dmarcResult === 'fail' && (policy === 'reject' || policy === 'quarantine');
    const spf = result.spf ? result.spf.status.result : 'none';
    const dkim = result.dkim.results.map((r) => r.status.result).join(',') || 'none';
    return { headers: result.headers, quarantine, summary: `spf=${spf} dkim=${dkim} dmarc=${dmarcResult} policy=${policy}` };
  } catch (err) {
    // Verification must never cost a message: record that nothing could be checked.
    log.warn({ err }, 'message authentication failed; delivering without results');
    return { headers: `Authentication-Results: ${input.hostname}; none\r\n`, quarantine: false, summary: 'error' };
  }
}
