/**
 * SMTP as the composition root plugs it in: the MTA on `smtp` (25; mail for local domains from
 * anyone, relaying only after AUTH) and submission on `submission` (587, STARTTLS) and
 * `submissions` (465, implicit TLS), AUTH required. Tests build their own with
 * `createSmtpProtocol` (in-memory DNS, a small SIZE).
 */
import { LIMITS } from '../../core/limits.ts';
import type { ProtocolFactory } from '../../server/protocol.ts';
import { LISTENER_KINDS } from '../../server/protocol.ts';
import { systemDnsLookup, type DnsLookup } from './dns-resolver.ts';
import { createSmtpListener } from './listener.ts';
import { warmWorkerPool } from '../../mime/worker-pool.ts';
import { INDEX_TASKS } from '../../mime/index-pool.ts';
import { AUTH_TASKS } from './authentication-results.ts';
import { sendRateFor } from '../../delivery/send-rate.ts';

export interface SmtpProtocolOptions {
  /** DNS for SPF/DKIM/DMARC/ARC; node:dns (with `outbound.dns-servers`) by default. */
  readonly dns?: DnsLookup;
  /** SIZE; LIMITS.messageBytes by default. */
  readonly maxMessageBytes?: number;
}

export function createSmtpProtocol(opts: SmtpProtocolOptions = {}): ProtocolFactory {
  return (ctx, listener) => {
    const implicitTls = LISTENER_KINDS[listener].implicitTls;
    // Verification and indexing run on worker threads that take a moment to load: start them now.
    if (listener === 'smtp') warmWorkerPool([AUTH_TASKS, INDEX_TASKS]);
    const smtp = createSmtpListener(
      {
        ctx,
        listener,
        submission: listener !== 'smtp',
        dns: opts.dns ?? systemDnsLookup(ctx.config.outbound.dnsServers),
        sendRate: sendRateFor(ctx, ctx.store.sendLog, ctx.clock, ctx.config.smtp.sendRatePerHour),
        maxMessageBytes: opts.maxMessageBytes ?? LIMITS.messageBytes,
      },
      implicitTls,
    );
    return {
      starttls: !implicitTls,
      handle: (conn) => smtp.handle(conn),
      shutdown: () => {
        smtp.shutdown();
        return Promise.resolve();
      },
    };
  };
}

export const smtpProtocol: ProtocolFactory = createSmtpProtocol();
