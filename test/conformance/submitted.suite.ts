/** Sent copies filed at submission and the client's own APPEND of them (AppendInput.submitted / matchSubmitted). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../src/store/ports.ts';
import type { Account, Mailbox } from '../../src/store/types.ts';
import { useStore, type StoreFactory } from './store.suite.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const WINDOW = 10 * 60 * 1000;

const message = (extra = '', id = '<s1@example.org>'): Buffer =>
  Buffer.from(
    `From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n${extra}Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: ${id}\r\nSubject: hi\r\n\r\nhello\r\n`,
  );

export function submittedConformance(name: string, factory: StoreFactory): void {
  describe(`submitted-copy conformance: ${name}`, () => {
    let store!: Store;
    useStore(factory, ['example.org'], (s) => (store = s));
    let n = 0;
    const setup = async (): Promise<{ acc: Account; sent: Mailbox; inbox: Mailbox }> => {
      n++;
      const acc = await store.accounts.create({ address: `sub${n}@example.org`, passwordHash: HASH });
      return { acc, sent: (await store.mailboxes.byRole(acc.id, 'sent'))!, inbox: (await store.mailboxes.byRole(acc.id, 'inbox'))! };
    };

    it("the client's APPEND of a submitted message (Bcc kept) is recognised once, in the same mailbox", async () => {
      const { acc, sent } = await setup();
      const filed = await store.messages.append(acc.id, sent.id, { raw: message(), flags: ['\\Seen'], submitted: true });
      const before = await store.changes.lastSeq(acc.id);
      const again = await store.messages.append(acc.id, sent.id, {
        raw: message('Bcc: carol@example.org\r\n'),
        flags: ['\\Seen'],
        matchSubmitted: { withinMs: WINDOW },
      });
      assert.equal(again.duplicate, true);
      assert.deepEqual([again.id, again.uid, again.uidValidity], [filed.id, filed.uid, filed.uidValidity]);
      assert.equal(await store.changes.lastSeq(acc.id), before, 'nothing changed, nothing published');
      assert.equal((await store.messages.list(sent.id)).length, 1);
      // Recognised once: a second APPEND of it is stored as asked.
      const third = await store.messages.append(acc.id, sent.id, { raw: message(), matchSubmitted: { withinMs: WINDOW } });
      assert.equal(third.duplicate, undefined);
      assert.equal((await store.messages.list(sent.id)).length, 2);
    });

    it('other messages, other mailboxes, other accounts and plain appends are stored as usual', async () => {
      const { acc, sent, inbox } = await setup();
      const other = await setup();
      await store.messages.append(acc.id, sent.id, { raw: message(), submitted: true });
      const differentId = await store.messages.append(acc.id, sent.id, { raw: message('', '<s2@example.org>'), matchSubmitted: { withinMs: WINDOW } });
      const elsewhere = await store.messages.append(acc.id, inbox.id, { raw: message(), matchSubmitted: { withinMs: WINDOW } });
      const otherAccount = await store.messages.append(other.acc.id, other.sent.id, { raw: message(), matchSubmitted: { withinMs: WINDOW } });
      const plain = await store.messages.append(acc.id, sent.id, { raw: message() });
      for (const r of [differentId, elsewhere, otherAccount, plain]) assert.equal(r.duplicate, undefined);
      assert.equal((await store.messages.list(sent.id)).length, 3);
    });

    it('a submitted copy moved out of the mailbox, or older than the window, is not matched', async () => {
      const { acc, sent } = await setup();
      const filed = await store.messages.append(acc.id, sent.id, { raw: message(), submitted: true });
      const box = await store.mailboxes.create(acc.id, 'Elsewhere');
      await store.messages.move(acc.id, sent.id, [filed.uid], box.id);
      const r = await store.messages.append(acc.id, sent.id, { raw: message(), matchSubmitted: { withinMs: WINDOW } });
      assert.equal(r.duplicate, undefined);
      await store.messages.append(acc.id, sent.id, { raw: message('', '<s3@example.org>'), submitted: true });
      const late = await store.messages.append(acc.id, sent.id, { raw: message('', '<s3@example.org>'), matchSubmitted: { withinMs: -1 } });
      assert.equal(late.duplicate, undefined, 'outside the window');
    });

    it('MULTIAPPEND mixes recognised and new messages in one call', async () => {
      const { acc, sent } = await setup();
      const filed = await store.messages.append(acc.id, sent.id, { raw: message(), submitted: true });
      const rs = await store.messages.appendMany(acc.id, sent.id, [
        { raw: message('', '<new@example.org>'), matchSubmitted: { withinMs: WINDOW } },
        { raw: message(), matchSubmitted: { withinMs: WINDOW } },
      ]);
      assert.equal(rs[0]!.duplicate, undefined);
      assert.equal(rs[0]!.uid, filed.uid + 1);
      assert.deepEqual([rs[1]!.duplicate, rs[1]!.uid], [true, filed.uid]);
    });
  });
}
