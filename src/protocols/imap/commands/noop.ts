// RFC 9051 §6.1.2: NOOP is the polling point (macOS Mail polls with it; client-quirks.md): the
// session's end-of-command sync reports new mail, flag changes and expunges.
import type { CommandSpec } from '../session-types.ts';
import { ANY } from '../session-types.ts';

export const noop: CommandSpec<'NOOP'> = {
  states: ANY,
  handle: () => Promise.resolve({ text: 'NOOP completed' }),
};

// RFC 9051 §6.4.1 (CHECK is gone from rev2 but harmless): same as NOOP here, since every write
// is durable when acknowledged.
export const check: CommandSpec<'CHECK'> = {
  states: ['selected'],
  handle: () => Promise.resolve({ text: 'CHECK completed' }),
};
