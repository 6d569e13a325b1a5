/**
 * The web app's pure parts, without a browser: conversation grouping, plain-text links, address
 * lists, and what reply, reply-all and forward start with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message, Summary } from '../../web/src/api.ts';
import { parseAddressList } from '../../web/src/format.ts';
import { linkify } from '../../web/src/mail/linkify.ts';
import { replyInit } from '../../web/src/mail/reply.ts';
import { groupThreads } from '../../web/src/mail/threads.ts';

let uid = 0;
function summary(over: Partial<Summary>): Summary {
  uid++;
  return {
    uid,
    flags: [],
    internalDate: 1_000_000 - uid,
    date: null,
    size: 100,
    subject: 'x',
    from: [{ name: 'Carol', address: 'carol@elsewhere.test' }],
    to: [{ name: '', address: 'alice@example.org' }],
    cc: [],
    preview: '',
    hasAttachments: false,
    messageId: `<m${uid}@t>`,
    inReplyTo: null,
    references: [],
    baseSubject: 'x',
    ...over,
  };
}

describe('groupThreads', () => {
  test('joins by References/In-Reply-To, and replies by base subject; unrelated same subjects stay apart', () => {
    const reply2 = summary({ subject: 'Re: Trip', baseSubject: 'trip', messageId: '<c@t>', inReplyTo: '<b@t>', references: ['<a@t>', '<b@t>'] });
    const other = summary({ subject: 'Hello', baseSubject: 'hello', messageId: '<h2@t>' });
    const subjOnly = summary({ subject: 'Re: Trip', baseSubject: 'trip', messageId: '<d@t>' });
    const reply1 = summary({ subject: 'Re: Trip', baseSubject: 'trip', messageId: '<b@t>', inReplyTo: '<a@t>' });
    const hello = summary({ subject: 'Hello', baseSubject: 'hello', messageId: '<h1@t>' });
    const first = summary({ subject: 'Trip', baseSubject: 'trip', messageId: '<a@t>', flags: ['\\Seen'] });
    const threads = groupThreads([reply2, other, subjOnly, reply1, hello, first]);
    assert.deepEqual(
      threads.map((t) => t.messages.map((m) => m.messageId)),
      [['<c@t>', '<d@t>', '<b@t>', '<a@t>'], ['<h2@t>'], ['<h1@t>']],
    );
    assert.equal(threads[0]!.head, reply2);
    assert.equal(threads[0]!.unseen, 3);
  });
});

describe('linkify', () => {
  test('http(s) and mailto become links, trailing punctuation stays text, javascript: never does', () => {
    const parts = linkify('See https://example.com/a?b=1. Or mailto:x@y.test, not javascript:alert(1) <b>');
    assert.deepEqual(parts, [
      { text: 'See ' },
      { href: 'https://example.com/a?b=1', text: 'https://example.com/a?b=1' },
      { text: '. Or ' },
      { href: 'mailto:x@y.test', text: 'mailto:x@y.test' },
      { text: ', not javascript:alert(1) <b>' },
    ]);
  });
});

test('parseAddressList takes bare addresses and Name <address>', () => {
  assert.deepEqual(parseAddressList('a@x.test, Bob <b@x.test>; c@x.test\n'), ['a@x.test', 'b@x.test', 'c@x.test']);
});

describe('replyInit', () => {
  const m: Message = {
    ...summary({
      subject: 'Plans',
      messageId: '<p@t>',
      references: ['<o@t>'],
      from: [{ name: 'Carol', address: 'carol@elsewhere.test' }],
      to: [{ name: 'Alice', address: 'alice@example.org' }, { name: '', address: 'dan@elsewhere.test' }],
      cc: [{ name: '', address: 'ALICE@example.org' }, { name: 'Eve', address: 'eve@elsewhere.test' }],
      date: Date.UTC(2026, 0, 2, 10, 0),
    }),
    text: 'line one\n> older',
    html: null,
    attachments: [{ part: '2', filename: 'a.pdf', type: 'application/pdf', size: 10, inline: false }],
    headers: { replyTo: [], bcc: [] },
  };

  test('reply: to the sender, Re:, quoted, threaded', () => {
    const r = replyInit('reply', m, 'alice@example.org', 7);
    assert.equal(r.to, 'Carol <carol@elsewhere.test>');
    assert.equal(r.cc, '');
    assert.equal(r.subject, 'Re: Plans');
    assert.match(r.text ?? '', /wrote:\n> line one\n>> older\n$/);
    assert.equal(r.inReplyTo, '<p@t>');
    assert.deepEqual(r.references, ['<o@t>', '<p@t>']);
    assert.equal(replyInit('reply', { ...m, subject: 'RE: Plans' }, 'alice@example.org', 7).subject, 'RE: Plans');
  });

  test('reply-all: everyone but me (any case), Reply-To wins over From', () => {
    const r = replyInit('reply-all', { ...m, headers: { replyTo: [{ name: 'List', address: 'list@elsewhere.test' }] } }, 'alice@example.org', 7);
    assert.equal(r.to, 'List <list@elsewhere.test>, dan@elsewhere.test');
    assert.equal(r.cc, 'Eve <eve@elsewhere.test>');
  });

  test('forward: Fwd:, the original headers and text, its attachments', () => {
    const r = replyInit('forward', m, 'alice@example.org', 7);
    assert.equal(r.subject, 'Fwd: Plans');
    assert.equal(r.to, undefined);
    assert.match(r.text ?? '', /---------- Forwarded message ----------\nFrom: Carol <carol@elsewhere\.test>\n[\s\S]*Subject: Plans\n[\s\S]*\nline one\n> older$/);
    assert.deepEqual(r.forwardFrom, { mailboxId: 7, uid: m.uid, parts: [{ part: '2', filename: 'a.pdf', type: 'application/pdf' }] });
    assert.equal(r.inReplyTo, undefined);
  });
});
