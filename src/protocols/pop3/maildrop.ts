/**
 * One POP3 session's maildrop (RFC 1939 §5): the message list taken at login (new mail shows up
 * at the next session), numbered 1..n; the DELE marks; the messages retrieved with RETR. At QUIT
 * it turns into the PopUpdateItem list the store applies in one transaction; until then nothing
 * touches the store.
 *
 * What happens to a message at QUIT:
 * - classic rules: DELE'd → `imap.expunge-action` (the user's idea of "delete" is the same in
 *   every client); retrieved, not DELE'd → `pop.after-retrieve`.
 * - gmail rules (`pop.mode=gmail`, and every `recent:` session): retrieved or DELE'd →
 *   `pop.after-retrieve` (a DELE is not allowed to destroy more than the setting says).
 * - Retrieved or DELE'd messages are marked downloaded under both rules, so the gmail marker is
 *   right if the user switches modes later. Messages with nothing to do are not sent.
 */
import type { SettingValue } from '../../core/settings-schema.ts';
import type { PopAction, PopMessage, PopUpdateItem } from '../../store/ports.ts';
import { popError } from './pop-error.ts';

export interface PopPolicy {
  readonly rules: 'classic' | 'gmail';
  readonly afterRetrieve: SettingValue<'pop.after-retrieve'>;
  readonly expungeAction: SettingValue<'imap.expunge-action'>;
}

export class PopMaildrop {
  private readonly deleted = new Set<number>();
  private readonly retrieved = new Set<number>();

  constructor(
    readonly messages: readonly PopMessage[],
    readonly policy: PopPolicy,
  ) {}

  /** Messages in the maildrop, DELE'd ones included (the highest message number). */
  get count(): number {
    return this.messages.length;
  }

  /**
   * Message `n`; `-ERR` when there is no such message or it was DELE'd (RFC 1939 §5). `shown`
   * is the number as the client wrote it (digits beyond 2^53 do not survive a Number).
   */
  message(n: number, shown = String(n)): PopMessage {
    const msg = Number.isInteger(n) && n >= 1 ? this.messages[n - 1] : undefined;
    if (!msg) {
      const count = this.messages.length;
      throw popError(`no such message ${shown}; the maildrop has ${count} message${count === 1 ? '' : 's'}`);
    }
    if (this.deleted.has(n)) throw popError(`message ${shown} already deleted`);
    return msg;
  }

  /** Messages not DELE'd, with their numbers (LIST, UIDL). */
  *live(): Generator<[number, PopMessage]> {
    for (let i = 0; i < this.messages.length; i++) {
      if (!this.deleted.has(i + 1)) yield [i + 1, this.messages[i]!];
    }
  }

  /** STAT: messages and octets, DELE'd ones left out (RFC 1939 §5). */
  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    for (const [, msg] of this.live()) {
      count++;
      octets += msg.size;
    }
    return { count, octets };
  }

  delete(n: number, shown = String(n)): void {
    this.message(n, shown);
    this.deleted.add(n);
  }

  /** RSET: unmarks DELE'd messages; what was retrieved stays retrieved (RFC 1939 §5). */
  reset(): void {
    this.deleted.clear();
  }

  markRetrieved(n: number): void {
    this.retrieved.add(n);
  }

  get deletedCount(): number {
    return this.deleted.size;
  }

  get retrievedCount(): number {
    return this.retrieved.size;
  }

  /** Retrieved mail leaves this user's maildrop (RFC 2449 §6.7 EXPIRE 0) rather than staying. */
  get removesRetrieved(): boolean {
    const after = this.policy.afterRetrieve;
    return this.policy.rules === 'gmail' || after === 'delete' || after === 'archive' || after === 'trash';
  }

  /** What the UPDATE state does (RFC 1939 §6), one item per message that changes. */
  updateItems(): PopUpdateItem[] {
    const items: PopUpdateItem[] = [];
    this.messages.forEach((msg, i) => {
      const deleted = this.deleted.has(i + 1);
      const retrieved = this.retrieved.has(i + 1);
      if (!deleted && !retrieved) return;
      let action: PopAction;
      if (this.policy.rules === 'gmail') action = this.policy.afterRetrieve;
      else action = deleted ? this.policy.expungeAction : this.policy.afterRetrieve;
      items.push({ id: msg.id, mailboxId: msg.mailboxId, action, markDownloaded: true });
    });
    return items;
  }
}
