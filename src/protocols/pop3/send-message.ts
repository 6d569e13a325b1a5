/**
 * RETR and TOP answers (RFC 1939 §7): the stored bytes through the dot-stuffer (and, for TOP,
 * the header/line cutter), byte-exact. A small message is read in one go and leaves in one
 * write; a large one streams chunk by chunk and waits for the socket to drain, so a 20 MB
 * message never sits in memory and a slow client holds back the disk, not our heap.
 */
import { isPkError } from '../../core/errors.ts';
import type { PopMessage } from '../../store/ports.ts';
import { popError } from './pop-error.ts';
import type { PopSession } from './session.ts';
import { DotStuffer } from './wire/dot-stuffer.ts';
import { okLine } from './wire/responses.ts';
import { TopCutter } from './wire/top-cutter.ts';

/** Messages up to this size are read with one call. */
const SMALL_MESSAGE_BYTES = 128 * 1024;

export interface SendOptions {
  /** The message number, for error texts. */
  readonly n: number;
  /** The text after `+OK`. */
  readonly status: string;
  /** TOP's body line count; absent for RETR. */
  readonly topLines?: number;
}

/**
 * Sends the whole answer. Resolves `false` when the connection went before the end, else
 * whether the client now holds the whole message (always for RETR; for TOP when its line count
 * reached past the end).
 */
export async function sendMessage(
  session: PopSession,
  msg: PopMessage,
  opts: SendOptions,
): Promise<false | { readonly whole: boolean }> {
  let reader;
  try {
    reader = await session.ctx.store.messages.open(msg.blobHash);
  } catch (err) {
    if (isPkError(err, 'NotFound')) throw popError(`message ${opts.n} is no longer available`);
    throw err;
  }
  const stuffer = new DotStuffer();
  const cutter = opts.topLines === undefined ? null : new TopCutter(opts.topLines);
  if (reader.size <= SMALL_MESSAGE_BYTES) {
    const raw = await reader.read();
    const body = stuffer.push(cutter ? cutter.push(raw) : raw);
    session.write(okLine(opts.status));
    session.write(body);
    session.write(stuffer.end());
  } else {
    const stream = reader.stream();
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      // The first chunk before the status line: a blob that cannot be read still gets an -ERR.
      let next = await chunks.next();
      session.write(okLine(opts.status));
      session.streaming = true;
      while (!next.done && !session.isClosed) {
        const out = stuffer.push(cutter ? cutter.push(next.value) : next.value);
        if (out.length > 0 && !session.write(out)) await session.drained();
        if (cutter?.done) break;
        next = await chunks.next();
      }
    } finally {
      stream.destroy();
    }
    if (session.isClosed) return false;
    session.write(stuffer.end());
    session.streaming = false;
  }
  if (session.isClosed) return false;
  if (!cutter && stuffer.crlfOctets !== msg.size) {
    // LIST promised msg.size octets; clients that check (Outlook) will complain. A store bug.
    session.conn.log.warn({ id: msg.id, listed: msg.size, sent: stuffer.crlfOctets }, 'RETR size differs from LIST size');
  }
  return { whole: stuffer.crlfOctets === msg.size };
}
