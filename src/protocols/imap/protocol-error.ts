/**
 * The one way handlers fail: throw a ProtocolError (BAD, NO or BYE with an optional RFC 5530 /
 * RFC 9051 response code); the session's single catch turns it into the reply (mox's
 * panic/recover, as throw/catch). Store errors map to IMAP words here, in one place.
 */
import { isPkError } from '../../core/errors.ts';

export type ErrorKindImap = 'BAD' | 'NO' | 'BYE';

export class ProtocolError extends Error {
  constructor(
    readonly kind: ErrorKindImap,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export const bad = (message: string, code?: string): ProtocolError => new ProtocolError('BAD', message, code);
export const no = (message: string, code?: string): ProtocolError => new ProtocolError('NO', message, code);

/**
 * Maps a store error to a NO with its response code. `target` marks the mailbox a message goes
 * to (COPY, MOVE, APPEND): a missing one answers [TRYCREATE] (RFC 3501 §6.3.11).
 */
export function storeErrorToImap(err: unknown, opts: { target?: boolean } = {}): ProtocolError | null {
  if (!isPkError(err)) return null;
  switch (err.kind) {
    case 'NotFound':
      return no(opts.target ? 'Mailbox does not exist' : 'No such mailbox', opts.target ? 'TRYCREATE' : 'NONEXISTENT');
    case 'AlreadyExists':
      return no('Mailbox already exists', 'ALREADYEXISTS');
    case 'OverQuota':
      return no('Quota exceeded', 'OVERQUOTA');
    case 'TooBig':
      return no('Message too large', 'TOOBIG');
    case 'Unavailable':
      return no('Temporarily unavailable, try again', 'UNAVAILABLE');
    case 'Conflict':
      return err.code === 'PK_ERR_MAILBOX_HAS_CHILDREN'
        ? no('Mailbox has children, delete them first', 'HASCHILDREN')
        : no(err.message, 'CANNOT');
    case 'Invalid':
      return err.code === 'PK_ERR_INVALID_FLAG' ? bad(err.message) : no(err.message, 'CANNOT');
    case 'Forbidden':
      return no(err.message, 'CANNOT');
  }
}
