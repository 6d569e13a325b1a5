/**
 * The outbound queue as the composition root starts it: `startOutbound(deps)` gives the
 * `Outbound` that submission, forwarding and bounces hand messages to, and `stop()`.
 *
 *   const { outbound, stop } = startOutbound({ store, config, log, clock });
 *   // ServerContext.outbound = outbound; on shutdown: await stop() before store.close()
 */
import { systemClock, type Clock } from '../../core/clock.ts';
import type { ServerConfig } from '../../core/config-schema.ts';
import { PkError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Store } from '../../store/ports.ts';
import type { Outbound, OutboundMessage } from '../outbound-port.ts';
import { signOutgoing } from './dkim-sign.ts';
import { systemResolveMx, type ResolveMx } from './mx.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import { OutboundWorker } from './worker.ts';

import { srsRewrite } from './srs.ts';
import { loadSrsSecret } from './srs-secret.ts';

export { srsRewrite, srsReverse } from './srs.ts';
export { loadSrsSecret } from './srs-secret.ts';
export type { ResolveMx, MxRecord } from './mx.ts';
export type { RetryPolicy } from './retry-policy.ts';

export interface OutboundDeps {
  readonly store: Store;
  /** `dataDir` holds the SRS secret (srs.secret) unless `srsSecret` is given. */
  readonly config: Pick<ServerConfig, 'hostname' | 'outbound'> & { readonly dataDir?: string };
  readonly srsSecret?: string;
  readonly log: Logger;
  readonly clock?: Clock;
  /** MX lookups (default: node:dns with `config.outbound.dnsServers`). */
  readonly resolveMx?: ResolveMx;
  readonly policy?: Partial<RetryPolicy>;
  /** Port MX hosts listen on (25; tests use a loopback port). */
  readonly mxPort?: number;
  /** Start the worker's loop (default true; tests drive `worker.runDue()` themselves). */
  readonly autoStart?: boolean;
  /** Longest sleep between looks at the queue (default 60 s). */
  readonly maxSleepMs?: number;
  readonly smtpTimeouts?: { readonly connectMs?: number; readonly socketMs?: number };
}

export interface RunningOutbound {
  readonly outbound: Outbound;
  readonly worker: OutboundWorker;
  /** Stops the worker and waits for the attempts in flight. Safe to call twice. */
  stop(): Promise<void>;
}

/** Signs, stores durably, and wakes the worker. */
export class QueueOutbound implements Outbound {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly wake: () => void,
    private readonly srsSecret: () => Promise<string>,
  ) {}

  async enqueue(message: OutboundMessage): Promise<{ readonly id: string }> {
    if (message.recipients.length === 0) {
      throw new PkError('PK_ERR_INVALID_ADDRESS', 'an outbound message needs at least one recipient');
    }
    const sender =
      message.srsDomain !== undefined && message.sender !== ''
        ? srsRewrite(message.sender, message.srsDomain, await this.srsSecret(), this.clock.now())
        : message.sender;
    const raw = await signOutgoing(this.store.dkimKeys, message.raw, sender, this.clock.now());
    const item = await this.store.queue.enqueue({
      sender,
      recipients: message.recipients,
      raw,
      ...(message.accountId !== undefined ? { accountId: message.accountId } : {}),
      ...(message.dsn ? { dsn: message.dsn } : {}),
    });
    this.wake();
    return { id: String(item.id) };
  }
}

export function startOutbound(deps: OutboundDeps): RunningOutbound {
  const clock = deps.clock ?? systemClock;
  const policy = { ...DEFAULT_RETRY_POLICY, ...deps.policy };
  let worker: OutboundWorker | null = null;
  let secret: Promise<string> | null = deps.srsSecret !== undefined ? Promise.resolve(deps.srsSecret) : null;
  const srsSecret = (): Promise<string> => {
    if (secret) return secret;
    const dir = deps.config.dataDir;
    if (dir === undefined) return Promise.reject(new Error('SRS needs config.dataDir or deps.srsSecret'));
    return (secret = loadSrsSecret(dir));
  };
  const outbound = new QueueOutbound(deps.store, clock, () => worker?.wake(), srsSecret);
  worker = new OutboundWorker({
    store: deps.store,
    config: deps.config,
    log: deps.log,
    clock,
    resolveMx: deps.resolveMx ?? systemResolveMx(deps.config.outbound.dnsServers),
    policy,
    // Reports to remote senders go out with the null sender: never bounced again.
    sink: { enqueueRemote: async (to, raw) => void (await outbound.enqueue({ sender: '', recipients: [to], raw })) },
    mxPort: deps.mxPort ?? 25,
    batchSize: 16,
    maxSleepMs: deps.maxSleepMs ?? 60_000,
    ...(deps.smtpTimeouts ? { smtpTimeouts: deps.smtpTimeouts } : {}),
  });
  if (deps.autoStart !== false) worker.start();
  let stopping: Promise<void> | null = null;
  const w = worker;
  return { outbound, worker: w, stop: () => (stopping ??= w.stop()) };
}
