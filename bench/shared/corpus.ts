/**
 * The benchmark's mail: the same messages for postkontor and Dovecot. `big@bench.test` holds the
 * large INBOX (100,000 messages of ~2 KB by default); `idle@bench.test` holds a small INBOX for
 * the IDLE latency and idle-connection runs. One in four messages is \Seen.
 */
export const DOMAIN = 'bench.test';
export const BIG_USER = `big@${DOMAIN}`;
export const IDLE_USER = `idle@${DOMAIN}`;
export const PASSWORD = 'bench-password';
/** Bump when the messages or the loading change, so cached data dirs are rebuilt. */
export const CORPUS_VERSION = 'c2';
export const MESSAGE_SIZE = 2048;

const WORDS = ['invoice', 'meeting', 'report', 'holiday', 'release', 'budget', 'garden', 'server', 'coffee', 'draft'];

/** Message `n` with CRLF line ends, exactly MESSAGE_SIZE bytes. */
export function benchMessage(n: number): Buffer {
  const day = 1 + (n % 28);
  const head =
    `From: Sender ${n % 97} <sender${n % 97}@example.org>\r\n` +
    `To: Bench <${BIG_USER}>\r\n` +
    `Subject: ${WORDS[n % WORDS.length]} ${n}\r\n` +
    `Message-ID: <${n}.bench@example.org>\r\n` +
    `Date: Mon, ${day} Nov 2026 10:00:00 +0000\r\n` +
    `MIME-Version: 1.0\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\n\r\n`;
  const line = `${WORDS[(n * 7) % WORDS.length]} line of message ${n} `.padEnd(70, 'x') + '\r\n';
  let body = line.repeat(Math.ceil((MESSAGE_SIZE - head.length) / line.length) + 1);
  body = body.slice(0, MESSAGE_SIZE - head.length - 2) + '\r\n';
  return Buffer.from(head + body);
}

/** Whether message `n` starts out \Seen. */
export function isSeen(n: number): boolean {
  return n % 4 === 0;
}
