/**
 * SEARCH evaluation over the selected mailbox (RFC 9051 §6.4.4). Flags, UIDs, sequence numbers
 * and MODSEQs come from the view; dates and sizes from the message rows; header keys from the
 * stored header bytes; BODY and TEXT from the decoded text the MIME indexer produces. Strings
 * match as case-insensitive substrings (i;unicode-casemap, approximated by Unicode lower case).
 *
 * BODY, TEXT and the address/subject keys ask the store's full-text index once per key (decoded
 * text, any charset); only HEADER with another field name reads header bytes per message.
 */
import libmime from 'libmime';
import type { MessageMeta } from '../../store/types.ts';
import type { ImapSession } from './session.ts';
import type { TextField } from '../../store/ports.ts';
import type { SearchKey, SequenceSet } from './wire/types.ts';

const INDEXED_HEADERS: Readonly<Record<string, TextField>> = {
  from: 'from',
  to: 'to',
  cc: 'cc',
  bcc: 'bcc',
  subject: 'subject',
};

/** The full-text fields a key is answered from, or null when it is not a text key. */
function textFields(key: SearchKey): TextField[] | null {
  if (key.op === 'body') return ['body'];
  if (key.op === 'text') return ['headers', 'body'];
  if (key.op === 'header') {
    const f = INDEXED_HEADERS[key.field.toLowerCase()];
    return f && key.value !== '' ? [f] : null;
  }
  return null;
}

function textKeys(key: SearchKey, out: SearchKey[]): SearchKey[] {
  if (textFields(key)) out.push(key);
  else if (key.op === 'not') textKeys(key.key, out);
  else if (key.op === 'or') {
    textKeys(key.a, out);
    textKeys(key.b, out);
  } else if (key.op === 'and') for (const k of key.keys) textKeys(k, out);
  return out;
}

interface Candidate {
  readonly seq: number;
  readonly uid: number;
  readonly flags: readonly string[];
  readonly modseq: number;
  meta?: MessageMeta | null;
  header?: Map<string, string[]>;
}

function needs(key: SearchKey, acc: { meta: boolean; header: boolean }): void {
  switch (key.op) {
    case 'date':
    case 'larger':
    case 'smaller':
    case 'older':
    case 'younger':
    case 'emailid':
      acc.meta = true;
      if (key.op === 'date' && key.field === 'sent') acc.header = true;
      return;
    case 'header':
      if (textFields(key)) return;
      acc.meta = true;
      acc.header = true;
      return;
    case 'body':
    case 'text':
      return;
    case 'not':
      return needs(key.key, acc);
    case 'or':
      needs(key.a, acc);
      return needs(key.b, acc);
    case 'and':
      for (const k of key.keys) needs(k, acc);
      return;
    default:
      return;
  }
}

function inSet(set: SequenceSet, value: number, max: number, saved: ReadonlySet<number> | null): boolean {
  if (set.kind === 'saved') return saved?.has(value) ?? false;
  for (const r of set.ranges) {
    const a = r.from === Infinity ? max : r.from;
    const b = r.to === Infinity ? max : r.to;
    if (value >= Math.min(a, b) && value <= Math.max(a, b)) return true;
  }
  return false;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const norm = (s: string): string => s.normalize('NFC').toLowerCase();

/** Unfolded, decoded header fields by lower-case name. */
function parseHeader(bytes: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const text = bytes.toString('utf8').replace(/\r?\n[ \t]/g, ' ');
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    let value = line.slice(colon + 1).trim();
    try {
      value = libmime.decodeWords(value);
    } catch {
      // Keep the raw value when an encoded word is broken.
    }
    const list = out.get(name) ?? [];
    list.push(value);
    out.set(name, list);
  }
  return out;
}

export class SearchRunner {
  private readonly now: number;
  private readonly savedSet: ReadonlySet<number>;
  /** UIDs matching each text key, from the full-text index. */
  private readonly textHits = new Map<SearchKey, Set<number>>();

  constructor(private readonly session: ImapSession) {
    this.now = session.ctx.clock.now();
    this.savedSet = new Set(session.savedSearch);
  }

