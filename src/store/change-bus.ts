/**
 * The in-process change bus: delivers committed changes to subscribers, per account and to
 * "all" listeners, in publish order. The store publishes only after a commit is durable. A
 * listener that throws is isolated from the others (its error goes to `onListenerError`).
 */
import type { Change, ChangeListener, Unsubscribe } from './changes.ts';

export class ChangeBus {
  private readonly byAccount = new Map<number, Set<ChangeListener>>();
  private readonly all = new Set<ChangeListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  subscribe(accountId: number, listener: ChangeListener): Unsubscribe {
    let set = this.byAccount.get(accountId);
    if (!set) {
      set = new Set();
      this.byAccount.set(accountId, set);
    }
    // Wrap so that the same function subscribed twice gets two deliveries, like two sessions.
    const entry: ChangeListener = (c) => listener(c);
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.byAccount.get(accountId) === set) this.byAccount.delete(accountId);
    };
  }

  subscribeAll(listener: ChangeListener): Unsubscribe {
    const entry: ChangeListener = (c) => listener(c);
    this.all.add(entry);
    return () => this.all.delete(entry);
  }

  /** Whether a change of this account would reach anyone (its own or an "all" listener). */
  hasListeners(accountId: number): boolean {
    return this.all.size > 0 || this.byAccount.has(accountId);
  }

  publish(change: Change): void {
    const set = this.byAccount.get(change.accountId);
    if (set) for (const l of [...set]) this.deliver(l, change);
    for (const l of [...this.all]) this.deliver(l, change);
  }

  private deliver(listener: ChangeListener, change: Change): void {
    try {
      listener(change);
    } catch (err) {
      this.onListenerError(err);
    }
  }
}
