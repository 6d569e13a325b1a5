// RFC 2342 / RFC 9051 §6.3.10: one personal namespace, no prefix, "/" as delimiter.
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

export const namespace: CommandSpec<'NAMESPACE'> = {
  states: AUTHED,
  handle(session) {
    session.writeLine('* NAMESPACE (("" "/")) NIL NIL');
    return Promise.resolve({ text: 'NAMESPACE completed' });
  },
};
