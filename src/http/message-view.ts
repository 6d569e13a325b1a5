/**
 * The reading pane's `Message` from the stored MIME index: which parts are the text and the
 * HTML a reader sees (decoded: transfer encoding and charset), and which are attachments (with
 * IMAP part numbers for /parts/:part). Only the chosen parts' bytes are read, never the whole
 * message at once. Embedded messages (message/rfc822) are attachments, not text.
 */
import { decodeCharset, decodeWords } from '../mime/charset.ts';
import { displayAddresses, type DisplayAddress } from '../mime/display-address.ts';
import { decodeTransfer } from '../mime/transfer-decoding.ts';
import type { MessageIndex, MimePart } from '../mime/types.ts';
import type { BlobReader } from '../store/ports.ts';

export interface AttachmentJson {
  readonly part: string;
  readonly filename: string;
  readonly type: string;
  /** Decoded size in bytes (estimated for base64 bodies). */
  readonly size: number;
  /** Shown in the body (disposition inline, or a multipart/related resource). */
  readonly inline: boolean;
  /** Content-ID without brackets, for `cid:` references in the HTML. */
  readonly contentId: string | null;
}

export interface MessageBody {
  readonly text: string | null;
  readonly html: string | null;
  readonly attachments: readonly AttachmentJson[];
  readonly headers: { readonly replyTo: readonly DisplayAddress[]; readonly bcc: readonly DisplayAddress[] };
}

interface Layout {
  readonly text: MimePart[];
  readonly html: MimePart[];
  readonly attachments: { part: MimePart; inline: boolean }[];
}

function isBodyText(part: MimePart): boolean {
  if (part.type !== 'text' || (part.subtype !== 'plain' && part.subtype !== 'html')) return false;
  if (part.disposition?.type === 'attachment') return false;
  return part.disposition?.params.filename === undefined && part.params.name === undefined;
}

function walk(part: MimePart, layout: Layout, related: boolean): void {
  if (part.children) {
    if (part.subtype === 'alternative') {
      // RFC 2046 §5.1.4: alternatives come plainest first; take the last plain and last HTML one.
      const plain = [...part.children].reverse().find((k) => k.type === 'text' && k.subtype === 'plain');
      const rich = [...part.children].reverse().find((k) => k.children || (k.type === 'text' && k.subtype === 'html'));
      if (plain) layout.text.push(plain);
      if (rich?.children) walk(rich, layout, related);
      else if (rich) layout.html.push(rich);
      for (const k of part.children) if (k !== plain && k !== rich && !k.children && !isBodyText(k)) layout.attachments.push({ part: k, inline: false });
      return;
    }
    for (const k of part.children) walk(k, layout, related || part.subtype === 'related');
    return;
  }
  if (isBodyText(part) && !part.message) {
    (part.subtype === 'html' ? layout.html : layout.text).push(part);
    return;
  }
  layout.attachments.push({ part, inline: part.disposition?.type === 'inline' || (related && part.disposition?.type !== 'attachment') });
}

export function attachmentName(part: MimePart): string {
  const raw = part.disposition?.params.filename ?? part.params.name ?? '';
  const name = decodeWords(raw).replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  if (name) return name;
  if (part.type === 'message' && part.subtype === 'rfc822') return `message-${part.part}.eml`;
  return `part-${part.part}`;
}

function decodedSize(part: MimePart): number {
  if (part.encoding !== 'base64') return part.size;
  // 76 characters plus CRLF per line, 3 bytes for every 4 characters.
  return Math.floor(((part.size * 76) / 78) * 0.75);
}

/** The decoded text of one text/* part. */
export async function partText(reader: BlobReader, part: MimePart): Promise<string> {
  const body = await reader.read(part.bodyStart, part.bodyEnd);
  const decoded = decodeTransfer(body, part.encoding) ?? body;
  return decodeCharset(decoded, part.params.charset);
}

export async function messageBody(index: MessageIndex, reader: BlobReader): Promise<MessageBody> {
  const layout: Layout = { text: [], html: [], attachments: [] };
  walk(index.root, layout, false);
  const texts = await Promise.all(layout.text.map((p) => partText(reader, p)));
  const html = layout.html[0] ? await partText(reader, layout.html[0]) : null;
  return {
    text: texts.length ? texts.join('\n') : null,
    html,
    attachments: layout.attachments.map(({ part, inline }) => ({
      part: part.part,
      filename: attachmentName(part),
      type: `${part.type}/${part.subtype}`,
      size: decodedSize(part),
      inline,
      contentId: part.id ? part.id.replace(/^<|>$/g, '') : null,
    })),
    headers: { replyTo: displayAddresses(index.envelope.replyTo), bcc: displayAddresses(index.envelope.bcc) },
  };
}
