import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseSubject, firstMessageId, parseMessageIds } from './thread.ts';

void test('RFC 5256 §2.1 base subject', () => {
  const cases: [string, string][] = [
    ['Re: hello', 'hello'],
    ['RE: Re: re: hello', 'hello'],
    ['Fwd: hello (fwd)', 'hello'],
    ['Fw: [list] Re: hello', 'hello'],
    ['Re[2]: hello', 'hello'],
    ['[list] hello', 'hello'],
    ['[list]', '[list]'],
    ['[fwd: Re: hello]', 'hello'],
    ['  hello \t world  (fwd) (FWD)', 'hello world'],
    ['Reply to all', 'Reply to all'],
    ['', ''],
  ];
  for (const [input, want] of cases) assert.equal(baseSubject(input), want, input);
});

void test('message ids', () => {
  assert.deepEqual(parseMessageIds('<a@b> (comment) <c@d>\r\n <e@f>'), ['<a@b>', '<c@d>', '<e@f>']);
  assert.equal(firstMessageId('  <x@y>  '), '<x@y>');
  assert.equal(firstMessageId('bare@id'), 'bare@id');
  assert.equal(firstMessageId('two words'), null);
  assert.equal(firstMessageId(null), null);
});
