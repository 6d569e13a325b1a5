/**
 * API errors as the contract (docs/web-api.md) words them: a status and
 * `{"error": "<code>", "message": "<sentence>"}`. Routes throw `ApiError`; the app's error
 * handler turns it (and the store's typed PkErrors) into the JSON answer.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isPkError } from '../core/errors.ts';

export type ApiErrorCode =
  | 'unauthenticated'
  | 'credentials'
  | 'insecure'
  | 'csrf'
  | 'not-found'
  | 'invalid'
  | 'too-big'
  | 'over-quota'
  | 'rate-limited'
  | 'forbidden'
  | 'conflict'
  | 'unavailable'
  | 'internal';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers (retry-after). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not-found', `${what} not found`);
export const invalid = (message: string): ApiError => new ApiError(400, 'invalid', message);

/** The ApiError a store error stands for, or null for a bug. */
export function fromStoreError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (!isPkError(err)) return null;
  switch (err.kind) {
    case 'NotFound':
      return new ApiError(404, 'not-found', err.message);
    case 'AlreadyExists':
    case 'Conflict':
      return new ApiError(409, 'conflict', err.message);
    case 'Invalid':
      return new ApiError(400, 'invalid', err.message);
    case 'Forbidden':
      return new ApiError(403, 'forbidden', err.message);
    case 'OverQuota':
      return new ApiError(507, 'over-quota', err.message);
    case 'TooBig':
      return new ApiError(413, 'too-big', err.message);
    case 'Unavailable':
      // The store's own words name the database and its address: not for browsers. Clients
      // retry (the web app does); a database restart takes seconds.
      return new ApiError(503, 'unavailable', 'the mail store is temporarily unavailable; try again in a moment', { 'retry-after': '5' });
  }
}

export function errorResponse(c: Context, err: ApiError): Response {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json({ error: err.code, message: err.message }, err.status);
}
