/**
 * The one registry of application errors. Every error postkontor raises on purpose has a stable
 * `PK_ERR_*` code (fastify's pattern) and a kind that each protocol maps to its own words:
 * IMAP `NO [OVERQUOTA]`, POP3 `-ERR [SYS/TEMP]`, SMTP `452 4.2.2`, the CLI a one-line message.
 */

export type ErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'OverQuota'
  | 'TooBig'
  | 'Unavailable'
  | 'Conflict'
  | 'Invalid'
  | 'Forbidden';

export const ERROR_CODES = {
  PK_ERR_DOMAIN_NOT_FOUND: 'NotFound',
  PK_ERR_DOMAIN_EXISTS: 'AlreadyExists',
  PK_ERR_DOMAIN_NOT_EMPTY: 'Conflict',
  PK_ERR_ACCOUNT_NOT_FOUND: 'NotFound',
  PK_ERR_ACCOUNT_EXISTS: 'AlreadyExists',
  PK_ERR_ALIAS_NOT_FOUND: 'NotFound',
  PK_ERR_ALIAS_EXISTS: 'AlreadyExists',
  PK_ERR_ALIAS_CONFLICT: 'Conflict',
  PK_ERR_INVALID_ADDRESS: 'Invalid',
  PK_ERR_INVALID_DOMAIN: 'Invalid',
  PK_ERR_INVALID_SIZE: 'Invalid',
  PK_ERR_INVALID_PASSWORD: 'Invalid',
  PK_ERR_SETTING_UNKNOWN: 'Invalid',
  PK_ERR_SETTING_VALUE: 'Invalid',
  PK_ERR_MAILBOX_NOT_FOUND: 'NotFound',
  PK_ERR_MAILBOX_EXISTS: 'AlreadyExists',
  PK_ERR_MAILBOX_NAME: 'Invalid',
  PK_ERR_MAILBOX_PROTECTED: 'Forbidden',
  PK_ERR_MAILBOX_HAS_CHILDREN: 'Conflict',
  PK_ERR_MESSAGE_NOT_FOUND: 'NotFound',
  PK_ERR_INVALID_FLAG: 'Invalid',
  PK_ERR_OVER_QUOTA: 'OverQuota',
  PK_ERR_TOO_BIG: 'TooBig',
  PK_ERR_STORE_UNAVAILABLE: 'Unavailable',
  PK_ERR_STORE_CONFLICT: 'Conflict',
  PK_ERR_CONFIG: 'Invalid',
  PK_ERR_USAGE: 'Invalid',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected, typed failure: callers branch on `kind` (or `code`), never on the message. */
export class PkError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PkError';
    this.code = code;
    this.kind = ERROR_CODES[code];
  }
}

export function isPkError(err: unknown, kind?: ErrorKind): err is PkError {
  return err instanceof PkError && (kind === undefined || err.kind === kind);
}
