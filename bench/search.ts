/**
 * Full-text SEARCH over a large mailbox (issue 3: a body search over 100,000 messages answers in
 * under 300 ms). Builds a mailbox of ~2 KB messages through the store, lets the full-text indexer
 * catch up (timed too), then times store-level body searches for a rare word, a common word and a
 * miss.
 */
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/open-store.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';

const WORDS = 'meeting report budget invoice travel lunch project deadline review draft quarterly numbers team schedule update customer contract proposal summary agenda'.split(' ');

function message(n: number): Buffer {
  let body = '';
  let x = Math.imul(n + 1, 2654435761) >>> 0;
  while (body.length < 1800) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    body += WORDS[(x >>> 16) % WORDS.length] + (body.length % 72 > 64 ? '\r\n' : ' ');
  }
  if (n % 10_000 === 1234) body += '\r\nzanzibar\r\n';
  return Buffer.from(`From: Sender ${n % 97} <s${n % 97}@example.org>\r\nTo: user@example.org\r\nSubject: note ${n}\r\n\r\n${body}\r\n`);
}

export interface SearchBenchResult {
  readonly messages: number;
  readonly indexSeconds: number;
  readonly rare: { ms: number; hits: number };
  readonly common: { ms: number; hits: number };
  readonly miss: { ms: number; hits: number };
}

export async function benchSearch(opts: { messages: number }): Promise<SearchBenchResult> {
  const dir = tempDir('pk-bench-search-');
  const store = await openStore({ dataDir: dir.path });
  try {
    await store.domains.add('example.org');
    const acc = await store.accounts.create({ address: 'user@example.org', passwordHash: 'x' });
    const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
    for (let i = 0; i < opts.messages; i += 500) {
      const batch = Array.from({ length: Math.min(500, opts.messages - i) }, (_, k) => ({ raw: message(i + k) }));
      await store.messages.appendMany(acc.id, inbox.id, batch);
    }
    const t0 = performance.now();
    await store.idle();
    const indexSeconds = (performance.now() - t0) / 1000;
    const time = async (needle: string): Promise<{ ms: number; hits: number }> => {
      const runs: number[] = [];
      let hits = 0;
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        hits = (await store.messages.searchText(inbox.id, ['body'], needle)).length;
        runs.push(performance.now() - s);
      }
      runs.sort((a, b) => a - b);
      return { ms: runs[2]!, hits };
    };
    return {
      messages: opts.messages,
      indexSeconds,
      rare: await time('zanzibar'),
      common: await time('quarterly'),
      miss: await time('xylophone'),
    };
  } finally {
    await store.close();
    dir.remove();
  }
}
