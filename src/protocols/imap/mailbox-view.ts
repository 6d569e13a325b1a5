/**
 * The selected mailbox as this client knows it: UIDs by sequence number, flags and MODSEQs, and
 * the changes from the change feed it has not been told about yet.
 *
 * Rules (RFC 3501 §7.4.1, §5.2; RFC 9051 §7.5.1):
 * - The view changes only at sync points, so sequence numbers never move under a command.
 * - EXPUNGE may be reported only where allowed (not while answering FETCH, STORE or SEARCH);
 *   until then an expunged message keeps its sequence number and is marked gone.
 * - A change the view already reflects (the session's own STORE, EXPUNGE, MOVE) is recognised by
 *   MODSEQ or by its UID being gone, and not reported twice.
 * - A change already in the snapshot is recognised per message (see `apply`).
 */
import type { Change } from '../../store/changes.ts';
import type { MessageFlagsRow } from '../../store/types.ts';
import { compressSet } from './sequence.ts';

export interface SyncOutput {
  /** Untagged lines without CRLF, in the order they must be sent. */
  readonly lines: string[];
  /** UIDs that arrived at this sync (for \Recent claiming by rev1 sessions). */
  readonly arrived: number[];
}

export interface SyncOptions {
  readonly allowExpunge: boolean;
  /** CONDSTORE/QRESYNC enabled: FETCH responses carry MODSEQ (RFC 7162 §3.2). */
  readonly condstore: boolean;
  /** Formats a FLAGS list for a FETCH (the session adds \Recent where due). */
  readonly flagsOf: (uid: number, flags: readonly string[]) => string;
  /** Formats the FLAGS and PERMANENTFLAGS lines for a new keyword set. */
  readonly flagLines: (keywords: readonly string[]) => string[];
  /** QRESYNC is on: report expunges as VANISHED UID sets (RFC 7162 §3.2.10). */
  readonly vanished: boolean;
}

/** A message removed from the view: its sequence number when removed, and its UID. */
export interface Removed {
  readonly seq: number;
  readonly uid: number;
}

/** `* n EXPUNGE` lines (RFC 9051 §7.5.1), or one `* VANISHED uids` line under QRESYNC. */
export function expungeLines(removed: readonly Removed[], vanished: boolean): string[] {
  if (removed.length === 0) return [];
  if (vanished) return [`* VANISHED ${compressSet(removed.map((r) => r.uid))}`];
  return removed.map((r) => `* ${r.seq} EXPUNGE`);
}

const SYSTEM = new Set(['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft']);

export class MailboxView {
  uids: number[] = [];
  flags: (readonly string[])[] = [];
  modseqs: number[] = [];
  highestModseq: number;
  /** Keywords announced in FLAGS, lower-cased → spelling. */
  readonly keywords = new Map<string, string>();
  /** UIDs expunged elsewhere but not yet reported (still at their sequence numbers). */
  readonly gone = new Set<number>();
  private readonly pending: Change[] = [];
  private readonly dirtyFlags = new Set<number>();

  constructor(
    readonly mailboxId: number,
    readonly uidValidity: number,
    readonly readOnly: boolean,
    snapshot: readonly MessageFlagsRow[],
    highestModseq: number,
  ) {
    this.highestModseq = highestModseq;
    this.uids = snapshot.map((m) => m.uid);
    this.flags = snapshot.map((m) => m.flags);
    this.modseqs = snapshot.map((m) => m.modseq);
    for (const f of this.flags) this.noteKeywords(f);
  }

  get exists(): number {
    return this.uids.length;
  }

  /** Sequence number (1-based) of a UID, or 0 when the view has no such message. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  keywordList(): string[] {
    return [...this.keywords.values()];
  }

  /** Queues a change from the feed; it is applied at the next sync point. */
  enqueue(change: Change): void {
    if (change.mailboxId !== this.mailboxId) return;
    this.pending.push(change);
  }

  get hasPending(): boolean {
    return this.pending.length > 0 || this.dirtyFlags.size > 0 || this.gone.size > 0;
  }

