/** Limits of the web interface (kept here until core/limits.ts takes them). */
export const WEB_LIMITS = {
  /** A web session unused this long ends (sign in again). */
  sessionIdleMs: 7 * 24 * 60 * 60 * 1000,
  /** A web session ends this long after sign-in, used or not. */
  sessionAbsoluteMs: 30 * 24 * 60 * 60 * 1000,
  /** JSON bodies other than Send and Drafts. */
  jsonBodyBytes: 1024 * 1024,
  /** Page size of message lists. */
  pageDefault: 50,
  pageMax: 500,
  /** Search results returned at most. */
  searchMax: 500,
  searchQueryChars: 500,
  /** UIDs one flags/move/trash request may name. */
  uidsPerRequest: 10_000,
  /** An SSE comment this often keeps proxies from closing the stream. */
  sseHeartbeatMs: 25_000,
  /** Changes replayed on reconnect before the client is told to reload (`event: reset`). */
  sseReplayMax: 1000,
  /** Autodiscover request bodies. */
  autodiscoverBytes: 16 * 1024,
} as const;
