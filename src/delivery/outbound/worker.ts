/**
 * The outbound worker: takes due queue items (leased, so one worker per item across nodes),
 * delivers each pending recipient domain by domain, records every recipient's outcome, bounces
 * permanent failures and expired recipients, sends one delay notice, and schedules the retry.
 *
 * Waking up: an enqueue on this node wakes the worker at once; otherwise it sleeps until the
 * queue's next due time, at most `maxSleepMs` (so an item made due by another process, e.g.
 * `postkontor queue retry`, is seen within that time).
 *
 * Delivery is at least once: a crash after the remote server accepted but before the outcome
 * was recorded sends the message again when the lease expires, which is what every MTA does.
 */
import { randomBytes } from 'node:crypto';
import type { ServerConfig } from '../../core/config-schema.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { QueueItem, QueueRecipientStatus, Store } from '../../store/ports.ts';
import { buildDsn, wantsNotice, type DsnRecipient } from './dsn.ts';
import type { ResolveMx } from './mx.ts';
import { deliverReport, type ReportSink } from './report-delivery.ts';
import { retryDelay, type RetryPolicy } from './retry-policy.ts';
import { routeFor } from './route.ts';
import { attemptDelivery, type RecipientOutcome } from './smtp-attempt.ts';

export interface WorkerDeps {
  readonly store: Store;
  readonly config: Pick<ServerConfig, 'hostname' | 'outbound'>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly resolveMx: ResolveMx;
  readonly policy: RetryPolicy;
  readonly sink: ReportSink;
  /** Port of MX hosts (25; tests point MX records at a loopback port). */
  readonly mxPort: number;
  /** Items one batch claims; they are delivered concurrently. */
  readonly batchSize: number;
  readonly maxSleepMs: number;
  readonly smtpTimeouts?: { readonly connectMs?: number; readonly socketMs?: number };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export class OutboundWorker {
  readonly owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /** Stops scheduling and waits for the batch in flight (its leases are finished or expire). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Run a batch now (an enqueue happened). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), 0);
  }

  private async loop(): Promise<void> {
    this.timer = null;
    this.running = (async () => {
      do {
        this.again = false;
        try {
          while (!this.stopped && (await this.runDue()) > 0) {
            // A full batch may mean more is due.
          }
        } catch (err) {
          this.deps.log.error({ err }, 'outbound queue run failed');
        }
      } while (this.again && !this.stopped);
    })();
    await this.running;
    this.running = null;
    await this.scheduleNext();
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped) return;
    let wait = this.deps.maxSleepMs;
    try {
      const due = await this.deps.store.queue.nextDue();
      if (due !== null) wait = Math.min(wait, Math.max(0, due - this.deps.clock.now()));
    } catch (err) {
      this.deps.log.error({ err }, 'outbound queue: cannot read the next due time');
    }
    if (this.stopped || this.running || this.timer) return;
    // Never spin: something due "now" that could not be claimed waits a moment.
    this.timer = setTimeout(() => void this.loop(), Math.max(wait, 50));
    this.timer.unref();
  }

  /** Claims and processes one batch of due items; returns how many it took. */
  async runDue(): Promise<number> {
    const { store, policy, batchSize } = this.deps;
    const items = await store.queue.claim(this.owner, policy.leaseMs, batchSize);
    await Promise.all(items.map((item) => this.process(item)));
    return items.length;
  }

  private async process(item: QueueItem): Promise<void> {
    const { store, log, clock, policy } = this.deps;
    const pending = item.recipients.filter((r) => r.status === 'pending').map((r) => r.address);
    try {
      const outcomes = await this.deliver(item, pending);
      const now = clock.now();
      const expired = now - item.createdAt >= policy.expireMs;
      const updates: { address: string; status: QueueRecipientStatus; reply: string | null }[] = [];
      const failed: DsnRecipient[] = [];
      const deferred: DsnRecipient[] = [];
      for (const o of outcomes) {
        if (o.state === 'delivered') {
          updates.push({ address: o.address, status: 'delivered', reply: o.reply });
        } else if (o.state === 'failed' || expired) {
          const reply = o.state === 'failed' ? o.reply : `450 4.4.7 gave up after ${Math.round(policy.expireMs / 3600_000)} hours; last error: ${o.reply}`;
          updates.push({ address: o.address, status: 'failed', reply });
          failed.push({ address: o.address, action: 'failed', reply, ...(o.remoteMta ? { remoteMta: o.remoteMta } : {}) });
        } else {
          updates.push({ address: o.address, status: 'pending', reply: o.reply });
          deferred.push({ address: o.address, action: 'delayed', reply: o.reply, ...(o.remoteMta ? { remoteMta: o.remoteMta } : {}) });
        }
      }
      const notify = item.dsn?.notify;
      if (item.sender !== '') {
        const bounce = failed.filter((r) => wantsNotice(notify, r.address, 'FAILURE'));
        if (bounce.length > 0) await this.report(item, bounce, now);
      }
      let delayNotified = false;
      if (item.sender !== '' && !item.delayNotified && deferred.length > 0 && now - item.createdAt >= policy.delayNoticeMs) {
        const delay = deferred.filter((r) => wantsNotice(notify, r.address, 'DELAY'));
        if (delay.length > 0) await this.report(item, delay, now);
        delayNotified = true;
      }
      const lastError = [...failed, ...deferred].map((r) => r.reply)[0] ?? null;
      await store.queue.finish(item.id, this.owner, {
        recipients: updates,
        nextAttemptAt: now + retryDelay(item.attempts + 1, policy),
        lastError,
        delayNotified,
      });
      log.info(
        {
          queueId: item.id,
          delivered: updates.filter((u) => u.status === 'delivered').length,
          failed: failed.length,
          deferred: deferred.length,
        },
        'outbound attempt',
      );
    } catch (err) {
      // The lease runs out and the item comes due again.
      log.error({ err, queueId: item.id }, 'outbound attempt failed');
    }
  }

  /** One attempt for every pending recipient, domain by domain (concurrently). */
  private async deliver(item: QueueItem, recipients: readonly string[]): Promise<RecipientOutcome[]> {
    const byDomain = new Map<string, string[]>();
    for (const r of recipients) {
      const d = domainOf(r);
      byDomain.set(d, [...(byDomain.get(d) ?? []), r]);
    }
    const reader = await this.deps.store.queue.open(item.id);
    const results = await Promise.all(
      [...byDomain].map(async ([domain, rcpts]): Promise<RecipientOutcome[]> => {
        const route = await routeFor(domain, this.deps.config.outbound, this.deps.resolveMx, this.deps.mxPort);
        if (route.kind === 'fail') {
          const state = route.reply.startsWith('5') ? 'failed' : 'deferred';
          return rcpts.map((address) => ({ address, state, reply: route.reply }));
        }
        let lastReply = `451 4.4.1 no host for ${domain} could be reached`;
        for (const hop of route.hops) {
          const result = await attemptDelivery({
            hop,
            helo: this.deps.config.hostname,
            sender: item.sender,
            recipients: rcpts,
            size: item.size,
            message: () => reader.stream(),
            dsn: item.dsn,
            ...(this.deps.smtpTimeouts ? { timeouts: this.deps.smtpTimeouts } : {}),
          });
          if (result.reached) return [...result.outcomes];
          lastReply = result.reply;
        }
        // Nobody answered: a temporary failure, whatever the last host said at the greeting.
        const reply = /^4/.test(lastReply) ? lastReply : `451 4.4.1 ${lastReply}`;
        return rcpts.map((address) => ({ address, state: 'deferred' as const, reply }));
      }),
    );
    return results.flat();
  }

  private async report(item: QueueItem, recipients: readonly DsnRecipient[], now: number): Promise<void> {
    const { store, sink, log, config, policy } = this.deps;
    const original = await (await store.queue.open(item.id)).read();
    const raw = buildDsn({
      reportingMta: config.hostname,
      to: item.sender,
      arrivalDate: item.createdAt,
      now,
      ...(item.dsn?.envid ? { envid: item.dsn.envid } : {}),
      ...(item.dsn?.ret ? { ret: item.dsn.ret } : {}),
      recipients,
      retryUntil: item.createdAt + policy.expireMs,
      original,
    });
    const where = await deliverReport(store, sink, log, item.sender, raw);
    log.info({ queueId: item.id, to: item.sender, where, action: recipients[0]?.action }, 'delivery report sent');
  }
}