  /**
   * Records this session's own flag change (its STORE answers for it itself). Returns true when
   * it brought a keyword the client has not been told about (FLAGS must be sent again).
   */
  setFlags(uid: number, flags: readonly string[], modseq: number): boolean {
    const seq = this.seqOf(uid);
    if (!seq) return false;
    const before = this.keywords.size;
    this.noteKeywords(flags);
    this.flags[seq - 1] = flags;
    this.modseqs[seq - 1] = Math.max(this.modseqs[seq - 1] ?? 0, modseq);
    return this.keywords.size !== before;
  }

  /** Removes messages this session expunged itself; returns what to report, in report order. */
  removeOwn(uids: readonly number[]): Removed[] {
    const seqs: Removed[] = [];
    for (const uid of [...uids].sort((a, b) => a - b)) {
      const seq = this.seqOf(uid);
      if (!seq) continue;
      this.removeAt(seq - 1);
      this.gone.delete(uid);
      this.dirtyFlags.delete(uid);
      seqs.push({ seq, uid });
    }
    return seqs;
  }

  /**
   * Applies queued changes and returns what to tell the client: FLAGS when new keywords appear,
   * EXPUNGE (when allowed), EXISTS, and FETCH for flag changes.
   */
  sync(opts: SyncOptions): SyncOutput {
    const lines: string[] = [];
    const arrived: number[] = [];
    const keywordsBefore = this.keywords.size;
    for (const change of this.pending.splice(0)) this.apply(change, arrived);
    if (this.keywords.size !== keywordsBefore) lines.push(...opts.flagLines(this.keywordList()));
    if (opts.allowExpunge && this.gone.size > 0) {
      const removed = this.removeOwn([...this.gone]);
      this.gone.clear();
      lines.push(...expungeLines(removed, opts.vanished));
    }
    if (arrived.length > 0) lines.push(`* ${this.uids.length} EXISTS`);
    for (const uid of [...this.dirtyFlags].sort((a, b) => a - b)) {
      const seq = this.seqOf(uid);
      if (!seq || this.gone.has(uid)) continue;
      const i = seq - 1;
      const modseq = opts.condstore ? ` MODSEQ (${this.modseqs[i]})` : '';
      lines.push(`* ${seq} FETCH (UID ${uid} FLAGS ${opts.flagsOf(uid, this.flags[i]!)}${modseq})`);
    }
    this.dirtyFlags.clear();
    return { lines, arrived };
  }

  private apply(change: Change, arrived: number[]): void {
    if (change.kind === 'mailbox-created' || change.kind === 'mailbox-renamed' || change.kind === 'mailbox-deleted') return;
    // What the snapshot or this session's own commands already reflect is recognised per
    // message: a known UID for `new`, a MODSEQ not above the message's for `flags`, an unknown
    // UID for `expunge`. (A mailbox-wide MODSEQ filter would drop another session's change that
    // committed before this session's own STORE but was published after it.)
    this.highestModseq = Math.max(this.highestModseq, change.modseq);
    switch (change.kind) {
      case 'new':
        for (const m of change.messages) {
          if (this.uids.length && m.uid <= this.uids[this.uids.length - 1]!) continue;
          this.uids.push(m.uid);
          this.flags.push(m.flags);
          this.modseqs.push(change.modseq);
          this.noteKeywords(m.flags);
          arrived.push(m.uid);
        }
        return;
      case 'flags':
        for (const m of change.messages) {
          const seq = this.seqOf(m.uid);
          if (!seq || this.gone.has(m.uid)) continue;
          if ((this.modseqs[seq - 1] ?? 0) >= change.modseq) continue;
          this.flags[seq - 1] = m.flags;
          this.modseqs[seq - 1] = change.modseq;
          this.noteKeywords(m.flags);
          this.dirtyFlags.add(m.uid);
        }
        return;
      case 'expunge':
        for (const uid of change.uids) if (this.seqOf(uid)) this.gone.add(uid);
        return;
    }
  }

  private removeAt(i: number): void {
    this.uids.splice(i, 1);
    this.flags.splice(i, 1);
    this.modseqs.splice(i, 1);
  }

  private noteKeywords(flags: readonly string[]): void {
    for (const f of flags) {
      const lower = f.toLowerCase();
      if (!SYSTEM.has(lower) && !this.keywords.has(lower)) this.keywords.set(lower, f);
    }
  }
}
