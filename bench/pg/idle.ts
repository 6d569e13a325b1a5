/**
 * Figure 2: IDLE notification latency. N clients on one node select `idle@bench.test`'s INBOX and
 * IDLE; another client (on the other node, or on the same node for comparison) flips \Seen on
 * message 1 (`STORE 1 +FLAGS (\Seen)`, then `-FLAGS`), waiting each time for its tagged OK and for
 * every idler's `* 1 FETCH`. The latency is from the changer's OK arriving to an idler's FETCH
 * arriving (negative when the idler heard first), over every idler and sample; "last" is the
 * slowest idler of each sample.
 */
import { ImapClient } from '../imap/client.ts';
import { percentile } from '../shared/proc.ts';
import { IDLE_USER, PASSWORD } from './setup.ts';

export interface Spread {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface IdleLatency {
  readonly idlers: number;
  /** Every idler's latency of every sample. */
  readonly all: Spread;
  /** The slowest idler of each sample. */
  readonly last: Spread;
  /** Samples in which some idler heard nothing within 3 s. */
  readonly missed: number;
}

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
}

export async function idleLatency(changerPort: number, idlerPort: number, idlers: number, samples: number): Promise<IdleLatency> {
  const clients: ImapClient[] = [];
  const dones: { done(): Promise<unknown> }[] = [];
  const heardAt: (number | null)[] = new Array<number | null>(idlers).fill(null);
  let onHeard: (() => void) | null = null;
  let changer: ImapClient | null = null;
  try {
    // Message 1 starts without \Seen, so the first `+FLAGS` below is a change (a no-op STORE notifies nobody).
    changer = await ImapClient.session(changerPort, IDLE_USER, PASSWORD, 'INBOX');
    await changer.ok('STORE 1 -FLAGS.SILENT (\\Seen)');
    for (let i = 0; i < idlers; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, idlers - i) }, () => ImapClient.session(idlerPort, IDLE_USER, PASSWORD, 'INBOX')),
      );
      clients.push(...batch);
    }
    clients.forEach((c, k) => {
      c.onUntagged = (text, at) => {
        if (/^\* 1 FETCH /.test(text) && heardAt[k] === null) {
          heardAt[k] = at;
          onHeard?.();
        }
      };
    });
    for (const c of clients) dones.push(await c.idle());
    const all: number[] = [];
    const last: number[] = [];
    let missed = 0;
    const warmup = Math.min(20, Math.ceil(samples / 10));
    for (let i = 0; i < samples + warmup; i++) {
      heardAt.fill(null);
      const everyone = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 3000);
        onHeard = () => {
          if (heardAt.every((x) => x !== null)) {
            clearTimeout(timer);
            resolve(true);
          }
        };
      });
      const done = await changer.ok(`STORE 1 ${i % 2 === 0 ? '+' : '-'}FLAGS (\\Seen)`);
      const complete = await everyone;
      onHeard = null;
      if (i < warmup) continue;
      if (!complete) {
        missed++;
        continue;
      }
      const lat = heardAt.map((at) => at! - done.at);
      all.push(...lat);
      last.push(Math.max(...lat));
    }
    await Promise.all(dones.map((d) => d.done()));
    return { idlers, all: spread(all), last: spread(last), missed };
  } finally {
    changer?.close();
    for (const c of clients) c.close();
  }
}
