/**
 * Every transcript under test/transcripts/pop3/ against the real POP3 server (served beside
 * IMAP on one store, as the composition root does), in every variant (line by line; 1-, 3- and
 * 17-byte writes; pipelined unless `pipeline: no`), each on a fresh server and store
 * (test/helpers/transcript-suite.ts). When src/protocols/pop3/index.ts is missing, one test
 * fails saying so. `TRANSCRIPT=name` runs only the transcripts whose file name contains `name`.
 */
import { loadProtocolModule } from '../helpers/imap-server.ts';
import { transcriptSuite } from '../helpers/transcript-suite.ts';

const POP3_MODULE = new URL('../../src/protocols/pop3/index.ts', import.meta.url);

await transcriptSuite({
  protocol: 'pop3',
  dir: new URL('./pop3/', import.meta.url),
  load: () => loadProtocolModule(POP3_MODULE, 'pop3Protocol', 'the POP3 server module src/protocols/pop3/index.ts is missing'),
});
