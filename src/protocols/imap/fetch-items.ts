/**
 * Builds one message's FETCH response items (RFC 9051 §7.5.2) from the view, the message row,
 * the stored MIME index and the blob. Bodies are sliced by the index's byte ranges, never
 * re-parsed; large literals are streamed from the blob.
 */
import { filterHeaderFields, findPart, sectionRange } from '../../mime/sections.ts';
import { decodeTransfer } from '../../mime/transfer-decoding.ts';
import { imapBodystructure, imapEnvelope } from '../../mime/imap-serialize.ts';
import type { MessageIndex } from '../../mime/types.ts';
import type { BlobReader } from '../../store/ports.ts';
import type { MessageMeta } from '../../store/types.ts';
import { no } from './protocol-error.ts';
import { formatInternalDate, quoted, stringOrLiteral } from './wire/encode.ts';
import type { FetchAtt, Section } from './wire/types.ts';

/** A piece of output: text, bytes, or a byte range streamed from a blob as a literal body. */
export type Piece = string | Buffer | { readonly reader: BlobReader; readonly start: number; readonly end: number };

/** Sections larger than this are streamed instead of read into memory. */
const STREAM_ABOVE = 256 * 1024;

export interface MessageSource {
  readonly seq: number;
  readonly uid: number;
  /** The FLAGS list as this session shows it (computed only when FLAGS is asked for). */
  flags(): string;
  readonly modseq: number;
  readonly meta: MessageMeta | null;
  /** UTF-8 strings may be sent quoted (UTF8=ACCEPT / IMAP4rev2). */
  readonly utf8: boolean;
  index(): Promise<MessageIndex | null>;
  blob(): Promise<BlobReader>;
}

function sectionLabel(s: Section): string {
  const part = s.part.join('.');
  if (!s.text) return part;
  const text = s.fields ? `${s.text} (${s.fields.join(' ')})` : s.text;
  return part ? `${part}.${text}` : text;
}

/** Appends a body value: `""` when empty (iOS stalls on `{0}`), else a literal. */
async function literal(out: Piece[], src: MessageSource, start: number, end: number, filter?: (b: Buffer) => Buffer): Promise<void> {
  const reader = await src.blob();
  if (!filter && end - start > STREAM_ABOVE) {
    out.push(`{${end - start}}\r\n`, { reader, start, end });
    return;
  }
  let bytes = await reader.read(start, end);
  if (filter) bytes = filter(bytes);
  if (bytes.length === 0) out.push('""');
  else out.push(`{${bytes.length}}\r\n`, bytes);
}

async function bodySection(out: Piece[], src: MessageSource, att: Extract<FetchAtt, { kind: 'BODY[]' }>): Promise<void> {
  const s = att.section;
  const label = `BODY[${sectionLabel(s)}]${att.partial ? `<${att.partial.start}>` : ''} `;
  out.push(label);
  let range: { start: number; end: number } | null;
  let filter: ((b: Buffer) => Buffer) | undefined;
  const size = src.meta?.size ?? 0;
  if (s.part.length === 0 && !s.text) {
    range = { start: 0, end: size };
  } else {
    const index = await src.index();
    if (!index) {
      out.push('NIL');
      return;
    }
    const base = s.text === 'HEADER.FIELDS' || s.text === 'HEADER.FIELDS.NOT' ? 'HEADER' : s.text;
    range = sectionRange(index, [s.part.join('.'), base].filter(Boolean).join('.'));
    if (s.fields) {
      const fields = s.fields;
      const not = s.text === 'HEADER.FIELDS.NOT';
      filter = (b) => filterHeaderFields(b, [...fields], not);
    }
  }
  if (!range) {
    out.push('NIL');
    return;
  }
  if (!att.partial) return literal(out, src, range.start, range.end, filter);
  // A partial applies after HEADER.FIELDS filtering; compute on the filtered bytes then.
  if (filter) {
    const reader = await src.blob();
    const all = filter(await reader.read(range.start, range.end));
    const part = all.subarray(att.partial.start, att.partial.start + att.partial.length);
    out.push(part.length ? `{${part.length}}\r\n` : '""');
    if (part.length) out.push(part);
    return;
  }
  const start = Math.min(range.end, range.start + att.partial.start);
  const end = Math.min(range.end, start + att.partial.length);
  return literal(out, src, start, end);
}

