// RFC 4978 COMPRESS=DEFLATE. Once on, it stays on; a second COMPRESS is refused with
// [COMPRESSIONACTIVE] (RFC 4978 §3).
import { bad, no } from '../protocol-error.ts';
import type { CommandSpec } from '../session-types.ts';
import { AUTHED } from '../session-types.ts';

export const compress: CommandSpec<'COMPRESS'> = {
  states: AUTHED,
  handle(session, cmd) {
    if (cmd.mechanism.toUpperCase() !== 'DEFLATE') return Promise.reject(bad(`Unknown compression mechanism ${cmd.mechanism}`));
    if (session.compressed) return Promise.reject(no('Compression is already active', 'COMPRESSIONACTIVE'));
    return Promise.resolve({ text: 'DEFLATE active', after: () => session.startCompression() });
  },
};
