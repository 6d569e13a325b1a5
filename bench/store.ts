/**
 * Store benchmarks: durable appends per second from 16 concurrent appenders (5 KB messages, one
 * mailbox, synchronous=FULL with group commit), and the time to list the UIDs and flags of a
 * 100,000-message mailbox. Run with `npm run bench` (never part of the tests).
 */
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/ports.ts';
import { tempDir } from '../test/helpers/temp-dir.ts';

function message(n: number, size = 5 * 1024): Buffer {
  const head = `From: Bench <bench@example.org>\r\nTo: user@example.org\r\nSubject: bench ${n}\r\nMessage-ID: <${n}@bench>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = `message ${n} `.padEnd(76, 'x') + '\r\n';
  return Buffer.from(head + line.repeat(Math.ceil((size - head.length) / line.length))).subarray(0, size);
}

async function appendLoad(store: Store, accountId: number, mailboxId: number, total: number, writers: number, offset: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) {
        const n = next++;
        await store.messages.append(accountId, mailboxId, { raw: message(offset + n), flags: n % 4 ? [] : ['\\Seen'] });
      }
    }),
  );
  return performance.now() - t0;
}

export interface StoreBenchResult {
  appendsPerSecond: number;
  appendMBps: number;
  listMs: { median: number; min: number; max: number };
  listCount: number;
}

export async function benchStore(opts: { appends: number; listSize: number }): Promise<StoreBenchResult> {
  const dir = tempDir('pk-bench-');
  const store = await openStore({ dataDir: dir.path });
  try {
    await store.domains.add('example.org');
    const acc = await store.accounts.create({ address: 'user@example.org', passwordHash: 'x' });
    const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
    await appendLoad(store, acc.id, inbox.id, 200, 16, 10_000_000); // warm-up
    const ms = await appendLoad(store, acc.id, inbox.id, opts.appends, 16, 0);
    const appendsPerSecond = (opts.appends / ms) * 1000;

    const big = await store.mailboxes.create(acc.id, 'Big');
    await appendLoad(store, acc.id, big.id, opts.listSize, 16, 20_000_000);
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const rows = await store.messages.listFlags(big.id);
      times.push(performance.now() - t0);
      count = rows.length;
    }
    times.sort((a, b) => a - b);
    return {
      appendsPerSecond,
      appendMBps: (appendsPerSecond * 5 * 1024) / 1e6,
      listMs: { median: times[3]!, min: times[0]!, max: times[6]! },
      listCount: count,
    };
  } finally {
    await store.close();
    dir.remove();
  }
}
