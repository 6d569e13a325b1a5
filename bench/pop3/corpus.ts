/**
 * The POP3 bench's maildrop, the same for postkontor and Dovecot: `pop@bench.test` holds N
 * messages (10,000 by default), the IMAP bench's ~2 KB messages (bench/shared/corpus.ts) with a
 * ~1 MB message (a short text part, a base64 attachment, and a few lines starting with "." that
 * POP3 must dot-stuff) at every `BIG_EVERY`th place.
 */
import { benchMessage, DOMAIN } from '../shared/corpus.ts';

export const POP_USER = `pop@${DOMAIN}`;
/** Bump when the messages change, so cached data dirs are rebuilt. */
export const POP_CORPUS_VERSION = 'p2';
export const BIG_MESSAGE_SIZE = 1024 * 1024;

/** Message `n` is a big one when `n % every === every / 2`. */
export function isBig(n: number, every: number): boolean {
  return every > 0 && n % every === Math.floor(every / 2);
}

/** A ~1 MB message with CRLF line ends: text with dot-lines, then base64 of pseudo-random bytes. */
export function bigMessage(n: number): Buffer {
  const head =
    `From: Photos ${n % 13} <photos${n % 13}@example.org>\r\n` +
    `To: Bench <${POP_USER}>\r\n` +
    `Subject: holiday pictures ${n}\r\n` +
    `Message-ID: <${n}.big.bench@example.org>\r\n` +
    `Date: Tue, ${1 + (n % 28)} Nov 2026 12:00:00 +0000\r\n` +
    `MIME-Version: 1.0\r\n` +
    `Content-Type: multipart/mixed; boundary="b${n}"\r\n\r\n` +
    `--b${n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
    `Here they are.\r\n.\r\n..and a line with two dots\r\n.signature follows\r\n\r\n` +
    `--b${n}\r\nContent-Type: image/jpeg; name="p${n}.jpg"\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
  const tail = `--b${n}--\r\n`;
  // xorshift bytes: incompressible, different per message, the same on every run.
  let x = (n * 2654435761) >>> 0 || 1;
  const rawLen = Math.floor(((BIG_MESSAGE_SIZE - head.length - tail.length) / 78) * 57);
  const bin = Buffer.allocUnsafe(rawLen);
  for (let i = 0; i < rawLen; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bin[i] = x & 0xff;
  }
  const b64 = bin.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return Buffer.from(head + lines.join('\r\n') + '\r\n' + tail, 'latin1');
}

/** Message `n` of a maildrop with a big message at every `bigEvery`th place. */
export function popMessage(n: number, bigEvery: number): Buffer {
  return isBig(n, bigEvery) ? bigMessage(n) : benchMessage(n);
}
