/**
 * The change feed across nodes (PostgreSQL store). Every write transaction NOTIFYs
 * `pk_changes` with `<accountId>:<seq>` (pg-write-runner.ts); every store instance LISTENs on a
 * dedicated connection. A notification only says "the log of this account reached seq": for an
 * account with subscribers here, the node reads the durable change log from the last seq it
 * delivered and publishes those changes in order on its local ChangeBus. Commits of this node
 * are published directly, without a read, when they are next in line; a change that arrives out
 * of order (a gap) makes the node read the log, which already holds the missing ones (a seq is
 * allocated under the account row's lock, so when seq N+1 has committed, N has too).
 *
 * So a missed NOTIFY or a dropped LISTEN connection delays a change but never loses it: the
 * connection is re-established with backoff, and then every subscribed account catches up from
 * the log. Each change is delivered once (deduplicated by seq).
 */
import pg from 'pg';
import type { ChangeBus } from '../change-bus.ts';
import type { Change } from '../changes.ts';
import { CHANGE_CHANNEL } from './pg-write-runner.ts';

const PAGE = 1000;
const MIN_BACKOFF_MS = 50;
/** A restarted PostgreSQL is heard from within this of its coming back (attempts are cheap). */
const MAX_BACKOFF_MS = 2000;
/** How soon a catch-up read (or a starting point) that failed for want of a database runs again. */
const RETRY_READ_MS = 1000;

interface AccountFeed {
  /** Last seq published here; null until the starting point is known. */
  delivered: number | null;
  /** Lowest seq that arrived before the starting point was known. */
  arrivedMin: number | null;
  reading: Promise<void> | null;
  again: boolean;
}

export interface PgChangeFeedDeps {
  /** A new, unconnected client for the LISTEN connection. */
  readonly connect: () => pg.Client;
  readonly readSince: (accountId: number, afterSeq: number, limit: number) => Promise<Change[]>;
  readonly lastSeq: (accountId: number) => Promise<number>;
  readonly bus: ChangeBus;
  readonly onError: (err: unknown) => void;
}

