import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS } from '../core/limits.ts';
import { imapBodystructure } from './imap-serialize.ts';
import { indexMessage } from './index-message.ts';
import type { MimePart } from './types.ts';

function count(p: MimePart): number {
  return 1 + (p.children ?? []).reduce((n, c) => n + count(c), 0) + (p.message ? count(p.message.body) : 0);
}
function depth(p: MimePart): number {
  return 1 + Math.max(0, ...(p.children ?? []).map(depth), p.message ? depth(p.message.body) : 0);
}

void test('nesting deeper than LIMITS.mimeDepth is cut off, not rejected', async () => {
  const n = LIMITS.mimeDepth + 20;
  let msg = 'leaf\r\n';
  for (let i = n; i > 0; i--) {
    msg = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${msg}\r\n--b${i}--\r\n`;
  }
  const { index } = await indexMessage(Buffer.from(`Subject: deep\r\n${msg}`));
  assert.ok(depth(index.root) <= LIMITS.mimeDepth + 1);
  assert.equal(index.root.bodyEnd, index.size);
});

void test('message/rfc822 nested past the depth limit stays opaque', async () => {
  let msg = 'Subject: leaf\r\n\r\nbody\r\n';
  for (let i = 0; i < LIMITS.mimeDepth + 10; i++) msg = `Subject: ${i}\r\nContent-Type: message/rfc822\r\n\r\n${msg}`;
  const { index } = await indexMessage(Buffer.from(msg));
  assert.ok(depth(index.root) <= LIMITS.mimeDepth + 2);
  assert.ok(imapBodystructure(index, true).length > 0);
});

void test('more than LIMITS.mimeParts parts: the tree is capped', async () => {
  const parts = Array.from({ length: LIMITS.mimeParts + 500 }, (_, i) => `--b\r\n\r\np${i}\r\n`).join('');
  const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`);
  const { index } = await indexMessage(raw);
  assert.ok(count(index.root) <= LIMITS.mimeParts);
  assert.equal(index.root.bodyEnd, raw.length);
});

void test('far too many parts or a giant header still give one best-effort part', async () => {
  const parts = '--b\r\n\r\nx\r\n'.repeat(LIMITS.mimeParts * 3);
  for (const raw of [
    Buffer.from(`Subject: many\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${parts}--b--\r\n`),
    Buffer.from(`Subject: big\r\nX-Big: ${'a'.repeat(2 * 1024 * 1024)}\r\n\r\nbody\r\n`),
  ]) {
    const { index, text } = await indexMessage(raw);
    assert.equal(index.root.part, '1');
    assert.equal(index.root.bodyEnd, raw.length);
    assert.ok(index.subject === 'many' || index.subject === 'big');
    assert.equal(typeof text.body, 'string');
  }
});

void test('a 20 MB attachment indexes in well under a few seconds', async () => {
  const b64 = Buffer.alloc(15 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  const raw = Buffer.from(
    'Subject: big\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n' +
      `--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--x--\r\n`,
  );
  const t = performance.now();
  const { index, text } = await indexMessage(raw);
  const ms = performance.now() - t;
  assert.equal(index.root.children?.[1]?.bodyEnd, raw.length - '\r\n--x--\r\n'.length);
  assert.equal(text.body, 'hi');
  assert.ok(ms < 5000, `took ${ms} ms`);
});

void test('search text: HTML stripped, capped, headers decoded; preview collapsed', async () => {
  const raw = Buffer.from(
    'From: =?utf-8?q?J=C3=B6rg?= <j@x.test>\r\nSubject: =?utf-8?b?w6Rw?=\r\nContent-Type: text/html; charset=utf-8\r\n\r\n' +
      '<html><head><style>.a{}</style></head><body><p>Hello&nbsp;&amp;   <b>world</b></p>\r\n<script>x()</script>&#x1F600;</body></html>',
  );
  const { index, text } = await indexMessage(raw);
  assert.equal(text.subject, 'äp');
  assert.equal(text.from, 'Jörg <j@x.test>');
  assert.doesNotMatch(text.body, /[<>]|\.a\{\}|x\(\)/);
  assert.equal(index.preview, 'Hello & world 😀');
});