  /** Sequence numbers of the messages matching `key`, ascending. */
  async run(key: SearchKey): Promise<number[]> {
    const view = this.session.view!;
    const acc = { meta: false, header: false };
    needs(key, acc);
    for (const k of textKeys(key, [])) {
      const value = (k as { value: string }).value;
      const uids = await this.session.ctx.store.messages.searchText(view.mailboxId, textFields(k)!, value);
      this.textHits.set(k, new Set(uids));
    }
    const metas = new Map<number, MessageMeta>();
    if (acc.meta && view.exists > 0) {
      for (const m of await this.session.ctx.store.messages.list(view.mailboxId)) metas.set(m.uid, m);
    }
    const out: number[] = [];
    for (let i = 0; i < view.exists; i++) {
      const uid = view.uids[i]!;
      if (view.gone.has(uid)) continue;
      const c: Candidate = { seq: i + 1, uid, flags: view.flags[i]!, modseq: view.modseqs[i]!, meta: metas.get(uid) ?? null };
      if (acc.meta && !c.meta) continue;
      if (await this.matches(key, c)) out.push(i + 1);
    }
    return out;
  }

  private async matches(key: SearchKey, c: Candidate): Promise<boolean> {
    const view = this.session.view!;
    switch (key.op) {
      case 'all':
        return true;
      case 'seq':
        return inSet(key.set, c.seq, view.exists, key.set.kind === 'saved' ? new Set([...this.savedSet].map((u) => view.seqOf(u))) : null);
      case 'uid':
        return inSet(key.set, c.uid, view.uids[view.exists - 1] ?? 0, this.savedSet);
      case 'flag': {
        const has = c.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase()) ||
          (key.flag.toLowerCase() === '\\recent' && this.session.recent.has(c.uid));
        return key.not ? !has : has;
      }
      case 'recent':
        return this.session.recent.has(c.uid);
      case 'new':
        return this.session.recent.has(c.uid) && !c.flags.includes('\\Seen');
      case 'old':
        return !this.session.recent.has(c.uid);
      case 'larger':
        return (c.meta?.size ?? 0) > key.size;
      case 'smaller':
        return (c.meta?.size ?? 0) < key.size;
      case 'older':
        return (c.meta?.internalDate ?? 0) <= this.now - key.seconds * 1000;
      case 'younger':
        return (c.meta?.internalDate ?? 0) >= this.now - key.seconds * 1000;
      case 'modseq':
        return c.modseq >= key.modseq;
      case 'emailid':
        return c.meta?.emailId === key.id;
      case 'threadid':
        return false;
      case 'savedatesupported':
        return true;
      case 'date': {
        let ms: number | null;
        if (key.field === 'internal') ms = c.meta?.internalDate ?? null;
        else if (key.field === 'saved') ms = c.meta?.savedAt ?? null;
        else {
          const d = (await this.header(c)).get('date')?.[0];
          const parsed = d ? Date.parse(d.replace(/\([^)]*\)/g, '').trim()) : NaN;
          ms = Number.isNaN(parsed) ? null : parsed;
        }
        if (ms === null) return false;
        const d = day(ms);
        return key.cmp === 'before' ? d < key.date : key.cmp === 'on' ? d === key.date : d >= key.date;
      }
      case 'header': {
        const hits = this.textHits.get(key);
        if (hits) return hits.has(c.uid);
        const values = (await this.header(c)).get(key.field.toLowerCase());
        if (!values) return false;
        const needle = norm(key.value);
        return values.some((v) => norm(v).includes(needle));
      }
      case 'body':
      case 'text':
        return this.textHits.get(key)?.has(c.uid) ?? false;
      case 'not':
        return !(await this.matches(key.key, c));
      case 'or':
        return (await this.matches(key.a, c)) || this.matches(key.b, c);
      case 'and':
        for (const k of key.keys) if (!(await this.matches(k, c))) return false;
        return true;
    }
  }

  private async header(c: Candidate): Promise<Map<string, string[]>> {
    if (c.header) return c.header;
    const store = this.session.ctx.store;
    const index = await store.messages.index(c.meta!.blobHash);
    const reader = await store.messages.open(c.meta!.blobHash);
    c.header = parseHeader(await reader.read(0, index ? index.root.headerEnd : c.meta!.size));
    return c.header;
  }
}
