/**
 * The MIME indexer: raw message bytes in, the stored MessageIndex and/or the search text out.
 * Runs once at delivery/APPEND time (the index) and once more in the full-text indexer (the
 * text); each asks only for what it keeps. Invariant: it never rejects; a message it cannot make
 * sense of still gets a best-effort index (at worst one text/plain part covering the body).
 *
 * Only a multipart is handed to the splitter (mailsplit): a part whose own header says it is not
 * multipart has no delimiters to find, so its header end is the first empty line
 * (`findHeaderEnd`, the same rule mailsplit applies) and its body runs to the end. The index is
 * identical to what splitting every message gave (test/mime/index-equivalence.test.ts).
 */
import { LIMITS } from '../core/limits.ts';
import { addressText, buildEnvelope, parseDate } from './envelope.ts';
import { decodeWords } from './charset.ts';
import { allFields, findHeaderEnd, firstField, parseHeaderBlock, type HeaderField } from './headers.ts';
import { readPartFields, type PartFields } from './part-fields.ts';
import { splitMessage, type SplitNode } from './split.ts';
import { collectText, previewOf } from './search-text.ts';
import { baseSubject, firstMessageId, parseMessageIds } from './thread.ts';
import { countLines } from './text.ts';
import type { Envelope, IndexedMessage, MessageIndex, MimePart, SearchText } from './types.ts';

export type { IndexedMessage, SearchText } from './types.ts';

interface Ctx {
  raw: Buffer;
  parts: number;
}

/** A message's header fields, envelope and part tree: what the index and the text derive from. */
interface Built {
  fields: HeaderField[];
  envelope: Envelope;
  body: MimePart;
}

/** Indexes one message and derives its search text; never rejects (see the module comment). */
export async function indexMessage(raw: Uint8Array): Promise<IndexedMessage> {
  return withFallback(raw, (buf, top) => ({ index: toIndex(buf, top), text: toText(buf, top) }), emptyIndexed);
}

/** The stored index alone (no search text): what the store keeps of a new message. */
export async function messageIndex(raw: Uint8Array): Promise<MessageIndex> {
  return withFallback(raw, toIndex, (size) => emptyIndexed(size).index);
}

/** The search text alone: what the full-text indexer keeps of a message. */
export async function messageSearchText(raw: Uint8Array): Promise<SearchText> {
  return withFallback(raw, toText, (size) => emptyIndexed(size).text);
}

async function withFallback<T>(raw: Uint8Array, derive: (raw: Buffer, top: Built) => T, empty: (size: number) => T): Promise<T> {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    return derive(buf, await buildMessage({ raw: buf, parts: 0 }, 0, buf.length, '', 0));
  } catch {
    // Reached only through a bug of ours; the promise of "never rejects" still holds.
    try {
      return derive(buf, flatMessage(buf));
    } catch {
      return empty(buf.length);
    }
  }
}

function toIndex(raw: Buffer, { fields, envelope, body }: Built): MessageIndex {
  const subject = decodeWords(firstField(fields, 'subject') ?? '');
  const { preview, hasAttachments } = previewOf(raw, body);
  return {
    v: 1,
    size: raw.length,
    headerEnd: body.headerEnd,
    bodyStart: body.bodyStart,
    root: body,
    envelope,
    date: parseDate(firstField(fields, 'date')),
    messageId: firstMessageId(firstField(fields, 'message-id')),
    inReplyTo: firstMessageId(firstField(fields, 'in-reply-to')),
    references: allFields(fields, 'references').flatMap((v) => parseMessageIds(v)),
    subject,
    baseSubject: baseSubject(subject),
    preview,
    hasAttachments,
  };
}

function toText(raw: Buffer, { fields, envelope, body }: Built): SearchText {
  return {
    subject: decodeWords(firstField(fields, 'subject') ?? ''),
    from: addressText(envelope.from),
    to: addressText(envelope.to),
    cc: addressText(envelope.cc),
    bcc: addressText(envelope.bcc),
    headers: fields.map((f) => `${f.name}: ${decodeWords(f.value)}`).join('\n'),
    body: collectText(raw, body).body,
  };
}

/**
 * Builds the (possibly embedded) message in `raw[start, end)`: `prefix` is "" at top level, else
 * its part number. Its header is read first; only a multipart goes through the splitter.
 */
