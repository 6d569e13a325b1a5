// RFC 9051 §6.4.5 FETCH; RFC 3501 (rev1 items); RFC 7162 §3.1.4 CHANGEDSINCE, §3.1.6 MODSEQ.
// FLAGS, UID and MODSEQ come from the view without touching the store, so `UID FETCH 1:* (FLAGS)`
// on a large mailbox streams straight from memory. Non-PEEK body items set \Seen (one store op
// for the whole command, before answering, so each response carries its new FLAGS).
import type { MessageIndex } from '../../../mime/types.ts';
import type { BlobReader } from '../../../store/ports.ts';
import type { MessageMeta } from '../../../store/types.ts';
import { fetchItems, type MessageSource, type Piece } from '../fetch-items.ts';
import type { MailboxView } from '../mailbox-view.ts';
import { bad, no, ProtocolError } from '../protocol-error.ts';
import { compressSet, resolveSet } from '../sequence.ts';
import type { ImapSession } from '../session.ts';
import type { CommandSpec } from '../session-types.ts';
import { SELECTED } from '../session-types.ts';
import type { FetchAtt } from '../wire/types.ts';

const META_KINDS = new Set(['INTERNALDATE', 'RFC822.SIZE', 'EMAILID', 'SAVEDATE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'PREVIEW', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'BODY[]', 'BINARY', 'BINARY.SIZE']);

const BODY_KINDS = new Set(['RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'BODY[]', 'BINARY', 'BINARY.SIZE']);
const READ_WINDOW = 256;

function setsSeen(att: FetchAtt): boolean {
  return ((att.kind === 'BODY[]' || att.kind === 'BINARY') && !att.peek) || att.kind === 'RFC822' || att.kind === 'RFC822.TEXT';
}

async function writePieces(session: ImapSession, pieces: readonly Piece[]): Promise<void> {
  for (const p of pieces) {
    if (typeof p === 'string' || Buffer.isBuffer(p)) {
      session.write(p);
      continue;
    }
    for await (const chunk of p.reader.stream(p.start, p.end)) {
      if (!session.write(chunk as Buffer)) await session.drained();
    }
  }
}

/**
 * FETCH of UID, FLAGS and MODSEQ only (how clients sync flags): answered from the view with no
 * store access and no per-message promises, in 64 KB writes with backpressure.
 */
async function fetchFromView(session: ImapSession, seqs: readonly number[], atts: readonly FetchAtt[]): Promise<void> {
  const view = session.view!;
  let chunk = '';
  for (const seq of seqs) {
    const i = seq - 1;
    const uid = view.uids[i]!;
    let items = '';
    for (const att of atts) {
      if (items) items += ' ';
      if (att.kind === 'UID') items += `UID ${uid}`;
      else if (att.kind === 'FLAGS') items += `FLAGS ${session.flagsOf(uid, view.flags[i]!)}`;
      else items += `MODSEQ (${view.modseqs[i]})`;
    }
    chunk += `* ${seq} FETCH (${items})\r\n`;
    if (chunk.length >= 64 * 1024) {
      const ok = session.write(chunk);
      chunk = '';
      if (!ok) await session.drained();
      if (session.isClosed) return;
    }
  }
  if (chunk) session.write(chunk);
}

/**
 * One message as fetchItems sees it. A class rather than an object of closures: the FETCH loop
 * makes one per message, and methods cost nothing per instance (closures do, more so under tsx,
 * which names every function it creates).
 */
class FetchSource implements MessageSource {
  private reader: Promise<BlobReader> | null = null;
  constructor(
    private readonly session: ImapSession,
    private readonly view: MailboxView,
    readonly seq: number,
    readonly uid: number,
    readonly meta: MessageMeta | null,
    private readonly readers: Map<string, BlobReader>,
    private readonly indexes: IndexCache,
  ) {}

  get modseq(): number {
    return this.view.modseqs[this.seq - 1]!;
  }

  get utf8(): boolean {
    return this.session.utf8;
  }

  flags(): string {
    return this.session.flagsOf(this.uid, this.view.flags[this.seq - 1]!);
  }

  index(): Promise<MessageIndex | null> {
    return this.meta ? this.indexes.get(this.meta.blobHash) : Promise.resolve(null);
  }

  blob(): Promise<BlobReader> {
    const hash = this.meta!.blobHash;
    const known = this.readers.get(hash);
    return (this.reader ??= known ? Promise.resolve(known) : this.session.ctx.store.messages.open(hash));
  }
}

class IndexCache {
  private readonly map = new Map<string, Promise<MessageIndex | null>>();
  constructor(private readonly session: ImapSession) {}
  get(hash: string): Promise<MessageIndex | null> {
    let p = this.map.get(hash);
    if (!p) {
      p = this.session.ctx.store.messages.index(hash);
      if (this.map.size > 256) this.map.clear();
      this.map.set(hash, p);
    }
    return p;
  }
}

export const fetch: CommandSpec<'FETCH'> = {
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering FETCH (UID FETCH may get them).
  expungeAllowed: (cmd) => cmd.uid,
  async handle(session, cmd) {
    const view = session.view!;
    const account = session.account!;
    const store = session.ctx.store;
    if (cmd.changedSince !== undefined) session.condstore = true;
    let atts = [...cmd.atts];
    if (atts.some((a) => a.kind === 'MODSEQ')) session.condstore = true;
    // UID FETCH always reports UIDs (RFC 9051 §6.4.9), and under QRESYNC every FETCH does
    // (RFC 7162 §3.2.4); CHANGEDSINCE implies MODSEQ (RFC 7162 §3.1.4).
    if ((cmd.uid || session.qresync) && !atts.some((a) => a.kind === 'UID')) atts.unshift({ kind: 'UID' });
    if (cmd.vanished && !session.qresync) throw bad('VANISHED needs QRESYNC enabled first');
    if (cmd.changedSince !== undefined && !atts.some((a) => a.kind === 'MODSEQ')) atts.push({ kind: 'MODSEQ' });
    let seqs = resolveSet(view, cmd.set, cmd.uid, session.savedSearch);
    if (cmd.changedSince !== undefined) {
      const since = cmd.changedSince;
      if (cmd.vanished) {
        // RFC 7162 §3.2.6: UIDs of the set expunged since CHANGEDSINCE, before the FETCHes.
        const set = cmd.set;
        const inSet = (uid: number): boolean =>
          set.kind === 'saved' ? session.savedSearch.includes(uid) : set.ranges.some((r) => uid >= Math.min(r.from, r.to) && uid <= Math.max(r.from, r.to));
        const gone = (await store.mailboxes.expungedSince(account.id, view.mailboxId, since)).filter((u) => inSet(u) && !view.seqOf(u));
        if (gone.length) session.writeLine(`* VANISHED (EARLIER) ${compressSet(gone)}`);
      }
      seqs = seqs.filter((s) => view.modseqs[s - 1]! > since);
    }
    // \Seen first, in one write, so the responses show it (RFC 9051 §6.4.5).
    if (!view.readOnly && atts.some(setsSeen)) {
      const unseen = seqs.map((s) => view.uids[s - 1]!).filter((u) => !view.gone.has(u) && !view.flags[view.seqOf(u) - 1]!.includes('\\Seen'));
      if (unseen.length) {
        const r = await store.messages.storeFlags(account.id, view.mailboxId, { uids: unseen, mode: 'add', flags: ['\\Seen'] });
        for (const c of r.changed) view.setFlags(c.uid, c.flags, r.modseq);
        if (!atts.some((a) => a.kind === 'FLAGS')) atts = [...atts, { kind: 'FLAGS' }];
      }
    }
    const needsMeta = atts.some((a) => META_KINDS.has(a.kind));
    if (!needsMeta) {
      await fetchFromView(session, seqs, atts);
      return { text: 'FETCH completed' };
    }
    const metas = new Map<number, MessageMeta>();
    if (needsMeta && seqs.length) {
      const uids = seqs.map((s) => view.uids[s - 1]!);
      const rows = uids.length > view.exists / 2 ? await store.messages.list(view.mailboxId) : await store.messages.list(view.mailboxId, uids);
      for (const m of rows) metas.set(m.uid, m);
    }
    const indexes = new IndexCache(session);
    const needsBody = atts.some((a) => BODY_KINDS.has(a.kind));
    let readers = new Map<string, BlobReader>();
    let missing = false;
    for (const [n, seq] of seqs.entries()) {
      // Bodies are opened a window at a time: one query for 256 messages, not one each.
      if (needsBody && n % READ_WINDOW === 0) {
        const hashes = seqs.slice(n, n + READ_WINDOW).map((s) => metas.get(view.uids[s - 1]!)?.blobHash).filter((h): h is string => !!h);
        readers = await store.messages.openMany(hashes);
      }
      const uid = view.uids[seq - 1]!;
      const meta = metas.get(uid) ?? null;
      if (needsMeta && !meta) {
        // Expunged elsewhere and not reported yet: its data is gone (RFC 9051 §7.4.1 allows NO).
        missing = true;
        continue;
      }
      const src = new FetchSource(session, view, seq, uid, meta, readers, indexes);
      let pieces: Piece[];
      try {
        pieces = await fetchItems(src, atts);
      } catch (err) {
        if (err instanceof ProtocolError) throw err;
        session.conn.log.warn({ err, uid }, 'fetch failed for a message');
        missing = true;
        continue;
      }
      session.write(`* ${seq} FETCH (`);
      await writePieces(session, pieces);
      if (!session.write(')\r\n')) await session.drained();
      if (session.isClosed) return { text: 'FETCH aborted' };
    }
    if (missing) throw no('Some of the requested messages no longer exist', 'EXPUNGEISSUED');
    return { text: 'FETCH completed' };
  },
};