export class PgChangeFeed {
  private readonly accounts = new Map<number, AccountFeed>();
  /** Highest seq seen per account (own commits, notifications): where a new subscriber starts. */
  private readonly known = new Map<number, number>();
  private client: pg.Client | null = null;
  private closed = false;
  private backoff = MIN_BACKOFF_MS;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: PgChangeFeedDeps) {}

  /** Connects the LISTEN connection (the store does not open without it). */
  async start(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    await this.settle();
  }

  /** Resolves when no catch-up read is running. */
  async settle(): Promise<void> {
    for (;;) {
      const running = [...this.accounts.values()].map((a) => a.reading).filter((p) => p !== null);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** A subscriber for this account appeared: fix the point its feed starts from. */
  track(accountId: number): void {
    if (this.accounts.has(accountId)) return;
    const known = this.known.get(accountId);
    const feed: AccountFeed = { delivered: known ?? null, arrivedMin: null, reading: null, again: false };
    this.accounts.set(accountId, feed);
    if (known === undefined) this.findStart(accountId, feed);
  }

  /**
   * Reads where a new subscriber's feed starts. While the database is away it tries again (a
   * subscriber that came just before an outage still gets what is committed after it).
   */
  private findStart(accountId: number, feed: AccountFeed): void {
    void this.deps.lastSeq(accountId).then(
      (base) => {
        if (this.accounts.get(accountId) !== feed) return;
        // Changes that arrived while the start was read are delivered too: they were published
        // after the subscription, as on the in-process bus.
        feed.delivered = feed.arrivedMin !== null ? Math.min(base, feed.arrivedMin - 1) : base;
        this.catchUp(accountId, feed);
      },
      (err: unknown) => {
        this.deps.onError(err);
        if (this.closed || this.accounts.get(accountId) !== feed) return;
        if (!this.deps.bus.hasListeners(accountId)) {
          this.accounts.delete(accountId);
          return;
        }
        setTimeout(() => {
          if (!this.closed && this.accounts.get(accountId) === feed && feed.delivered === null) this.findStart(accountId, feed);
        }, RETRY_READ_MS).unref();
      },
    );
  }

  /** A change this node committed. */
  own(change: Change): void {
    const feed = this.arrived(change.accountId, change.seq);
    if (!feed) return;
    if (feed.delivered === null) return;
    if (change.seq <= feed.delivered) return;
    if (change.seq === feed.delivered + 1) {
      feed.delivered = change.seq;
      this.deps.bus.publish(change);
      return;
    }
    this.catchUp(change.accountId, feed);
  }

  private notice(payload: string | undefined): void {
    const m = /^(\d+):(\d+)$/.exec(payload ?? '');
    if (!m) return;
    const accountId = Number(m[1]);
    const seq = Number(m[2]);
    const feed = this.arrived(accountId, seq);
    if (!feed || feed.delivered === null || seq <= feed.delivered) return;
    this.catchUp(accountId, feed);
  }

  /** Notes a seq; returns the account's feed when someone here listens to the account. */
  private arrived(accountId: number, seq: number): AccountFeed | null {
    if (seq > (this.known.get(accountId) ?? 0)) this.known.set(accountId, seq);
    if (!this.deps.bus.hasListeners(accountId)) {
      // Nobody listens: forget the position, a later subscriber starts afresh.
      this.accounts.delete(accountId);
      return null;
    }
    let feed = this.accounts.get(accountId);
    if (!feed) {
      // Only "all accounts" listeners: start just before this change.
      feed = { delivered: seq - 1, arrivedMin: null, reading: null, again: false };
      this.accounts.set(accountId, feed);
    }
    if (feed.delivered === null) feed.arrivedMin = Math.min(feed.arrivedMin ?? seq, seq);
    return feed;
  }

  /** Reads the log from the last delivered seq and publishes what is new, in order. */
  private catchUp(accountId: number, feed: AccountFeed): void {
    if (feed.reading) {
      feed.again = true;
      return;
    }
    feed.reading = this.read(accountId, feed).finally(() => {
      feed.reading = null;
    });
  }

  private async read(accountId: number, feed: AccountFeed): Promise<void> {
    try {
      do {
        feed.again = false;
        for (;;) {
          if (feed.delivered === null || this.accounts.get(accountId) !== feed) return;
          const rows = await this.deps.readSince(accountId, feed.delivered, PAGE);
          for (const c of rows) {
            if (feed.delivered === null || c.seq <= feed.delivered) continue;
            feed.delivered = c.seq;
            this.deps.bus.publish(c);
          }
          if (rows.length < PAGE) break;
        }
      } while (feed.again);
    } catch (err) {
      this.deps.onError(err);
      // The database is away; try again later (the LISTEN reconnect also catches up).
      if (!this.closed) {
        setTimeout(() => {
          if (!this.closed && this.accounts.get(accountId) === feed) this.catchUp(accountId, feed);
        }, RETRY_READ_MS).unref();
      }
    }
  }

  private async listen(): Promise<void> {
    const client = this.deps.connect();
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      if (!this.closed) this.reconnect();
    };
    client.on('notification', (msg) => {
      if (msg.channel === CHANGE_CHANNEL) this.notice(msg.payload);
    });
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private reconnect(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.listen().then(
        () => {
          this.backoff = MIN_BACKOFF_MS;
          // Whatever was committed while we were not listening is in the log.
          for (const [accountId, feed] of this.accounts) {
            if (!this.deps.bus.hasListeners(accountId)) this.accounts.delete(accountId);
            else this.catchUp(accountId, feed);
          }
        },
        () => {
          this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
          this.reconnect();
        },
      );
    }, this.backoff);
    this.timer.unref();
  }
}