async function buildMessage(ctx: Ctx, start: number, end: number, prefix: string, depth: number): Promise<Built> {
  const hEnd = findHeaderEnd(ctx.raw, start, end);
  let fields = parseHeaderBlock(ctx.raw.subarray(start, hEnd));
  let pf = readPartFields(fields, false);
  let node: SplitNode = { hStart: start, hEnd, end, children: [] };
  if (pf.type === 'multipart') {
    node = await splitMessage(ctx.raw, start, end);
    if (node.hStart !== start || node.hEnd !== hEnd) {
      // Never seen (mailsplit ends a header where findHeaderEnd does); the splitter's ranges win.
      fields = parseHeaderBlock(ctx.raw.subarray(node.hStart, node.hEnd));
      pf = readPartFields(fields, false);
    }
  }
  const envelope = buildEnvelope(fields);
  const body = await buildPart(ctx, node, pf, false, prefix, true, depth);
  return { fields, envelope, body };
}

function flatMessage(raw: Buffer): Built {
  const hEnd = findHeaderEnd(raw, 0, raw.length);
  const node: SplitNode = { hStart: 0, hEnd, end: raw.length, children: [] };
  const fields = parseHeaderBlock(raw.subarray(0, hEnd));
  const body = leaf(raw, node, { ...readPartFields([], false) }, '1');
  return { fields, envelope: buildEnvelope(fields), body };
}

/**
 * Builds a part from its fields. `num` is the part's own number, or the message prefix when
 * `isRoot`: a non-multipart message root is "<prefix>.1" (just "1" at top level, RFC 3501 §6.4.5).
 */
async function buildPart(
  ctx: Ctx,
  node: SplitNode,
  pf: PartFields,
  inDigest: boolean,
  num: string,
  isRoot: boolean,
  depth: number,
): Promise<MimePart> {
  ctx.parts++;
  const leafNum = isRoot ? (num === '' ? '1' : `${num}.1`) : num;
  if (pf.type === 'multipart') {
    if (node.children.length === 0 || depth >= LIMITS.mimeDepth) {
      // No delimiter found (or too deep): BODYSTRUCTURE needs at least one body part per
      // multipart (RFC 3501 §9 body-type-mpart), so the whole thing becomes one opaque part.
      const fallback = depth >= LIMITS.mimeDepth ? ['application', 'octet-stream'] : ['text', 'plain'];
      return leaf(ctx.raw, node, { ...pf, type: fallback[0]!, subtype: fallback[1]!, params: {} }, leafNum);
    }
    const children: MimePart[] = [];
    const digest = pf.subtype === 'digest';
    for (const [i, child] of node.children.entries()) {
      if (ctx.parts >= LIMITS.mimeParts) break;
      const childFields = readPartFields(parseHeaderBlock(ctx.raw.subarray(child.hStart, child.hEnd)), digest);
      const childNum = num === '' ? String(i + 1) : `${num}.${i + 1}`;
      children.push(await buildPart(ctx, child, childFields, digest, childNum, false, depth + 1));
    }
    return { ...base(node, pf, num), children };
  }
  const part = leaf(ctx.raw, node, pf, leafNum);
  // Only unencoded messages have byte ranges a client can address (RFC 3501 §6.4.5); an
  // encoded one stays an opaque leaf.
  if (
    pf.type === 'message' &&
    (pf.subtype === 'rfc822' || pf.subtype === 'global') &&
    ['7bit', '8bit', 'binary'].includes(pf.encoding) &&
    depth < LIMITS.mimeDepth &&
    ctx.parts < LIMITS.mimeParts
  ) {
    const built = await buildMessage(ctx, node.hEnd, node.end, part.part, depth + 1);
    part.message = { envelope: built.envelope, body: built.body };
  }
  return part;
}

function base(node: SplitNode, pf: PartFields, num: string): MimePart {
  return {
    part: num,
    ...pf,
    headerStart: node.hStart,
    headerEnd: node.hEnd,
    bodyStart: node.hEnd,
    bodyEnd: node.end,
    size: node.end - node.hEnd,
  };
}

function leaf(raw: Buffer, node: SplitNode, pf: PartFields, num: string): MimePart {
  const part = base(node, pf, num);
  if (pf.type === 'text' || (pf.type === 'message' && (pf.subtype === 'rfc822' || pf.subtype === 'global'))) {
    part.lines = countLines(raw, node.hEnd, node.end);
  }
  return part;
}

function emptyIndexed(size: number): IndexedMessage {
  const envelope = buildEnvelope([]);
  const root: MimePart = {
    part: '1', ...readPartFields([], false),
    headerStart: 0, headerEnd: 0, bodyStart: 0, bodyEnd: size, size, lines: 0,
  };
  return {
    index: {
      v: 1, size, headerEnd: 0, bodyStart: 0, root, envelope, date: null, messageId: null,
      inReplyTo: null, references: [], subject: '', baseSubject: '', preview: '', hasAttachments: false,
    },
    text: { subject: '', from: '', to: '', cc: '', bcc: '', headers: '', body: '' },
  };
}
