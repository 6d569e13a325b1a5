import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageIndex } from '../../mime/types.ts';
import type { MessageMeta } from '../../store/types.ts';
import type { Loaded } from './commands/sort.ts';
import { orderedSubject, references, threadList } from './threading.ts';

let n = 0;
function msg(opts: { id?: string; refs?: string[]; irt?: string; subject: string; hour: number }): Loaded {
  n++;
  const base = opts.subject.replace(/^((re|fwd?)\s*:\s*)+/i, '');
  const index = {
    messageId: opts.id ?? null,
    references: opts.refs ?? [],
    inReplyTo: opts.irt ?? null,
    subject: opts.subject,
    baseSubject: base,
    date: Date.UTC(2026, 10, 2, opts.hour),
  } as unknown as MessageIndex;
  const meta = { internalDate: 0, size: 1 } as unknown as MessageMeta;
  return { seq: n, uid: n * 10, meta, index };
}

const list = (roots: ReturnType<typeof references>): string => threadList(roots, (m) => m.seq);

test('REFERENCES: a missing parent becomes a dummy that keeps its two children together', () => {
  n = 0;
  const msgs = [
    msg({ id: '<b@x>', refs: ['<a@x>'], subject: 'Re: plan', hour: 2 }),
    msg({ id: '<c@x>', refs: ['<a@x>'], subject: 'Re: plan', hour: 3 }),
    msg({ id: '<d@x>', subject: 'other', hour: 1 }),
  ];
  assert.equal(list(references(msgs)), '(3)((1)(2))');
});

test('REFERENCES: chains, In-Reply-To fallback, duplicate ids and reference loops', () => {
  n = 0;
  const msgs = [
    msg({ id: '<a@x>', subject: 'topic', hour: 1 }),
    msg({ id: '<b@x>', irt: 'x <a@x> y', subject: 'Re: topic', hour: 2 }),
    msg({ id: '<c@x>', refs: ['<a@x>', '<b@x>'], subject: 'Re: topic', hour: 3 }),
    msg({ id: '<a@x>', subject: 'duplicate id', hour: 4 }),
    msg({ id: '<e@x>', refs: ['<f@x>'], subject: 'loop', hour: 5 }),
    msg({ id: '<f@x>', refs: ['<e@x>'], subject: 'loop2', hour: 6 }),
  ];
  const out = list(references(msgs));
  assert.match(out, /^\(1 2 3\)\(4\)/);
  // The loop is broken: both messages appear exactly once.
  assert.equal(out.match(/\b5\b/g)?.length, 1);
  assert.equal(out.match(/\b6\b/g)?.length, 1);
});

test('REFERENCES: threads with the same base subject are gathered under the original', () => {
  n = 0;
  const msgs = [
    msg({ id: '<r@x>', subject: 'Report', hour: 1 }),
    msg({ id: '<f@x>', subject: 'Fwd: Report', hour: 2 }),
    msg({ id: '<s@x>', subject: 'Report', hour: 3 }),
  ];
  // Two originals with one subject share a dummy; the forward joins the earlier one's thread.
  assert.equal(list(references(msgs)), '((1 2)(3))');
});

test('ORDEREDSUBJECT: earliest message parents the rest, threads by first date', () => {
  n = 0;
  const msgs = [
    msg({ subject: 'b', hour: 5 }),
    msg({ subject: 'a', hour: 2 }),
    msg({ subject: 'Re: a', hour: 3 }),
    msg({ subject: 'RE: A', hour: 1 }),
  ];
  assert.equal(threadList(orderedSubject(msgs), (m) => m.uid), '(40 (20)(30))(10)');
});