/**
 * RFC 3516 BINARY[part]<partial> and BINARY.SIZE[part]: the part's content with its transfer
 * encoding undone; literal8 (`~{n}`) when the result holds NUL. An encoding we cannot undo is a
 * NO [UNKNOWN-CTE] for the command.
 */
async function binary(out: Piece[], src: MessageSource, att: Extract<FetchAtt, { kind: 'BINARY' | 'BINARY.SIZE' }>): Promise<void> {
  const label = att.part.join('.');
  let data: Buffer;
  if (att.part.length === 0) {
    data = await (await src.blob()).read(0, src.meta?.size ?? 0);
  } else {
    const index = await src.index();
    const part = index ? findPart(index.root, [...att.part]) : null;
    if (!index || !part) {
      out.push(att.kind === 'BINARY' ? `BINARY[${label}] NIL` : `BINARY.SIZE[${label}] 0`);
      return;
    }
    const raw = await (await src.blob()).read(part.bodyStart, part.bodyEnd);
    const decoded = decodeTransfer(raw, part.encoding);
    if (!decoded) throw no(`Cannot decode the transfer encoding ${part.encoding}`, 'UNKNOWN-CTE');
    data = decoded;
  }
  if (att.kind === 'BINARY.SIZE') {
    out.push(`BINARY.SIZE[${label}] ${data.length}`);
    return;
  }
  if (att.partial) data = data.subarray(att.partial.start, att.partial.start + att.partial.length);
  out.push(`BINARY[${label}]${att.partial ? `<${att.partial.start}>` : ''} `);
  if (data.length === 0) out.push('""');
  else out.push(`${data.includes(0) ? '~' : ''}{${data.length}}\r\n`, data);
}

/** The items of one FETCH response, in the order asked (UID first when implied). */
export async function fetchItems(src: MessageSource, atts: readonly FetchAtt[]): Promise<Piece[]> {
  const out: Piece[] = [];
  for (const att of atts) {
    if (out.length) out.push(' ');
    switch (att.kind) {
      case 'UID':
        out.push(`UID ${src.uid}`);
        break;
      case 'FLAGS':
        out.push(`FLAGS ${src.flags()}`);
        break;
      case 'MODSEQ':
        out.push(`MODSEQ (${src.modseq})`);
        break;
      case 'INTERNALDATE':
        out.push(`INTERNALDATE ${quoted(formatInternalDate(src.meta?.internalDate ?? 0))}`);
        break;
      case 'SAVEDATE':
        out.push(`SAVEDATE ${src.meta ? quoted(formatInternalDate(src.meta.savedAt)) : 'NIL'}`);
        break;
      case 'RFC822.SIZE':
        out.push(`RFC822.SIZE ${src.meta?.size ?? 0}`);
        break;
      case 'EMAILID':
        out.push(`EMAILID (${src.meta?.emailId ?? 'NIL'})`);
        break;
      case 'THREADID':
        out.push('THREADID NIL');
        break;
      case 'ENVELOPE': {
        const index = await src.index();
        out.push(`ENVELOPE ${index ? imapEnvelope(index.envelope) : 'NIL'}`);
        break;
      }
      case 'BODYSTRUCTURE':
      case 'BODY': {
        const index = await src.index();
        out.push(`${att.kind} ${index ? imapBodystructure(index, att.kind === 'BODYSTRUCTURE') : 'NIL'}`);
        break;
      }
      case 'PREVIEW': {
        // RFC 8970 §3: the preview text, "" when the message has none.
        const index = await src.index();
        out.push('PREVIEW ', index ? stringOrLiteral(index.preview, src.utf8) : 'NIL');
        break;
      }
      case 'RFC822':
        out.push('RFC822 ');
        await literal(out, src, 0, src.meta?.size ?? 0);
        break;
      case 'RFC822.HEADER': {
        const index = await src.index();
        out.push('RFC822.HEADER ');
        await literal(out, src, 0, index ? index.root.headerEnd : 0);
        break;
      }
      case 'RFC822.TEXT': {
        const index = await src.index();
        out.push('RFC822.TEXT ');
        await literal(out, src, index ? index.root.bodyStart : 0, src.meta?.size ?? 0);
        break;
      }
      case 'BODY[]':
        await bodySection(out, src, att);
        break;
      case 'BINARY':
      case 'BINARY.SIZE':
        await binary(out, src, att);
        break;
    }
  }
  return out;
}
