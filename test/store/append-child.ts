/**
 * Child process of the kill -9 test: appends (and copies) in a loop from 16 concurrent tasks and
 * prints one line per acknowledged write, after the store resolved it. The parent kills it with
 * SIGKILL at a random moment and then checks that every acknowledged message is intact.
 * Usage: append-child.ts DATA_DIR ROUND
 */
import { createHash } from 'node:crypto';
import { openStore } from '../../src/store/open-store.ts';

const [dataDir, roundText] = process.argv.slice(2);
if (!dataDir || !roundText) throw new Error('usage: append-child.ts DATA_DIR ROUND');
const round = Number(roundText);
const store = await openStore({ dataDir, inlineLimit: 2048 });
const acc = (await store.accounts.get('crash@example.org'))!;
const inbox = (await store.mailboxes.get(acc.id, 'INBOX'))!;
const archive = (await store.mailboxes.byRole(acc.id, 'archive'))!;

function message(worker: number, i: number): Buffer {
  const size = 200 + ((worker * 7919 + i * 104729 + round * 13) % 6000);
  const line = `round ${round} worker ${worker} message ${i} `.padEnd(76, '.') + '\r\n';
  const body = line.repeat(Math.ceil(size / line.length));
  return Buffer.from(
    `From: w${worker}@example.org\r\nSubject: r${round} w${worker} m${i}\r\nMessage-ID: <${round}.${worker}.${i}@x>\r\n\r\n${body}`,
  );
}

process.stdout.write('READY\n');
await Promise.all(
  Array.from({ length: 16 }, async (_, worker) => {
    for (let i = 0; ; i++) {
      const raw = message(worker, i);
      const r = await store.messages.append(acc.id, inbox.id, { raw, flags: i % 3 ? [] : ['\\Seen'] });
      // Pipes are written synchronously on Linux: once this returns, the parent will read it.
      process.stdout.write(`ACK ${r.uid} ${createHash('sha256').update(raw).digest('hex')}\n`);
      if (i % 5 === 4) {
        const c = await store.messages.copy(acc.id, inbox.id, [r.uid], archive.id);
        for (const [, dst] of c.mapping) process.stdout.write(`COPY ${dst} ${r.uid}\n`);
      }
    }
  }),
);
