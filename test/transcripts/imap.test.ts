/**
 * Every transcript under test/transcripts/imap/ against the real IMAP server, in every variant
 * (line by line; 1-, 3- and 17-byte writes; pipelined unless `pipeline: no`), each on a fresh
 * server and store (test/helpers/transcript-suite.ts). `TRANSCRIPT=name` runs only the
 * transcripts whose file name contains `name`.
 */
import { loadImapProtocol } from '../helpers/imap-server.ts';
import { transcriptSuite } from '../helpers/transcript-suite.ts';

await transcriptSuite({ protocol: 'imap', dir: new URL('./imap/', import.meta.url), load: loadImapProtocol });
