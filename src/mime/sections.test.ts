import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexMessage } from './index-message.ts';
import { filterHeaderFields, sectionRange } from './sections.ts';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'));

const NESTED = crlf(`Subject: outer
Content-Type: multipart/mixed; boundary=o

--o
Content-Type: text/plain

one
--o
Content-Type: message/rfc822

Subject: inner
Content-Type: multipart/alternative; boundary=i

--i

inner plain
--i
Content-Type: text/html

<p>inner</p>
--i--
--o
Content-Type: message/rfc822

Subject: flat

flat body
--o--
`);

async function slice(raw: Buffer, section: string): Promise<string | null> {
  const { index } = await indexMessage(raw);
  const r = sectionRange(index, section);
  return r ? raw.subarray(r.start, r.end).toString() : null;
}

void test('RFC 3501 §6.4.5 part numbers, HEADER, TEXT and MIME on a nested message', async () => {
  assert.equal(await slice(NESTED, ''), NESTED.toString());
  assert.equal(await slice(NESTED, 'HEADER'), 'Subject: outer\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n');
  assert.match((await slice(NESTED, 'TEXT'))!, /^--o\r\n[\s\S]*--o--\r\n$/);
  assert.equal(await slice(NESTED, '1'), 'one');
  assert.equal(await slice(NESTED, '1.MIME'), 'Content-Type: text/plain\r\n\r\n');
  assert.match((await slice(NESTED, '2'))!, /^Subject: inner\r\n[\s\S]*--i--$/);
  assert.equal(await slice(NESTED, '2.HEADER'), 'Subject: inner\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n');
  assert.match((await slice(NESTED, '2.TEXT'))!, /^--i\r\n\r\ninner plain\r\n--i\r\n[\s\S]*--i--$/);
  assert.equal(await slice(NESTED, '2.1'), 'inner plain');
  assert.equal(await slice(NESTED, '2.2'), '<p>inner</p>');
  assert.equal(await slice(NESTED, '2.2.mime'), 'Content-Type: text/html\r\n\r\n');
  // A non-multipart embedded message has one part, "3.1", its body.
  assert.equal(await slice(NESTED, '3.1'), 'flat body');
  assert.equal(await slice(NESTED, '3.TEXT'), 'flat body');
});

void test('sections that do not exist are null', async () => {
  for (const s of ['4', '0', '1.1', '1.HEADER', '2.3', '3.2', '2.1.1', 'MIME', 'X', '1..2', '1.TEXT.1']) {
    assert.equal(await slice(NESTED, s), null, s);
  }
});

void test('a non-multipart message: "1" is the body, "1.MIME" the header', async () => {
  const raw = crlf('Subject: s\n\nbody\n');
  assert.equal(await slice(raw, '1'), 'body\r\n');
  assert.equal(await slice(raw, 'TEXT'), 'body\r\n');
  assert.equal(await slice(raw, '1.MIME'), 'Subject: s\r\n\r\n');
  assert.equal(await slice(raw, '2'), null);
});

void test('filterHeaderFields keeps folded lines and ends with the blank line (RFC 3501 §6.4.5)', () => {
  const header = crlf('Subject: hello\n world\nFrom: a@b\nX-Other: 1\nsubject: again\n\n');
  assert.equal(filterHeaderFields(header, ['SUBJECT'], false).toString(), 'Subject: hello\r\n world\r\nsubject: again\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['subject', 'x-other'], true).toString(), 'From: a@b\r\n\r\n');
  assert.equal(filterHeaderFields(header, ['missing'], false).toString(), '\r\n');
  // A last line without a line break (header-only message) still gets its CRLF.
  assert.equal(filterHeaderFields(Buffer.from('From: a@b'), ['from'], false).toString(), 'From: a@b\r\n\r\n');
});
