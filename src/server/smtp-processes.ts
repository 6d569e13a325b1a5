/**
 * `[smtp] processes = N`: N front-end processes accept inbound SMTP on the MTA port, so that a
 * busy MX uses more than one core (docs/smtp-processes.md has the design and the figures).
 *
 * - node:cluster shares one listening socket; with SCHED_NONE every front end accepts from the
 *   kernel itself, so this process never touches an SMTP connection.
 * - A front end runs the session and the CPU work of a message (SPF/DKIM/DMARC/ARC, MIME
 *   index); this process answers its store and outbound calls (ipc/store-dispatch.ts) with the
 *   one store, its write queue and its change feed: IMAP IDLE, POP3 and the web see a delivery
 *   the moment it commits, as before.
 * - Start-up is all-or-nothing like the other listeners. A front end that dies later is started
 *   again (1 s back-off, doubling to 30 s while it keeps dying); its clients got no 250 for
 *   anything not yet durable, so they retry.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '../core/config-schema.ts';
import { PkError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Outbound } from '../delivery/outbound-port.ts';
import type { Store } from '../store/ports.ts';
import { serveRpc } from './ipc/rpc.ts';
import { storeDispatch } from './ipc/store-dispatch.ts';
import { onFrontEndMessage, type FrontEndMessage } from './smtp-front-end.ts';

const ENTRY = fileURLToPath(new URL('../../bin/postkontor-smtp.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A front end that ran this long before dying restarts after the shortest pause again. */
const STABLE_MS = 60_000;

export interface SmtpProcesses {
  /** The port the front ends share (the configured one, or the one the system chose for 0). */
  readonly port: number;
  stop(): Promise<void>;
}

export interface SmtpProcessesOptions {
  readonly count: number;
  readonly config: ServerConfig;
  readonly store: Store;
  readonly outbound: Outbound | undefined;
  readonly log: Logger;
}

function exited(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) resolve();
    else worker.once('exit', () => resolve());
  });
}

export async function startSmtpProcesses(opts: SmtpProcessesOptions): Promise<SmtpProcesses> {
  const { config, log } = opts;
  const dispatch = storeDispatch(opts.store, opts.outbound, log.child({ proc: 'smtp' }));
  // Each front end accepts for itself: no round trip through this process per connection.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    exec: ENTRY,
    args: [],
    // Node's own flags (tsx, profiling) carry over; a test runner's or an inspector's must not.
    execArgv: process.execArgv.filter((a) => !/^--(test|experimental-test|inspect|watch)/.test(a)),
    serialization: 'advanced',
    silent: false,
  });
  const workers = new Set<Worker>();
  let stopping = false;

  /** Forks one front end; resolves with its port once it listens. */
  const fork = (slot: number): Promise<{ worker: Worker; port: number }> => {
    // One process per core is the point: the worker-thread pool would only add hand-offs.
    const worker = cluster.fork({ PK_WORKER_THREADS: '0', PK_SMTP_SLOT: String(slot) });
    workers.add(worker);
    serveRpc(worker, dispatch);
    const startedAt = Date.now();
    const ready = new Promise<{ worker: Worker; port: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PkError('PK_ERR_CONFIG', 'an SMTP process did not start in time')), START_TIMEOUT_MS);
      onFrontEndMessage(worker, (m: FrontEndMessage) => {
        if (m.pk === 'hello') {
          // A front end still starting when the server began to stop missed the shutdown: now.
          worker.send(stopping ? ({ pk: 'shutdown' } satisfies FrontEndMessage) : ({ pk: 'config', config } satisfies FrontEndMessage));
        } else if (m.pk === 'listening') {
          clearTimeout(timer);
          resolve({ worker, port: m.port });
        } else if (m.pk === 'failed') {
          clearTimeout(timer);
          reject(new PkError('PK_ERR_CONFIG', `SMTP process: ${m.message}`));
        }
      });
      worker.once('exit', (code, signal) => {
        clearTimeout(timer);
        workers.delete(worker);
        reject(new PkError('PK_ERR_CONFIG', `an SMTP process exited at start-up (${signal ?? `code ${code}`})`));
      });
    });
    void ready.then(
      () => {
        worker.once('exit', (code, signal) => {
          workers.delete(worker);
          if (stopping) return;
          const ranMs = Date.now() - startedAt;
          log.error({ slot, pid: worker.process.pid, code, signal }, 'an SMTP process died; starting another');
          restart(slot, ranMs >= STABLE_MS ? RESTART_MIN_MS : undefined);
        });
      },
      () => undefined,
    );
    return ready;
  };

  const backoff = new Map<number, number>();
  const restart = (slot: number, resetTo?: number): void => {
    const wait = resetTo ?? Math.min(RESTART_MAX_MS, (backoff.get(slot) ?? RESTART_MIN_MS / 2) * 2);
    backoff.set(slot, wait);
    const timer = setTimeout(() => {
      if (stopping) return;
      fork(slot).catch((err: unknown) => {
        log.error({ err, slot }, 'an SMTP process could not be started again');
        restart(slot);
      });
    }, wait);
    timer.unref();
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    const all = [...workers];
    for (const w of all) {
      try {
        w.send({ pk: 'shutdown' } satisfies FrontEndMessage);
      } catch {
        // Already gone.
      }
    }
    const timer = setTimeout(() => {
      for (const w of all) if (!w.isDead()) w.process.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    await Promise.all(all.map(exited));
    clearTimeout(timer);
  };

  try {
    const first = await fork(1);
    // The others share the first one's socket, also when the config said port 0.
    const rest = await Promise.all(Array.from({ length: opts.count - 1 }, (_, i) => fork(i + 2)));
    const port = first.port;
    if (rest.some((r) => r.port !== port)) throw new PkError('PK_ERR_CONFIG', 'SMTP processes did not share one port');
    log.info({ processes: opts.count, port }, 'SMTP processes listening');
    return { port, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
