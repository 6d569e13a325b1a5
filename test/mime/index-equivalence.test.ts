/**
 * The indexer's output must not change when its implementation does: the current
 * `messageIndex`, `messageSearchText` and `indexMessage` are compared, as JSON, with the frozen
 * reference in test/mime/reference/ (the indexer before the index/search-text split and the
 * single-part fast path) over the fixture corpus, mutated corpus messages, MIME-shaped noise and
 * generated MIME trees.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { indexMessage, messageIndex, messageSearchText } from '../../src/mime/index-message.ts';
import { storeIndexTask, searchTextTask } from '../../src/mime/index-tasks.ts';
import { indexMessage as referenceIndex } from './reference/index-message.ts';
import { corpus } from './helpers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_ITERATIONS ?? 300);
const params = { seed: SEED, numRuns: RUNS };

async function same(raw: Buffer, label: string): Promise<void> {
  const ref = await referenceIndex(raw);
  const index = await messageIndex(raw);
  assert.equal(JSON.stringify(index), JSON.stringify(ref.index), `${label}: index differs`);
  assert.deepEqual(await messageSearchText(raw), ref.text, `${label}: search text differs`);
  assert.equal(JSON.stringify(await indexMessage(raw)), JSON.stringify(ref), `${label}: indexMessage differs`);
}

void test('every corpus message: the same index and search text as the reference', async () => {
  const files = corpus();
  assert.ok(files.length >= 10, 'the fixture corpus is there');
  for (const { name, raw } of files) {
    await same(raw, name);
    // The same message with bare LF line ends, and without its final line break.
    await same(Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'), `${name} (LF)`);
    await same(raw.subarray(0, Math.max(0, raw.length - 2)), `${name} (cut)`);
  }
});

void test('the pool tasks give the reference index JSON and text', async () => {
  for (const { name, raw } of corpus()) {
    const ref = await referenceIndex(raw);
    assert.equal((await storeIndexTask(raw)).indexJson, JSON.stringify(ref.index), name);
    assert.deepEqual(await searchTextTask(raw), ref.text, name);
  }
});

void test('smtp-source shaped and edge-case single-part messages', async () => {
  let body = '';
  for (let i = 0; body.length < 10240; i++) body += `La de da de da ${i}\r\n`;
  const cases = [
    `From: <a@b.example>\r\nSubject: bench\r\n\r\n${body}`,
    '',
    '\r\n',
    '\n\n',
    'Subject: no body',
    'Subject: no blank line\r\nX: y\r\n',
    'Subject: x\r\n\r\n',
    'Subject: x\r\n\r\n   \r\n\t\r\n',
    'Subject: x\r\n \r\n\r\nbody after a whitespace-only continuation\r\n',
    'Subject: x\r\n\r\r\nbare CR line\r\n',
    'Subject: x\r\nContent-Type: text/html\r\n\r\n<p>Hello&amp;<b>you</b></p>\r\n',
    'Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nK\xc3\xa4se \xe2\x82\xac\r\n',
    'Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nnot utf-8 \xff\xfe\r\n',
    'Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQ=\r\n',
    'Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nK=C3=A4se=\r\n soft\r\n',
    'Subject: x\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n',
    'Subject: x\r\nContent-Type: multipart/mixed\r\n\r\nno boundary parameter\r\n',
    'Subject: x\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\nno delimiter\r\n',
    'Subject: x\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n',
    'Subject: x\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogaQ0KDQpi\r\n',
    `Subject: x\r\nContent-Type: text/plain\r\n\r\n${' '.repeat(5000)}\r\n`,
    `Subject: x\r\n\r\n${'\u00e4'.repeat(3000)}`,
  ];
  for (const [i, c] of cases.entries()) await same(Buffer.from(c, 'latin1'), `case ${i}`);
});

// Generated MIME trees: multiparts (with preambles, epilogues, odd boundaries), embedded
// messages, leaves of many types, encodings and charsets, and either line end.
interface Tree {
  kind: 'leaf' | 'multi' | 'message';
  headers: string[];
  body?: string;
  subtype?: string;
  children?: Tree[];
  inner?: Tree;
  preamble?: string;
  epilogue?: string;
}

const leafHeaders = fc.subarray([
  'Content-Type: text/plain; charset=utf-8', 'Content-Type: text/html; charset="iso-8859-1"',
  'Content-Type: application/octet-stream; name="a.bin"', 'Content-Type: image/png',
  'Content-Type: text/plain; charset=koi8-r', 'Content-Type: text/plain; charset=bogus',
  'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable',
  'Content-Transfer-Encoding: 8bit', 'Content-Disposition: attachment; filename="r.pdf"',
  'Content-Disposition: inline', 'Content-ID: <c1@x>', 'Content-Description: =?utf-8?Q?K=C3=A4se?=',
  'Content-Language: de, en', 'Subject: =?utf-8?B?w6TDtsO8?=',
]);
const bodyText = fc.oneof(
  fc.constantFrom('', 'hello\r\nworld\r\n', 'SGVsbG8=\r\n', 'a=3Db=\r\nc\r\n', '<b>x</b>&nbsp;y', '   \r\n', '\xc3\xa4\xff', '--not-a-boundary\r\n'),
  fc.string({ maxLength: 40 }),
);
const boundary = fc.constantFrom('b1', 'b2', '=_x', 'a b', 'xyz');

const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('leaf' as const), headers: leafHeaders, body: bodyText }),
    fc.record({
      kind: fc.constant('multi' as const),
      headers: fc.constant<string[]>([]),
      subtype: fc.constantFrom('mixed', 'alternative', 'related', 'digest'),
      children: fc.array(tie('node'), { maxLength: 3 }),
      preamble: fc.constantFrom('', 'preamble\r\n'),
      epilogue: fc.constantFrom('', 'epilogue\r\n'),
    }),
    fc.record({ kind: fc.constant('message' as const), headers: fc.subarray(['Subject: inner', 'From: x <x@y>']), inner: tie('node') }),
  ),
})).node;

let counter = 0;
function render(t: Tree, b: string): string {
  const h = t.headers.map((x) => `${x}\r\n`).join('');
  if (t.kind === 'leaf') return `${h}\r\n${t.body ?? ''}`;
  if (t.kind === 'message') return `${h}Content-Type: message/rfc822\r\n\r\n${render(t.inner!, `${b}m`)}`;
  const bd = `${b}${counter++}`;
  const kids = (t.children ?? []).map((c) => `--${bd}\r\n${render(c, `${bd}x`)}\r\n`).join('');
  return `${h}Content-Type: multipart/${t.subtype}; boundary="${bd}"\r\n\r\n${t.preamble}${kids}--${bd}--\r\n${t.epilogue}`;
}

void test(`generated MIME trees: the same index and text as the reference (seed ${SEED})`, async () => {
  await fc.assert(
    fc.asyncProperty(tree, boundary, fc.boolean(), fc.constantFrom('From: a@b\r\nSubject: t\r\n', ''), async (t, b, lf, top) => {
      let text = top + render(t, b);
      if (lf) text = text.replace(/\r\n/g, '\n');
      await same(Buffer.from(text, 'latin1'), text.slice(0, 400));
    }),
    params,
  );
});

const TOKENS = [
  'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n', 'Content-Type: text/html\r\n',
  'Content-Transfer-Encoding: base64\r\n', 'Subject: =?utf-8?B?w6Q=?=\r\n', '\r\n', '\n', '\r', '--b\r\n', '--b--\r\n',
  ' folded\r\n', 'text\r\n', '\0', '\xff\xfe', '\xc3\xa4',
];
const noise = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })), { maxLength: 60 })
  .map((xs) => Buffer.from(xs.join(''), 'latin1'));

void test(`MIME-shaped noise and random bytes: the same as the reference (seed ${SEED})`, async () => {
  await fc.assert(fc.asyncProperty(noise, async (raw) => same(raw, raw.toString('latin1').slice(0, 200))), params);
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => same(Buffer.from(bytes), 'random')), params);
});

void test(`mutated corpus messages: the same as the reference (seed ${SEED})`, async () => {
  const files = corpus().map((c) => c.raw);
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: files.length - 1 }), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.constantFrom('insert', 'delete', 'cut'), async (i, at, bytes, kind) => {
      const raw = files[i]!;
      const p = raw.length === 0 ? 0 : at % raw.length;
      const out =
        kind === 'insert' ? Buffer.concat([raw.subarray(0, p), bytes, raw.subarray(p)])
        : kind === 'delete' ? Buffer.concat([raw.subarray(0, p), raw.subarray(p + bytes.length)])
        : raw.subarray(0, p);
      await same(out, `fixture ${i} ${kind} at ${p}`);
    }),
    params,
  );
});
