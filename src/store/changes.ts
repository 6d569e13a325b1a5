/**
 * The typed change events of the change feed. Every committed change to an account's mail gets
 * one row in the append-only change log and one event on the bus, in commit order. `seq` orders
 * an account's changes; `modseq` is the mailbox's MODSEQ after the change (RFC 7162).
 */
import type { MailboxRole } from './types.ts';

interface ChangeBase {
  readonly accountId: number;
  /** Per-account sequence number: strictly increasing in commit order, gap-free. */
  readonly seq: number;
  readonly mailboxId: number;
  /** The mailbox's HIGHESTMODSEQ after this change. */
  readonly modseq: number;
}

export interface NewMessageInfo {
  readonly id: number;
  readonly uid: number;
  readonly flags: readonly string[];
  readonly size: number;
  readonly internalDate: number;
}

export interface FlagsChangeInfo {
  readonly uid: number;
  readonly flags: readonly string[];
}

export type Change =
  | (ChangeBase & { readonly kind: 'new'; readonly messages: readonly NewMessageInfo[] })
  | (ChangeBase & { readonly kind: 'flags'; readonly messages: readonly FlagsChangeInfo[] })
  | (ChangeBase & { readonly kind: 'expunge'; readonly uids: readonly number[] })
  | (ChangeBase & {
      readonly kind: 'mailbox-created';
      readonly name: string;
      readonly role: MailboxRole | null;
    })
  | (ChangeBase & {
      readonly kind: 'mailbox-renamed';
      readonly oldName: string;
      readonly name: string;
    })
  | (ChangeBase & { readonly kind: 'mailbox-deleted'; readonly name: string });

export type ChangeKind = Change['kind'];

/** A change before the store assigned its sequence number. */
export type ChangeDraft = Change extends infer C
  ? C extends Change
    ? Omit<C, 'seq' | 'accountId'>
    : never
  : never;

export type ChangeListener = (change: Change) => void;
export type Unsubscribe = () => void;
