/**
 * Invariants over the whole fixture corpus: every recorded range agrees with an independent
 * naive split, lies within the message, and nests; section "" is the whole message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexMessage } from '../../src/mime/index-message.ts';
import { sectionRange } from '../../src/mime/sections.ts';
import type { MessageIndex, MimePart } from '../../src/mime/types.ts';
import { allParts, corpus } from './helpers.ts';
import { naiveSplit, type NaivePart } from './naive-split.ts';

function compare(part: MimePart, naive: NaivePart, where: string): void {
  assert.equal(part.headerStart, naive.hStart, `${where}: header start`);
  assert.equal(part.headerEnd, naive.hEnd, `${where}: header end`);
  assert.equal(part.bodyEnd, naive.end, `${where}: body end`);
  if (part.children) {
    assert.equal(part.children.length, naive.children.length, `${where}: child count`);
    part.children.forEach((c, i) => compare(c, naive.children[i]!, `${where} > ${c.part}`));
  } else {
    // A multipart without delimiter lines is indexed as one leaf.
    assert.ok(naive.children.length === 0 || part.type !== 'multipart', `${where}: lost children`);
  }
  if (part.message) {
    assert.ok(naive.message, `${where}: naive split saw no embedded message`);
    compare(part.message.body, naive.message, `${where} (message)`);
  }
}

/** Checks ranges are within bounds and children nest inside their parent's body, in order. */
export function checkBounds(index: MessageIndex): void {
  for (const p of allParts(index.root)) {
    assert.ok(0 <= p.headerStart && p.headerStart <= p.headerEnd, `${p.part}: header range`);
    assert.equal(p.headerEnd, p.bodyStart, `${p.part}: body starts where the header ends`);
    assert.ok(p.bodyStart <= p.bodyEnd && p.bodyEnd <= index.size, `${p.part}: body range`);
    assert.equal(p.size, p.bodyEnd - p.bodyStart, `${p.part}: size`);
    let prev = p.bodyStart;
    for (const c of p.children ?? []) {
      assert.ok(c.headerStart >= prev && c.bodyEnd <= p.bodyEnd, `${c.part}: nests in ${p.part}`);
      prev = c.bodyEnd;
    }
    if (p.message) {
      assert.equal(p.message.body.headerStart, p.bodyStart, `${p.part}: message starts with the body`);
      assert.equal(p.message.body.bodyEnd, p.bodyEnd, `${p.part}: message ends with the body`);
    }
  }
  assert.deepEqual(sectionRange(index, ''), { start: 0, end: index.size });
  assert.equal(index.root.headerStart, 0);
  assert.equal(index.root.bodyEnd, index.size);
}

for (const { name, raw } of corpus()) {
  void test(`invariants: ${name}`, async () => {
    const { index } = await indexMessage(raw);
    assert.equal(index.size, raw.length);
    checkBounds(index);
    compare(index.root, naiveSplit(raw, 0, raw.length), name);
    for (const p of allParts(index.root)) {
      // Slicing at the offsets gives a header that ends in its blank line (or the data ends).
      const h = raw.subarray(p.headerStart, p.headerEnd).toString('latin1');
      assert.ok(/(^|\n)\r?\n$/.test(h) || p.headerEnd === p.bodyEnd, `${name} ${p.part}: header slice ends with blank line`);
    }
    // Every numbered part resolves back to its own body and MIME header. Multipart message
    // roots share their container's number and are reached through HEADER/TEXT instead.
    const roots = new Set<MimePart>([index.root, ...allParts(index.root).flatMap((p) => (p.message ? [p.message.body] : []))]);
    for (const p of allParts(index.root)) {
      if (roots.has(p) && p.children) continue;
      assert.deepEqual(sectionRange(index, p.part), { start: p.bodyStart, end: p.bodyEnd }, `${name} ${p.part}`);
      assert.deepEqual(sectionRange(index, `${p.part}.MIME`), { start: p.headerStart, end: p.headerEnd }, `${name} ${p.part}.MIME`);
      if (p.message) {
        const inner = p.message.body;
        assert.deepEqual(sectionRange(index, `${p.part}.HEADER`), { start: inner.headerStart, end: inner.headerEnd });
        assert.deepEqual(sectionRange(index, `${p.part}.TEXT`), { start: inner.bodyStart, end: p.bodyEnd });
      }
    }
  });
}
