// Commands the parser knows but this server does not offer yet: they are not in CAPABILITY, and
// a client that sends them anyway gets a precise BAD instead of a silent failure.
import { bad } from '../protocol-error.ts';
import type { CommandSpec } from '../session-types.ts';
import { ANY } from '../session-types.ts';

function notOffered<N extends 'COMPRESS'>(name: N): CommandSpec<N> {
  return {
    states: ANY,
    handle: () => Promise.reject(bad(`${name} is not offered by this server (see CAPABILITY)`)),
  };
}

export const compress = notOffered('COMPRESS');
