import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PopMessage } from '../../store/ports.ts';
import { PopMaildrop, type PopPolicy } from './maildrop.ts';
import { PopError } from './pop-error.ts';

const msgs: PopMessage[] = [1, 2, 3, 4].map((i) => ({
  id: 100 + i,
  mailboxId: 7,
  uid: i,
  size: i * 10,
  blobHash: `h${i}`,
  internalDate: i,
  downloaded: false,
}));

function drop(policy: Partial<PopPolicy> = {}): PopMaildrop {
  return new PopMaildrop(msgs, { rules: 'classic', afterRetrieve: 'keep', expungeAction: 'delete', ...policy });
}

function errText(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof PopError);
    return e.message;
  }
  return 'no error';
}

test('numbering, STAT and deleted messages (RFC 1939 §5)', () => {
  const m = drop();
  assert.deepEqual(m.stat(), { count: 4, octets: 100 });
  m.delete(2);
  assert.deepEqual(m.stat(), { count: 3, octets: 80 });
  assert.deepEqual([...m.live()].map(([n]) => n), [1, 3, 4]);
  assert.equal(errText(() => m.message(2)), 'message 2 already deleted');
  assert.equal(errText(() => m.delete(2)), 'message 2 already deleted');
  assert.equal(errText(() => m.message(5)), 'no such message 5; the maildrop has 4 messages');
  assert.equal(errText(() => m.message(0)), 'no such message 0; the maildrop has 4 messages');
  m.reset();
  assert.deepEqual(m.stat(), { count: 4, octets: 100 });
  assert.equal(m.message(2).id, 102);
});

test('classic rules: DELE follows imap.expunge-action, RETR pop.after-retrieve; RSET keeps RETR', () => {
  const m = drop({ afterRetrieve: 'mark-read', expungeAction: 'trash' });
  m.markRetrieved(1);
  m.markRetrieved(2);
  m.delete(2);
  m.delete(3);
  m.delete(4);
  m.reset();
  m.delete(3);
  assert.deepEqual(m.updateItems(), [
    { id: 101, mailboxId: 7, action: 'mark-read', markDownloaded: true },
    { id: 102, mailboxId: 7, action: 'mark-read', markDownloaded: true },
    { id: 103, mailboxId: 7, action: 'trash', markDownloaded: true },
  ]);
  assert.equal(m.deletedCount, 1);
  assert.equal(m.retrievedCount, 2);
  assert.equal(m.removesRetrieved, false);
});

test('gmail rules: retrieved or DELE\'d → pop.after-retrieve, whatever DELE says', () => {
  const m = drop({ rules: 'gmail', afterRetrieve: 'keep', expungeAction: 'delete' });
  m.markRetrieved(1);
  m.delete(3);
  assert.deepEqual(m.updateItems(), [
    { id: 101, mailboxId: 7, action: 'keep', markDownloaded: true },
    { id: 103, mailboxId: 7, action: 'keep', markDownloaded: true },
  ]);
  assert.equal(m.removesRetrieved, true);
});

test('nothing retrieved or deleted: no items; EXPIRE follows after-retrieve', () => {
  assert.deepEqual(drop().updateItems(), []);
  assert.equal(drop({ afterRetrieve: 'archive' }).removesRetrieved, true);
  assert.equal(drop({ afterRetrieve: 'delete' }).removesRetrieved, true);
  assert.equal(drop({ afterRetrieve: 'keep' }).removesRetrieved, false);
});
