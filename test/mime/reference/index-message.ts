/**
 * The MIME indexer: raw message bytes in, the stored MessageIndex and search text out. Runs once
 * at delivery/APPEND time. Invariant: it never rejects; a message it cannot make sense of still
 * gets a best-effort index (at worst one text/plain part covering the body).
 */
import { LIMITS } from '../../../src/core/limits.ts';
import { addressText, buildEnvelope, parseDate } from '../../../src/mime/envelope.ts';
import { decodeWords } from '../../../src/mime/charset.ts';
import { allFields, findHeaderEnd, firstField, parseHeaderBlock, type HeaderField } from '../../../src/mime/headers.ts';
import { readPartFields } from '../../../src/mime/part-fields.ts';
import { splitMessage, type SplitNode } from './split.ts';
import { collectText } from './search-text.ts';
import { baseSubject, firstMessageId, parseMessageIds } from '../../../src/mime/thread.ts';
import { countLines } from './text.ts';
import type { Envelope, IndexedMessage, MessageIndex, MimePart, SearchText } from '../../../src/mime/types.ts';

export type { IndexedMessage, SearchText } from '../../../src/mime/types.ts';

interface Ctx {
  raw: Buffer;
  parts: number;
}

interface Built {
  fields: HeaderField[];
  envelope: Envelope;
  body: MimePart;
}

/** Indexes one message; never rejects (see the module comment). */
export async function indexMessage(raw: Uint8Array): Promise<IndexedMessage> {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    return await build(buf, false);
  } catch {
    // Reached only through a bug of ours; the promise of "never rejects" still holds.
    try {
      return await build(buf, true);
    } catch {
      return emptyIndex(buf.length);
    }
  }
}

async function build(raw: Buffer, flat: boolean): Promise<IndexedMessage> {
  const ctx: Ctx = { raw, parts: 0 };
  const top = flat
    ? flatMessage(ctx)
    : await buildMessage(ctx, await splitMessage(raw), '', 0);
  const { fields, envelope, body } = top;
  const subject = decodeWords(firstField(fields, 'subject') ?? '');
  const collected = collectText(raw, body);
  const text: SearchText = {
    subject,
    from: addressText(envelope.from),
    to: addressText(envelope.to),
    cc: addressText(envelope.cc),
    bcc: addressText(envelope.bcc),
    headers: fields.map((f) => `${f.name}: ${decodeWords(f.value)}`).join('\n'),
    body: collected.body,
  };
  const index: MessageIndex = {
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
    preview: collected.preview,
    hasAttachments: collected.hasAttachments,
  };
  return { index, text };
}

/** Builds one (possibly embedded) message: `prefix` is "" at top level, else its part number. */
async function buildMessage(ctx: Ctx, node: SplitNode, prefix: string, depth: number): Promise<Built> {
  const fields = parseHeaderBlock(ctx.raw.subarray(node.hStart, node.hEnd));
  const envelope = buildEnvelope(fields);
  const body = await buildPart(ctx, node, fields, false, prefix, true, depth);
  return { fields, envelope, body };
}

function flatMessage(ctx: Ctx): Built {
  const hEnd = findHeaderEnd(ctx.raw, 0, ctx.raw.length);
  const node: SplitNode = { hStart: 0, hEnd, end: ctx.raw.length, children: [] };
  const fields = parseHeaderBlock(ctx.raw.subarray(0, hEnd));
  const body = leaf(ctx, node, { ...readPartFields([], false) }, '1');
  return { fields, envelope: buildEnvelope(fields), body };
}

/**
 * Builds a part. `num` is the part's own number, or the message prefix when `isRoot`: a
 * non-multipart message root is "<prefix>.1" (just "1" at top level, RFC 3501 §6.4.5).
 */
async function buildPart(
  ctx: Ctx,
  node: SplitNode,
  fields: HeaderField[],
  inDigest: boolean,
  num: string,
  isRoot: boolean,
  depth: number,
): Promise<MimePart> {
  ctx.parts++;
  const pf = readPartFields(fields, inDigest);
  const leafNum = isRoot ? (num === '' ? '1' : `${num}.1`) : num;
  if (pf.type === 'multipart') {
    if (node.children.length === 0 || depth >= LIMITS.mimeDepth) {
      // No delimiter found (or too deep): BODYSTRUCTURE needs at least one body part per
      // multipart (RFC 3501 §9 body-type-mpart), so the whole thing becomes one opaque part.
      const fallback = depth >= LIMITS.mimeDepth ? ['application', 'octet-stream'] : ['text', 'plain'];
      return leaf(ctx, node, { ...pf, type: fallback[0]!, subtype: fallback[1]!, params: {} }, leafNum);
    }
    const children: MimePart[] = [];
    for (const [i, child] of node.children.entries()) {
      if (ctx.parts >= LIMITS.mimeParts) break;
      const childFields = parseHeaderBlock(ctx.raw.subarray(child.hStart, child.hEnd));
      const childNum = num === '' ? String(i + 1) : `${num}.${i + 1}`;
      children.push(await buildPart(ctx, child, childFields, pf.subtype === 'digest', childNum, false, depth + 1));
    }
    return { ...base(node, pf, num), children };
  }
  const part = leaf(ctx, node, pf, leafNum);
  // Only unencoded messages have byte ranges a client can address (RFC 3501 §6.4.5); an
  // encoded one stays an opaque leaf.
  if (
    pf.type === 'message' &&
    (pf.subtype === 'rfc822' || pf.subtype === 'global') &&
    ['7bit', '8bit', 'binary'].includes(pf.encoding) &&
    depth < LIMITS.mimeDepth &&
    ctx.parts < LIMITS.mimeParts
  ) {
    const inner = await splitMessage(ctx.raw, node.hEnd, node.end);
    const built = await buildMessage(ctx, inner, part.part, depth + 1);
    part.message = { envelope: built.envelope, body: built.body };
  }
  return part;
}

function base(node: SplitNode, pf: ReturnType<typeof readPartFields>, num: string): MimePart {
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

function leaf(ctx: Ctx, node: SplitNode, pf: ReturnType<typeof readPartFields>, num: string): MimePart {
  const part = base(node, pf, num);
  if (pf.type === 'text' || (pf.type === 'message' && (pf.subtype === 'rfc822' || pf.subtype === 'global'))) {
    part.lines = countLines(ctx.raw, node.hEnd, node.end);
  }
  return part;
}

function emptyIndex(size: number): IndexedMessage {
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
