/**
 * Property tests (fast-check): hostile bytes and mutated corpus messages never make the indexer
 * reject, hang or produce out-of-range offsets or unbalanced IMAP syntax; UTF-7 round trips.
 * Runs are bounded so the whole MIME suite stays well under 20 seconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { imapBodystructure, imapEnvelope } from '../../src/mime/imap-serialize.ts';
import { indexMessage } from '../../src/mime/index-message.ts';
import { sectionRange } from '../../src/mime/sections.ts';
import type { MessageIndex } from '../../src/mime/types.ts';
import { decodeMailboxName, encodeMailboxName } from '../../src/mime/utf7.ts';
import { allParts, checkSexp, corpus } from './helpers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_ITERATIONS ?? 400);
const params = { seed: SEED, numRuns: RUNS };

function checkIndex(index: MessageIndex, size: number): void {
  assert.equal(index.size, size);
  for (const p of allParts(index.root)) {
    for (const n of [p.headerStart, p.headerEnd, p.bodyStart, p.bodyEnd]) {
      assert.ok(Number.isInteger(n) && n >= 0 && n <= size, `offset ${n} out of [0, ${size}] in ${p.part}`);
    }
    assert.ok(p.headerStart <= p.headerEnd && p.bodyStart <= p.bodyEnd, `range order in ${p.part}`);
    const r = sectionRange(index, p.part);
    if (r) assert.ok(r.start >= 0 && r.end <= size && r.start <= r.end);
  }
  for (const [what, s] of [
    ['BODY', imapBodystructure(index, false)],
    ['BODYSTRUCTURE', imapBodystructure(index, true)],
    ['ENVELOPE', imapEnvelope(index.envelope)],
  ] as const) {
    const err = checkSexp(s);
    assert.equal(err, null, `${what} not balanced (${err}): ${s.slice(0, 300)}`);
  }
  JSON.stringify(index);
}

async function withinTime<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`indexMessage took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Pieces that steer random input into MIME structure rather than plain noise.
const TOKENS = [
  'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: multipart/alternative; boundary="c"\r\n',
  'Content-Type: message/rfc822\r\n', 'Content-Type: multipart/digest; boundary=b\r\n',
  'Content-Type: text/plain; charset=koi8-r\r\n', 'Content-Transfer-Encoding: base64\r\n',
  'Content-Disposition: attachment; filename*0*=utf-8\'\'%E2%82; filename*1=x\r\n',
  'From: "a\\" b" <c@d>, g: h@i;\r\n', 'Subject: =?utf-8?B?w6Q=?= =?x?Q?=FF?=\r\n',
  '\r\n', '\n', '\r', '--b\r\n', '--b--\r\n', '--c\r\n', '--c--', ' folded\r\n', 'text\r\n', '\0', '\xff\xfe',
];
const mimeish = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), { maxLength: 60 })
  .map((xs) => Buffer.from(xs.join(''), 'latin1'));

void test(`indexMessage on random bytes never rejects (seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
      const { index } = await withinTime(indexMessage(bytes), 5000);
      checkIndex(index, bytes.length);
    }),
    params,
  );
});

void test(`indexMessage on MIME-shaped noise never rejects (seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(mimeish, async (bytes) => {
      const { index } = await withinTime(indexMessage(bytes), 5000);
      checkIndex(index, bytes.length);
    }),
    params,
  );
});

const files = corpus().map((c) => c.raw);
type Mutation = { kind: 'truncate' | 'delete' | 'insert' | 'flip' | 'lf'; at: number; len: number; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('truncate', 'delete', 'insert', 'flip', 'lf'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 64 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }),
});

function mutate(raw: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(raw);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    else if (m.kind === 'flip' && b.length > 0) b[at] = b[at]! ^ (m.bytes[0] ?? 0xff);
    else if (m.kind === 'lf') b = Buffer.from(b.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  }
  return b;
}

void test(`mutated and truncated corpus messages never make indexMessage reject (seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: files.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (i, muts) => {
      const bytes = mutate(files[i]!, muts);
      const { index } = await withinTime(indexMessage(bytes), 5000);
      checkIndex(index, bytes.length);
    }),
    params,
  );
});

void test(`modified UTF-7: decode(encode(s)) === s for any Unicode string (seed ${SEED})`, () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const enc = encodeMailboxName(s);
      assert.match(enc, /^[\x20-\x7e]*$/);
      assert.equal(decodeMailboxName(enc), s);
    }),
    { seed: SEED, numRuns: RUNS * 5 },
  );
});

void test(`modified UTF-7: decode accepts only canonical encodings (seed ${SEED})`, () => {
  const alphabet = fc.constantFrom(...'&-AZaz09+,/. ~\t\x80'.split(''), 'APw', 'U,BTFw', '2D3eAA', 'AGE');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 12 }).map((xs) => xs.join('')), (s) => {
      const dec = decodeMailboxName(s);
      if (dec !== null) assert.equal(encodeMailboxName(dec), s);
    }),
    { seed: SEED, numRuns: RUNS * 5 },
  );
});
