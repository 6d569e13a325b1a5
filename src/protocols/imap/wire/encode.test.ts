import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from './test-helpers.ts';
import { astring, canQuote, encodeMailbox, flagList, formatInternalDate, literalHeader, nstring, quoted, sequenceSet, statusCode, stringOrLiteral } from './encode.ts';

test('encode: quoted strings escape only " and \\ (RFC 9051 §4.3)', () => {
  assert.equal(quoted('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.equal(quoted(''), '""');
});

test('encode: canQuote refuses CR, LF, NUL, 8-bit without UTF-8, and long strings', () => {
  assert.equal(canQuote('plain text'), true);
  assert.equal(canQuote('a\r\nb'), false);
  assert.equal(canQuote('a\0b'), false);
  assert.equal(canQuote('Gr\u00fc\u00dfe'), false);
  assert.equal(canQuote('Gr\u00fc\u00dfe', true), true);
  assert.equal(canQuote('x'.repeat(5000)), false);
});

test('encode: astring is an atom when it can be, else quoted, else a literal', () => {
  assert.equal(astring('INBOX'), 'INBOX');
  assert.equal(astring('a]b'), 'a]b');
  assert.equal(astring(''), '""');
  assert.equal(astring('NIL'), '"NIL"');
  assert.equal(astring('two words'), '"two words"');
  assert.equal(astring('a%'), '"a%"');
  assert.equal(astring('line\r\nbreak'), '{11}\r\nline\r\nbreak');
  assert.equal(astring('\u00e9'), '{2}\r\n\u00e9');
});

test('encode: nstring is NIL for null', () => {
  assert.equal(nstring(null), 'NIL');
  assert.equal(nstring('NIL'), '"NIL"');
  assert.equal(nstring('a\nb'), '{3}\r\na\nb');
});

test('encode: stringOrLiteral picks quoted or literal for text and bytes', () => {
  assert.equal(stringOrLiteral('hello').toString(), '"hello"');
  assert.equal(stringOrLiteral(Buffer.from('hello')).toString(), '"hello"');
  assert.equal(stringOrLiteral(Buffer.from([0x41, 0x00, 0x42])).toString('latin1'), '{3}\r\nA\0B');
  assert.equal(stringOrLiteral(Buffer.from('caf\u00e9')).toString(), '{5}\r\ncaf\u00e9');
  assert.equal(stringOrLiteral('caf\u00e9', true).toString(), '"caf\u00e9"');
  assert.equal(literalHeader(12), '{12}\r\n');
});

test('encode: flag lists and status codes', () => {
  assert.equal(flagList(['\\Seen', '$Label1']), '(\\Seen $Label1)');
  assert.equal(flagList([]), '()');
  assert.equal(statusCode('TOOBIG'), '[TOOBIG]');
  assert.equal(statusCode('COPYUID', 38505, '304,319:320', '3956:3958'), '[COPYUID 38505 304,319:320 3956:3958]');
});

test('encode: mailbox names in modified UTF-7 (RFC 3501 §5.1.3) or UTF-8', () => {
  assert.equal(encodeMailbox('INBOX', false), 'INBOX');
  assert.equal(encodeMailbox('~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e', false), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
  assert.equal(encodeMailbox('Tom & Jerry', false), '"Tom &- Jerry"');
  assert.equal(encodeMailbox('Entw\u00fcrfe', true), '"Entw\u00fcrfe"');
  assert.equal(encodeMailbox('Entw\u00fcrfe', false), 'Entw&APw-rfe');
});

test('encode: sequence sets are compressed in order (RFC 4315 COPYUID, RFC 4731 ESEARCH)', () => {
  assert.equal(sequenceSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
  assert.equal(sequenceSet([304, 319, 320]), '304,319:320');
  assert.equal(sequenceSet([5, 4, 3]), '5,4,3');
  assert.equal(sequenceSet([]), '');
  assert.equal(sequenceSet([42]), '42');
});

test('encode: INTERNALDATE in RFC 9051 date-time form, UTC, and it parses back as APPEND date-time', () => {
  assert.equal(formatInternalDate(Date.UTC(1996, 6, 17, 9, 44, 25)), '17-Jul-1996 09:44:25 +0000');
  assert.equal(quoted(formatInternalDate(0)), '" 1-Jan-1970 00:00:00 +0000"');
  // date-day-fixed pads a single-digit day with a space.
  assert.equal(formatInternalDate(Date.UTC(2024, 1, 1, 0, 0, 0)), ' 1-Feb-2024 00:00:00 +0000');
  const ms = Date.UTC(2026, 10, 2, 10, 0, 0);
  const c = parse(`A1 APPEND INBOX ${quoted(formatInternalDate(ms))} {1}\r\nx`);
  assert.ok(c.name === 'APPEND');
  assert.equal(c.messages[0]!.date, ms);
});
