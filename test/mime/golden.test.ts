/**
 * MIME goldens: each fixtures/mime/x.eml has x.golden.json with part offsets, BODY,
 * BODYSTRUCTURE, ENVELOPE and search-text snippets. `UPDATE_GOLDEN=1` rewrites them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { imapBodystructure, imapEnvelope } from '../../src/mime/imap-serialize.ts';
import { indexMessage } from '../../src/mime/index-message.ts';
import type { MimePart } from '../../src/mime/types.ts';
import { FIXTURES, checkSexp, corpus } from './helpers.ts';

function flatten(root: MimePart): unknown[] {
  const out: unknown[] = [];
  const walk = (p: MimePart, label: string): void => {
    out.push({
      part: label,
      type: `${p.type}/${p.subtype}`,
      header: [p.headerStart, p.headerEnd],
      body: [p.bodyStart, p.bodyEnd],
      ...(p.lines !== undefined ? { lines: p.lines } : {}),
    });
    p.children?.forEach((c) => walk(c, c.part));
    // An embedded message's multipart root shares its container's number; label it apart.
    if (p.message) walk(p.message.body, p.message.body.children ? `${p.part} (message root)` : p.message.body.part);
  };
  walk(root, root.children ? '(message root)' : root.part);
  return out;
}

for (const { name, raw } of corpus()) {
  void test(`golden: ${name}`, async () => {
    const { index, text } = await indexMessage(raw);
    const actual = {
      size: index.size,
      headerEnd: index.headerEnd,
      parts: flatten(index.root),
      envelope: imapEnvelope(index.envelope),
      body: imapBodystructure(index, false),
      bodystructure: imapBodystructure(index, true),
      date: index.date === null ? null : new Date(index.date).toISOString(),
      messageId: index.messageId,
      inReplyTo: index.inReplyTo,
      references: index.references,
      subject: index.subject,
      baseSubject: index.baseSubject,
      preview: index.preview,
      hasAttachments: index.hasAttachments,
      text: { ...text, body: text.body.slice(0, 400), bodyLength: text.body.length },
    };
    for (const s of [actual.envelope, actual.body, actual.bodystructure]) assert.equal(checkSexp(s), null, s);
    const file = join(FIXTURES, `${name}.golden.json`);
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    assert.ok(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1 and review the diff`);
    assert.deepEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
    // The stored index must survive its own JSON round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(index)), index);
  });
}
