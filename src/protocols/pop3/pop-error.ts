/**
 * The one way POP3 handlers fail: throw a PopError (its message is the `-ERR` text, with an
 * optional RFC 2449 / RFC 3206 response code); the session's single catch writes it. Store
 * errors become `-ERR [SYS/TEMP]` here, in one place.
 */
import { isPkError } from '../../core/errors.ts';
import type { RespCode } from './wire/responses.ts';

export class PopError extends Error {
  constructor(
    message: string,
    readonly code?: RespCode,
  ) {
    super(message);
    this.name = 'PopError';
  }
}

export const popError = (message: string, code?: RespCode): PopError => new PopError(message, code);

/** Maps a store error to its `-ERR`; null for an unexpected failure (a bug: log it). */
export function storeErrorToPop(err: unknown): PopError | null {
  if (!isPkError(err)) return null;
  if (err.kind === 'Unavailable') return popError('the mail store is busy, try again later', 'SYS/TEMP');
  return popError(`the mail store refused: ${err.message}`, 'SYS/TEMP');
}
