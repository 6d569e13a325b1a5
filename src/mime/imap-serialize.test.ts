import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imapBody, imapBodystructure, imapEnvelope, imapString } from './imap-serialize.ts';
import { indexMessage } from './index-message.ts';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'));

void test('strings: quoted with escapes, literal for 8-bit and CR/LF, NIL for null', () => {
  assert.equal(imapString('plain'), '"plain"');
  assert.equal(imapString('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(imapString('Grüße'), '{7}\r\nGrüße');
  assert.equal(imapString('a\r\nb'), '{4}\r\na\r\nb');
  assert.equal(imapString('a\0b'), '"ab"');
});

// RFC 3501 §7.4.2, the ENVELOPE example of the FETCH response, verbatim.
void test('ENVELOPE: RFC 3501 §7.4.2 example', async () => {
  const raw = crlf(`Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
From: Terry Gray <gray@cac.washington.edu>
Subject: IMAP4rev1 WG mtg summary and minutes
To: imap@cac.washington.edu
cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>
Message-Id: <B27397-0100000@cac.washington.edu>
MIME-Version: 1.0
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

body
`);
  const { index } = await indexMessage(raw);
  assert.equal(
    imapEnvelope(index.envelope),
    '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
      '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
      '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
      '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
      '"<B27397-0100000@cac.washington.edu>")',
  );
  assert.equal(imapBodystructure(index, false), '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 6 1)');
});

// RFC 3501 §7.4.2 BODYSTRUCTURE example, with bodies built to the example's sizes and lines.
void test('BODY: RFC 3501 §7.4.2 multipart example, byte for byte', async () => {
  const body1 = `${'a'.repeat(50)}\r\n`.repeat(22) + 'x'.repeat(8);
  const body2 = `${'Q'.repeat(60)}\r\n`.repeat(72) + 'Q'.repeat(90);
  const raw = Buffer.from(
    'From: a@b.example\r\nContent-Type: MULTIPART/MIXED; BOUNDARY="=="\r\n\r\n' +
      `--==\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n${body1}\r\n` +
      '--==\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\r\n' +
      'Content-ID: <960723163407.20117h@cac.washington.edu>\r\nContent-Description: Compiler diff\r\n' +
      `Content-Transfer-Encoding: BASE64\r\n\r\n${body2}\r\n--==--\r\n`,
  );
  const { index } = await indexMessage(raw);
  assert.equal(
    imapBodystructure(index, false),
    '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" ' +
      '"NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")',
  );
  assert.equal(
    imapBodystructure(index, true),
    '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23 NIL NIL NIL NIL)("TEXT" "PLAIN" ("CHARSET" ' +
      '"US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73 ' +
      'NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "==") NIL NIL NIL)',
  );
});

void test('group syntax and route addresses (RFC 3501 §7.4.2, RFC 5322 §3.4)', async () => {
  const { index } = await indexMessage(
    crlf('From: <@a.example,@b.example:joe@c.example>\nTo: Friends: x@y.example, "Q \\"R\\"" <q@r.example>;, Empty:;\n\n'),
  );
  const env = imapEnvelope(index.envelope);
  assert.match(env, /\(\(NIL "@a\.example,@b\.example" "joe" "c\.example"\)\)/);
  assert.match(
    env,
    / \(\(NIL NIL "Friends" NIL\)\(NIL NIL "x" "y\.example"\)\("Q \\"R\\"" NIL "q" "r\.example"\)\(NIL NIL NIL NIL\)\(NIL NIL "Empty" NIL\)\(NIL NIL NIL NIL\)\) /,
  );
});

void test('message/rfc822 body has envelope, body and lines; extension data on both kinds', async () => {
  const raw = crlf(`Subject: outer
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: message/rfc822
Content-Disposition: inline
Content-Language: en, de
Content-Location: http://example.com/m
Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==

Subject: inner

hi
--b--
`);
  const { index } = await indexMessage(raw);
  const msg = index.root.children![0]!;
  assert.equal(
    imapBody(msg, true),
    '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 20 (NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL) ' +
      '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 2 1 NIL NIL NIL NIL) 3 ' +
      '"Q2hlY2sgSW50ZWdyaXR5IQ==" ("INLINE" NIL) ("en" "de") "http://example.com/m")',
  );
});
