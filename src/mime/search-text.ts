/**
 * Search text, preview and the attachment flag from a built part tree. Which parts count as
 * "the text" follows what a reader sees: one alternative of multipart/alternative (plain
 * preferred), every inline text part elsewhere, and the text of embedded messages.
 */
import { LIMITS } from '../core/limits.ts';
import { collapsedPrefix, partText } from './text.ts';
import type { MimePart } from './types.ts';

/** What `collectText` found. */
export interface CollectedText {
  body: string;
  preview: string;
  hasAttachments: boolean;
}

function isAttachment(part: MimePart, parent: MimePart | null): boolean {
  if (parent === null) return false;
  const disp = part.disposition?.type;
  if (disp === 'attachment') return true;
  if (part.type === 'message') return true;
  if (disp === 'inline') return false;
  // Resources of multipart/related (RFC 2387) are part of the HTML, not attachments.
  if (parent.type === 'multipart' && parent.subtype === 'related') return false;
  const named = part.params.name !== undefined || part.disposition?.params.filename !== undefined;
  return named || part.type !== 'text';
}

function textParts(part: MimePart, parent: MimePart | null, out: MimePart[], flags: { attach: boolean }): void {
  if (part.children) {
    let kids = part.children;
    if (part.subtype === 'alternative' && kids.length > 1) {
      // RFC 2046 §5.1.4: alternatives are ordered plainest first; plain text searches best.
      const plain = kids.find((k) => k.type === 'text' && k.subtype === 'plain');
      kids = [plain ?? kids[kids.length - 1]!];
      for (const k of part.children) if (k !== kids[0]) markAttachments(k, part, flags);
    }
    for (const k of kids) textParts(k, part, out, flags);
    return;
  }
  if (isAttachment(part, parent)) flags.attach = true;
  if (part.message) {
    textParts(part.message.body, null, out, flags);
    return;
  }
  if (part.type === 'text' && (part.subtype === 'plain' || part.subtype === 'html') && part.disposition?.type !== 'attachment') {
    out.push(part);
  }
}

function markAttachments(part: MimePart, parent: MimePart, flags: { attach: boolean }): void {
  if (part.children) for (const k of part.children) markAttachments(k, part, flags);
  else if (isAttachment(part, parent)) flags.attach = true;
}

/** Decodes the text parts of `root` (capped at LIMITS.searchTextChars) and derives the preview. */
export function collectText(raw: Buffer, root: MimePart): CollectedText {
  const parts: MimePart[] = [];
  const flags = { attach: false };
  textParts(root, null, parts, flags);
  let body = '';
  let preview = '';
  for (const p of parts) {
    if (body.length >= LIMITS.searchTextChars) break;
    const text = decodedText(raw, p);
    if (preview === '') preview = previewText(text);
    body += (body === '' ? '' : '\n') + text;
  }
  if (body.length > LIMITS.searchTextChars) body = body.slice(0, LIMITS.searchTextChars);
  return { body, preview, hasAttachments: flags.attach };
}

/**
 * The preview and attachment flag alone, as `collectText` gives them, decoding text parts only
 * until one gives a preview (usually the first) instead of all of them.
 */
export function previewOf(raw: Buffer, root: MimePart): Omit<CollectedText, 'body'> {
  const parts: MimePart[] = [];
  const flags = { attach: false };
  textParts(root, null, parts, flags);
  // The length `collectText`'s body would have reached: it stops at the cap.
  let bodyLength = 0;
  for (const p of parts) {
    if (bodyLength >= LIMITS.searchTextChars) break;
    const text = decodedText(raw, p);
    const preview = previewText(text);
    if (preview !== '') return { preview, hasAttachments: flags.attach };
    bodyLength += (bodyLength === 0 ? 0 : 1) + text.length;
  }
  return { preview: '', hasAttachments: flags.attach };
}

function decodedText(raw: Buffer, p: MimePart): string {
  // Decoding more than the cap (times a generous factor for markup) is wasted work.
  const end = Math.min(p.bodyEnd, p.bodyStart + LIMITS.searchTextChars * 8);
  return partText(raw.subarray(p.bodyStart, end), p.encoding, p.params.charset, p.subtype);
}

function previewText(text: string): string {
  return collapsedPrefix(text, LIMITS.previewChars * 8, LIMITS.previewChars);
}
