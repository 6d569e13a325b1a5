/**
 * The store conformance suite: one set of tests written against the `Store` interface, run for
 * every implementation (SQLite now, PostgreSQL next), as hono runs one suite for every router.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { isPkError } from '../../src/core/errors.ts';
import type { Change } from '../../src/store/changes.ts';
import type { Store } from '../../src/store/ports.ts';
import type { Account } from '../../src/store/types.ts';
import { sampleMessage } from '../helpers/messages.ts';

export interface StoreFactory {
  /** A new, empty store; `inlineLimit` small enough to exercise file-backed blobs. */
  open(opts: { inlineLimit: number }): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

function rejectsKind(p: Promise<unknown>, kind: string, code?: string): Promise<void> {
  return assert.rejects(p, (err: unknown) => {
    assert.ok(isPkError(err), `expected a PkError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    if (code) assert.equal(err.code, code);
    return true;
  });
}

/**
 * A fresh store (holding `domains`) for the enclosing describe, closed and removed after it;
 * `use` receives it before the first test.
 */
export function useStore(factory: StoreFactory, domains: readonly string[], use: (store: Store) => void): void {
  let opened: { store: Store; cleanup: () => Promise<void> } | undefined;
  before(async () => {
    opened = await factory.open({ inlineLimit: 4096 });
    for (const d of domains) await opened.store.domains.add(d);
    use(opened.store);
  });
  after(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });
}

export function storeConformance(name: string, factory: StoreFactory): void {
  describe(`store conformance: ${name}`, () => {
    let store!: Store;
    useStore(factory, ['example.org'], (s) => (store = s));
    let n = 0;
    const newAccount = async (quotaBytes = 0): Promise<Account> => {
      n++;
      return store.accounts.create({ address: `user${n}@example.org`, passwordHash: HASH, quotaBytes });
    };
    const inbox = async (acc: Account) => (await store.mailboxes.get(acc.id, 'INBOX'))!;


    describe('domains', () => {
      it('adds, lists and removes, normalising case', async () => {
        await store.domains.add('Other.Example.NET');
        assert.ok((await store.domains.list()).some((d) => d.name === 'other.example.net'));
        assert.equal(await store.domains.exists('OTHER.example.net'), true);
        await store.domains.remove('other.example.net');
        assert.equal(await store.domains.exists('other.example.net'), false);
      });
      it('refuses duplicates, bad names, unknown and non-empty domains', async () => {
        await rejectsKind(store.domains.add('example.org'), 'AlreadyExists', 'PK_ERR_DOMAIN_EXISTS');
        await rejectsKind(store.domains.add('no_dots'), 'Invalid', 'PK_ERR_INVALID_DOMAIN');
        await rejectsKind(store.domains.remove('nowhere.example'), 'NotFound');
        await newAccount();
        await rejectsKind(store.domains.remove('example.org'), 'Conflict', 'PK_ERR_DOMAIN_NOT_EMPTY');
      });
    });

    describe('accounts', () => {
      it('creates every special-use mailbox, subscribed', async () => {
        const acc = await newAccount();
        const boxes = await store.mailboxes.list(acc.id);
        assert.deepEqual(
          boxes.map((b) => [b.name, b.role, b.subscribed]),
          [
            ['INBOX', 'inbox', true],
            ['Archive', 'archive', true],
            ['Drafts', 'drafts', true],
            ['Junk', 'junk', true],
            ['Sent', 'sent', true],
            ['Trash', 'trash', true],
          ],
        );
        assert.equal(new Set(boxes.map((b) => b.uidValidity)).size, boxes.length, 'distinct UIDVALIDITY');
      });
      it('looks up case-insensitively and refuses duplicates, unknown domains, bad addresses', async () => {
        const acc = await newAccount();
        assert.equal((await store.accounts.get(acc.address.toUpperCase()))?.id, acc.id);
        await rejectsKind(store.accounts.create({ address: acc.address, passwordHash: HASH }), 'AlreadyExists');
        await rejectsKind(store.accounts.create({ address: 'x@unknown.example', passwordHash: HASH }), 'NotFound', 'PK_ERR_DOMAIN_NOT_FOUND');
        await rejectsKind(store.accounts.create({ address: 'not-an-address', passwordHash: HASH }), 'Invalid', 'PK_ERR_INVALID_ADDRESS');
        assert.equal(await store.accounts.get('nobody@example.org'), null);
        assert.equal(await store.accounts.get('garbage'), null);
      });
      it('stores password hashes and quotas', async () => {
        const acc = await newAccount();
        await store.accounts.setPasswordHash(acc.address, 'NEWHASH');
        assert.equal((await store.accounts.passwordHash(acc.address))?.hash, 'NEWHASH');
        await store.accounts.setQuota(acc.address, 1234);
        assert.equal((await store.accounts.get(acc.address))?.quotaBytes, 1234);
        await rejectsKind(store.accounts.setQuota('nobody@example.org', 1), 'NotFound');
      });
      it('removing an account removes its mail and unreferenced blobs', async () => {
        const acc = await newAccount();
        const before = await store.stats();
        await store.messages.append(acc.id, (await inbox(acc)).id, { raw: sampleMessage(990001) });
        await store.messages.append(acc.id, (await inbox(acc)).id, { raw: sampleMessage(990002, 9000) });
        await store.accounts.remove(acc.address);
        const after = await store.stats();
        assert.equal(after.blobs, before.blobs);
        assert.equal(after.messages, before.messages);
        assert.equal(after.badRefcounts, 0);
        assert.equal(await store.accounts.get(acc.address), null);
      });
    });

    describe('settings', () => {
      it('has defaults, validates keys and values, and keeps the time of an unchanged value', async () => {
        const acc = await newAccount();
        const s0 = await store.settings.get(acc.id);
        assert.equal(s0.values['pop.enabled'], 'all');
        assert.equal(s0.values['imap.enabled'], true);
        assert.equal(s0.values['imap.folder-limit'], 0);
        const r1 = await store.settings.set(acc.id, 'pop.enabled', 'from-now-on');
        const r2 = await store.settings.set(acc.id, 'pop.enabled', 'from-now-on');
        assert.equal(r2.updatedAt, r1.updatedAt);
        await store.settings.set(acc.id, 'imap.folder-limit', '5000');
        await store.settings.set(acc.id, 'imap.enabled', 'false');
        const s1 = await store.settings.get(acc.id);
        assert.equal(s1.values['pop.enabled'], 'from-now-on');
        assert.equal(s1.values['imap.folder-limit'], 5000);
        assert.equal(s1.values['imap.enabled'], false);
        assert.equal(s1.updatedAt['pop.enabled'], r1.updatedAt);
        await rejectsKind(store.settings.set(acc.id, 'pop.nonsense', 'x'), 'Invalid', 'PK_ERR_SETTING_UNKNOWN');
        await assert.rejects(store.settings.set(acc.id, 'pop.mode', 'weird'), /allowed: classic \| gmail/);
        await assert.rejects(store.settings.set(acc.id, 'imap.folder-limit', '3000'), /allowed: 0 \| 1000 \| 2000 \| 5000 \| 10000/);
        await store.settings.reset(acc.id, 'imap.enabled');
        assert.equal((await store.settings.get(acc.id)).values['imap.enabled'], true);
      });
    });

    describe('mailboxes', () => {
      it('creates parents, renames children along, and never reuses UIDVALIDITY', async () => {
        const acc = await newAccount();
        const leaf = await store.mailboxes.create(acc.id, 'Projects/2026/Q4');
        assert.equal(leaf.name, 'Projects/2026/Q4');
        assert.ok(await store.mailboxes.get(acc.id, 'Projects/2026'));
        await store.mailboxes.rename(acc.id, 'Projects', 'Work/Old');
        const names = (await store.mailboxes.list(acc.id)).map((m) => m.name);
        assert.ok(names.includes('Work/Old/2026/Q4'));
        assert.ok(!names.some((x) => x.startsWith('Projects')));
        const moved = await store.mailboxes.get(acc.id, 'Work/Old/2026/Q4');
        assert.equal(moved?.id, leaf.id);
        assert.equal(moved?.uidValidity, leaf.uidValidity, 'rename keeps UIDs valid');
        await rejectsKind(store.mailboxes.delete(acc.id, 'Work/Old'), 'Conflict', 'PK_ERR_MAILBOX_HAS_CHILDREN');
        const box = await store.mailboxes.create(acc.id, 'Temp');
        await store.mailboxes.delete(acc.id, 'Temp');
        const again = await store.mailboxes.create(acc.id, 'Temp');
        assert.ok(again.uidValidity > box.uidValidity);
      });
      it('refuses bad names, duplicates, moving into itself and deleting INBOX', async () => {
        const acc = await newAccount();
        for (const bad of ['', 'a//b', '../x', 'x/..', 'a\u0000b', 'a*', 'b%', '/lead', 'trail/']) {
          await rejectsKind(store.mailboxes.create(acc.id, bad), 'Invalid', 'PK_ERR_MAILBOX_NAME');
        }
        await rejectsKind(store.mailboxes.create(acc.id, 'inbox'), 'AlreadyExists');
        await store.mailboxes.create(acc.id, 'A');
        await rejectsKind(store.mailboxes.rename(acc.id, 'A', 'A/B'), 'Invalid');
        await rejectsKind(store.mailboxes.rename(acc.id, 'A', 'Sent'), 'AlreadyExists');
        await rejectsKind(store.mailboxes.rename(acc.id, 'Nope', 'X'), 'NotFound');
        await rejectsKind(store.mailboxes.delete(acc.id, 'INBOX'), 'Forbidden');
        await rejectsKind(store.mailboxes.delete(acc.id, 'Nope'), 'NotFound');
      });
      it('renaming INBOX moves its messages to a new mailbox and leaves INBOX empty', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const a = await store.messages.append(acc.id, ib.id, { raw: sampleMessage(1) });
        await store.messages.append(acc.id, ib.id, { raw: sampleMessage(2) });
        const old = await store.mailboxes.rename(acc.id, 'INBOX', 'Old Inbox');
        const ib2 = await inbox(acc);
        assert.equal(ib2.id, ib.id);
        assert.equal(ib2.messages, 0);
        assert.equal(old.messages, 2);
        const msgs = await store.messages.list(old.id);
        assert.deepEqual(msgs.map((m) => m.uid), [1, 2]);
        assert.equal(msgs[0]?.id, a.id, 'a moved message keeps its permanent id');
      });
      it('keeps subscriptions by name, also for names that do not exist', async () => {
        const acc = await newAccount();
        await store.mailboxes.setSubscribed(acc.id, 'Ghost', true);
        await store.mailboxes.setSubscribed(acc.id, 'Sent', false);
        const subs = await store.mailboxes.listSubscriptions(acc.id);
        assert.ok(subs.includes('Ghost'));
        assert.ok(!subs.includes('Sent'));
        assert.equal((await store.mailboxes.get(acc.id, 'Sent'))?.subscribed, false);
        // Renaming onto a name with a left-over subscription keeps the moved mailbox's state.
        await store.mailboxes.create(acc.id, 'Moving');
        await store.mailboxes.setSubscribed(acc.id, 'Moving', true);
        await store.mailboxes.rename(acc.id, 'Moving', 'Ghost');
        assert.equal((await store.mailboxes.get(acc.id, 'Ghost'))?.subscribed, true);
        assert.ok(!(await store.mailboxes.listSubscriptions(acc.id)).includes('Moving'));
      });
      it('claims \\Recent once', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        await store.messages.append(acc.id, ib.id, { raw: sampleMessage(1) });
        const first = await store.mailboxes.claimRecent(acc.id, ib.id);
        const second = await store.mailboxes.claimRecent(acc.id, ib.id);
        assert.deepEqual(first, { previous: 0, uidNext: 2 });
        assert.deepEqual(second, { previous: 1, uidNext: 2 });
      });
    });

    describe('messages', () => {
      it('appends byte-exact with UIDs, flags, counters and an index', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const raw = sampleMessage(7);
        const r = await store.messages.append(acc.id, ib.id, { raw, flags: ['\\seen', '$Label1', '\\Recent'], internalDate: 1_700_000_000_000 });
        assert.equal(r.uid, 1);
        assert.equal(r.size, raw.length);
        const meta = await store.messages.get(ib.id, 1);
        assert.deepEqual(meta?.flags, ['\\Seen', '$Label1']);
        assert.equal(meta?.internalDate, 1_700_000_000_000);
        assert.equal(meta?.blobHash, createHash('sha256').update(raw).digest('hex'));
        const reader = await store.messages.open(meta.blobHash);
        assert.deepEqual(await reader.read(), raw);
        assert.deepEqual(await reader.read(5, 15), raw.subarray(5, 15));
        const index = await store.messages.index(meta.blobHash);
        assert.ok(index, 'index stored');
        const box = await store.mailboxes.getById(acc.id, ib.id);
        assert.equal(box?.messages, 1);
        assert.equal(box?.unseen, 0);
        assert.equal(box?.uidNext, 2);
        assert.equal(box?.size, raw.length);
        assert.equal((await store.accounts.getById(acc.id))?.usedBytes, raw.length);
        await rejectsKind(store.messages.append(acc.id, ib.id, { raw, flags: ['\\Bogus'] }), 'Invalid', 'PK_ERR_INVALID_FLAG');
      });
      it('streams file-backed large messages exactly', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const raw = sampleMessage(8, 200_000);
        const r = await store.messages.append(acc.id, ib.id, { raw });
        const meta = await store.messages.get(ib.id, r.uid);
        const reader = await store.messages.open(meta!.blobHash);
        const chunks: Buffer[] = [];
        for await (const c of reader.stream(100, 150_000)) chunks.push(c as Buffer);
        assert.deepEqual(Buffer.concat(chunks), raw.subarray(100, 150_000));
        assert.deepEqual(await reader.read(0, raw.length + 10), raw);
      });
      it('STORE modes bump MODSEQ, keep counters and honour UNCHANGEDSINCE', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        for (let i = 0; i < 3; i++) await store.messages.append(acc.id, ib.id, { raw: sampleMessage(i) });
        const m0 = (await store.mailboxes.getById(acc.id, ib.id))!.highestModseq;
        const r1 = await store.messages.storeFlags(acc.id, ib.id, { uids: [1, 2], mode: 'add', flags: ['\\Seen', 'Work'] });
        assert.equal(r1.modseq, m0 + 1);
        assert.deepEqual(r1.changed.map((c) => [c.uid, c.flags]), [[1, ['\\Seen', 'Work']], [2, ['\\Seen', 'Work']]]);
        const noop = await store.messages.storeFlags(acc.id, ib.id, { uids: [1], mode: 'add', flags: ['\\seen', 'work'] });
        assert.equal(noop.changed.length, 0);
        assert.equal(noop.modseq, m0 + 1);
        const r2 = await store.messages.storeFlags(acc.id, ib.id, { uids: [1, 2, 3], mode: 'remove', flags: ['work'], unchangedSince: m0 });
        assert.deepEqual(r2.conflicts, [1, 2]);
        assert.deepEqual(r2.changed, []);
        const r3 = await store.messages.storeFlags(acc.id, ib.id, { uids: [2, 3], mode: 'set', flags: ['\\Deleted'] });
        assert.deepEqual(r3.changed.map((c) => c.uid), [2, 3]);
        const box = (await store.mailboxes.getById(acc.id, ib.id))!;
        assert.equal(box.unseen, 2);
        assert.equal(box.deleted, 2);
        const rows = await store.messages.listFlags(ib.id);
        assert.deepEqual(rows.map((r) => [r.uid, r.modseq, r.flags]), [[1, m0 + 1, ['\\Seen', 'Work']], [2, m0 + 2, ['\\Deleted']], [3, m0 + 2, ['\\Deleted']]]);
      });
      it('copy shares the blob, move keeps the id, expunge releases the last reference', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const archive = (await store.mailboxes.byRole(acc.id, 'archive'))!;
        const trash = (await store.mailboxes.byRole(acc.id, 'trash'))!;
        const small = await store.messages.append(acc.id, ib.id, { raw: sampleMessage(4242), flags: ['\\Flagged'] });
        const big = await store.messages.append(acc.id, ib.id, { raw: sampleMessage(4243, 50_000) });
        const s0 = await store.stats();
        const cp = await store.messages.copy(acc.id, ib.id, [small.uid, big.uid, 99], archive.id);
        assert.deepEqual(cp.mapping, [[1, 1], [2, 2]]);
        assert.equal(cp.uidValidity, archive.uidValidity);
        const s1 = await store.stats();
        assert.equal(s1.blobs, s0.blobs, 'copy stores no new blob');
        assert.equal(s1.messages, s0.messages + 2);
        assert.equal(s1.badRefcounts, 0);
        const copied = await store.messages.get(archive.id, 1);
        assert.deepEqual(copied?.flags, ['\\Flagged']);
        const mv = await store.messages.move(acc.id, archive.id, [1, 2], trash.id);
        assert.deepEqual(mv.mapping, [[1, 1], [2, 2]]);
        assert.equal((await store.messages.get(trash.id, 1))?.id, copied?.id);
        assert.equal((await store.mailboxes.getById(acc.id, archive.id))?.messages, 0);
        await store.messages.storeFlags(acc.id, trash.id, { uids: [1, 2], mode: 'add', flags: ['\\Deleted'] });
        assert.deepEqual(await store.messages.expunge(acc.id, trash.id, [2]), [2]);
        assert.deepEqual(await store.messages.expunge(acc.id, trash.id), [1]);
        assert.equal((await store.stats()).blobs, s0.blobs, 'blobs still referenced from INBOX');
        await store.messages.storeFlags(acc.id, ib.id, { uids: [1, 2], mode: 'add', flags: ['\\Deleted'] });
        assert.deepEqual(await store.messages.expunge(acc.id, ib.id), [1, 2]);
        const s2 = await store.stats();
        assert.equal(s2.blobs, s0.blobs - 2, 'last reference removes the blob');
        assert.equal(s2.badRefcounts, 0);
        assert.equal(s2.danglingMessages, 0);
        const acct = (await store.accounts.getById(acc.id))!;
        assert.equal(acct.usedBytes, 0);
        assert.equal(acct.messageCount, 0);
        const after = await store.messages.append(acc.id, ib.id, { raw: sampleMessage(4244) });
        assert.equal(after.uid, 3, 'UIDs are never reused');
      });
      it('enforces the quota on append and copy', async () => {
        const acc = await newAccount(1000);
        const ib = await inbox(acc);
        const r = await store.messages.append(acc.id, ib.id, { raw: sampleMessage(1, 300) });
        await rejectsKind(store.messages.append(acc.id, ib.id, { raw: sampleMessage(2, 900) }), 'OverQuota');
        await rejectsKind(store.messages.copy(acc.id, ib.id, [r.uid, r.uid], ib.id).then(() => store.messages.copy(acc.id, ib.id, [1, 2], ib.id)), 'OverQuota');
      });
      it('appendMany stores all messages in one commit, or none', async () => {
        const acc = await newAccount(3000);
        const ib = await inbox(acc);
        const seen: Change[] = [];
        const un = store.changes.subscribe(acc.id, (c) => seen.push(c));
        const ok = await store.messages.appendMany(acc.id, ib.id, [{ raw: sampleMessage(1, 300) }, { raw: sampleMessage(2, 300), flags: ['\\Seen'] }]);
        assert.deepEqual(ok.map((r) => r.uid), [1, 2]);
        assert.equal(ok[0]!.modseq, ok[1]!.modseq, 'one operation, one MODSEQ');
        await rejectsKind(store.messages.appendMany(acc.id, ib.id, [{ raw: sampleMessage(3, 300) }, { raw: sampleMessage(4, 3000) }]), 'OverQuota');
        un();
        assert.deepEqual((await store.messages.listFlags(ib.id)).map((r) => r.uid), [1, 2], 'the refused batch left nothing');
        assert.equal(seen.length, 1);
        assert.equal(seen[0]!.kind === 'new' && seen[0]!.messages.length, 2);
        assert.equal((await store.mailboxes.getById(acc.id, ib.id))?.uidNext, 3);
      });
      it('finds text through the full-text index: substrings, any case, any charset', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const latin1 = Buffer.concat([
          Buffer.from('From: =?utf-8?q?J=C3=BCrgen?= <j@example.de>\r\nTo: Bob <bob@example.org>\r\nSubject: =?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'),
          Buffer.from('Das Wetter in K\xf6ln ist sch\xf6n.\r\n', 'latin1'),
        ]);
        const a = await store.messages.append(acc.id, ib.id, { raw: latin1 });
        const b = await store.messages.append(acc.id, ib.id, { raw: sampleMessage(77) });
        assert.deepEqual(await store.messages.searchText(ib.id, ['body'], 'WETTER IN köln'), [a.uid]);
        assert.deepEqual(await store.messages.searchText(ib.id, ['body'], 'etter'), [a.uid], 'substring, not words');
        assert.deepEqual(await store.messages.searchText(ib.id, ['subject'], 'grüße'), [a.uid], 'RFC 2047 + latin-1 decoded');
        assert.deepEqual(await store.messages.searchText(ib.id, ['from'], 'jürgen'), [a.uid]);
        assert.deepEqual(await store.messages.searchText(ib.id, ['from'], 'alice@example'), [b.uid]);
        assert.deepEqual(await store.messages.searchText(ib.id, ['subject', 'body'], 'number 77'), [b.uid]);
        assert.deepEqual(await store.messages.searchText(ib.id, ['headers'], 'message-id: <msg-77'), [b.uid]);
        assert.deepEqual(await store.messages.searchText(ib.id, ['body'], 'n.'), [a.uid], 'short needles work too');
        assert.deepEqual(await store.messages.searchText(ib.id, ['body'], '%'), []);
        assert.deepEqual(await store.messages.searchText(ib.id, ['body'], 'say "hi"'), []);
        assert.deepEqual(await store.messages.searchText(ib.id, ['body'], ''), [a.uid, b.uid]);
        await store.messages.storeFlags(acc.id, ib.id, { uids: [a.uid], mode: 'add', flags: ['\\Deleted'] });
        await store.messages.expunge(acc.id, ib.id);
        assert.deepEqual(await store.messages.searchText(ib.id, ['body'], 'wetter'), []);
      });
      it('no account reaches another account\'s mailboxes', async () => {
        const a = await newAccount();
        const b = await newAccount();
        const ibA = await inbox(a);
        const ibB = await inbox(b);
        await store.messages.append(a.id, ibA.id, { raw: sampleMessage(1) });
        await rejectsKind(store.messages.append(b.id, ibA.id, { raw: sampleMessage(2) }), 'NotFound');
        await rejectsKind(store.messages.storeFlags(b.id, ibA.id, { uids: [1], mode: 'add', flags: ['\\Seen'] }), 'NotFound');
        await rejectsKind(store.messages.expunge(b.id, ibA.id), 'NotFound');
        await rejectsKind(store.messages.copy(b.id, ibA.id, [1], ibB.id), 'NotFound');
        await rejectsKind(store.messages.move(a.id, ibA.id, [1], ibB.id), 'NotFound');
        assert.equal(await store.mailboxes.getById(b.id, ibA.id), null);
      });
    });

    describe('concurrency', () => {
      it('16 concurrent appenders never share a UID, and UIDs and MODSEQs only grow', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const results = await Promise.all(
          Array.from({ length: 16 }, async (_, w) => {
            const mine = [];
            for (let i = 0; i < 25; i++) {
              mine.push(await store.messages.append(acc.id, ib.id, { raw: sampleMessage(w * 1000 + i) }));
            }
            return mine;
          }),
        );
        const all = results.flat();
        assert.equal(new Set(all.map((r) => r.uid)).size, 400);
        for (const mine of results) {
          for (let i = 1; i < mine.length; i++) {
            assert.ok(mine[i]!.uid > mine[i - 1]!.uid, 'a writer sees its UIDs grow');
            assert.ok(mine[i]!.modseq > mine[i - 1]!.modseq, 'a writer sees MODSEQ grow');
          }
        }
        const rows = await store.messages.listFlags(ib.id);
        assert.deepEqual(rows.map((r) => r.uid), Array.from({ length: 400 }, (_, i) => i + 1));
        const byUid = [...all].sort((x, y) => x.uid - y.uid);
        for (let i = 1; i < byUid.length; i++) assert.ok(byUid[i]!.modseq > byUid[i - 1]!.modseq);
        const box = (await store.mailboxes.getById(acc.id, ib.id))!;
        assert.equal(box.messages, 400);
        assert.equal(box.uidNext, 401);
      });
      it('the same new message appended concurrently is stored once', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const before = await store.stats();
        const raw = sampleMessage(31337, 3000);
        const rs = await Promise.all([1, 2, 3].map(() => store.messages.append(acc.id, ib.id, { raw })));
        assert.deepEqual(rs.map((r) => r.uid), [1, 2, 3]);
        const after = await store.stats();
        assert.equal(after.blobs, before.blobs + 1);
        assert.equal(after.badRefcounts, 0);
        assert.deepEqual(await store.messages.searchText(ib.id, ['subject'], 'message 31337'), [1, 2, 3]);
      });
      it('one failing write in a batch does not fail its neighbours', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const outcomes = await Promise.allSettled([
          store.messages.append(acc.id, ib.id, { raw: sampleMessage(1) }),
          store.messages.append(acc.id, 999_999, { raw: sampleMessage(2) }),
          store.messages.append(acc.id, ib.id, { raw: sampleMessage(3) }),
        ]);
        assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
        assert.equal((await store.messages.listFlags(ib.id)).length, 2);
        assert.equal((await store.mailboxes.getById(acc.id, ib.id))?.messages, 2);
      });
    });

    describe('change feed', () => {
      it('delivers every committed change exactly once, in order, to every subscriber', async () => {
        const acc = await newAccount();
        const other = await newAccount();
        const ib = await inbox(acc);
        const start = await store.changes.lastSeq(acc.id);
        const seenA: Change[] = [];
        const seenB: Change[] = [];
        const seenAll: Change[] = [];
        const unA = store.changes.subscribe(acc.id, (c) => seenA.push(c));
        const unB = store.changes.subscribe(acc.id, (c) => seenB.push(c));
        const unAll = store.changes.subscribeAll((c) => { if (c.accountId === acc.id) seenAll.push(c); });
        const unOther = store.changes.subscribe(other.id, () => assert.fail('wrong account'));
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.messages.append(acc.id, ib.id, { raw: sampleMessage(i) })));
        await store.messages.storeFlags(acc.id, ib.id, { uids: [1, 2, 3], mode: 'add', flags: ['\\Seen'] });
        const box = await store.mailboxes.create(acc.id, 'Feed');
        await store.messages.move(acc.id, ib.id, [4, 5], box.id);
        await store.messages.storeFlags(acc.id, ib.id, { uids: [1], mode: 'add', flags: ['\\Deleted'] });
        await store.messages.expunge(acc.id, ib.id);
        await store.mailboxes.rename(acc.id, 'Feed', 'Feed2');
        await store.mailboxes.delete(acc.id, 'Feed2');
        // A failed write publishes nothing.
        await store.messages.append(acc.id, 424242, { raw: sampleMessage(0) }).catch(() => undefined);
        unA(); unB(); unAll(); unOther();
        await store.messages.append(acc.id, ib.id, { raw: sampleMessage(99) });
        const seqs = seenA.map((c) => c.seq);
        assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => start + 1 + i), 'gap-free, in order');
        assert.deepEqual(seenB, seenA);
        assert.deepEqual(seenAll, seenA);
        const kinds = seenA.map((c) => c.kind);
        assert.equal(kinds.filter((k) => k === 'new').length, 21);
        assert.deepEqual(kinds.slice(20), ['flags', 'mailbox-created', 'expunge', 'new', 'flags', 'expunge', 'mailbox-renamed', 'mailbox-deleted']);
        const logged = await store.changes.readSince(acc.id, start);
        assert.deepEqual(logged.slice(0, seenA.length), seenA, 'the durable log equals what was delivered');
        assert.equal(logged.length, seenA.length + 1);
        // Per mailbox, MODSEQ in the feed only grows.
        const last = new Map<number, number>();
        for (const c of seenA) {
          if (c.kind === 'mailbox-renamed' || c.kind === 'mailbox-deleted') continue;
          assert.ok(c.modseq >= (last.get(c.mailboxId) ?? 0));
          last.set(c.mailboxId, c.modseq);
        }
      });
      it('a slow subscriber catches up from the log without losing anything', async () => {
        const acc = await newAccount();
        const ib = await inbox(acc);
        const from = await store.changes.lastSeq(acc.id);
        for (let i = 0; i < 5; i++) await store.messages.append(acc.id, ib.id, { raw: sampleMessage(i) });
        const page1 = await store.changes.readSince(acc.id, from, 3);
        const page2 = await store.changes.readSince(acc.id, page1.at(-1)!.seq, 3);
        assert.deepEqual([...page1, ...page2].map((c) => c.seq), [1, 2, 3, 4, 5].map((i) => from + i));
        assert.deepEqual(
          [...page1, ...page2].map((c) => (c.kind === 'new' ? c.messages[0]?.uid : -1)),
          [1, 2, 3, 4, 5],
        );
      });
    });
  });
}
