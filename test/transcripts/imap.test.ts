/**
 * Every transcript under test/transcripts/imap/ against the real IMAP server, in every variant
 * (line by line; 1-, 3- and 17-byte writes; pipelined unless `pipeline: no`), each on a fresh
 * server and store. A transcript with `requires: CAP` is skipped while the server does not
 * announce CAP. When src/protocols/imap/index.ts is missing, one test fails saying so.
 * `TRANSCRIPT=name` runs only the transcripts whose file name contains `name`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ProtocolFactory } from '../../src/server/protocol.ts';
import { loadImapProtocol, startImapTestServer } from '../helpers/imap-server.ts';
import { loadFixtures, probeCapabilities, runTranscript, VARIANTS } from '../helpers/imap-runner.ts';
import { parseTranscript, type Transcript } from '../helpers/imap-transcript.ts';

const dir = new URL('./imap/', import.meta.url);
const only = process.env.TRANSCRIPT;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .filter((f) => !only || f.includes(only))
  .sort();

let protocol: ProtocolFactory | null = null;
let missing: Error | null = null;
try {
  protocol = await loadImapProtocol();
} catch (err) {
  missing = err as Error;
}

test('the IMAP server module loads', () => {
  if (missing) throw missing;
});

test('there are transcripts', () => {
  if (files.length === 0 && !only) throw new Error('no transcripts in test/transcripts/imap/');
});

for (const file of files) {
  const name = `imap/${file}`;
  let transcript: Transcript | null = null;
  let syntax: Error | null = null;
  try {
    transcript = parseTranscript(name, readFileSync(new URL(file, dir), 'utf8'));
  } catch (err) {
    syntax = err as Error;
  }
  describe(name, { concurrency: false }, () => {
    if (syntax || !transcript) {
      test('parses', () => {
        throw syntax ?? new Error('unparsable');
      });
      return;
    }
    if (!protocol) return;
    const t = transcript;
    const factory = protocol;
    for (const variant of VARIANTS) {
      if (variant.pipelined && !t.pipeline) continue;
      test(variant.name, async (ctx) => {
        const server = await startImapTestServer({ protocol: factory });
        try {
          await loadFixtures(server.store, t);
          if (t.requires.length) {
            const caps = await probeCapabilities(server.port, t);
            const lacking = t.requires.filter((c) => !caps.has(c.toUpperCase()));
            if (lacking.length) {
              ctx.skip(`server does not announce ${lacking.join(' ')}`);
              return;
            }
          }
          await runTranscript(t, { port: server.port, variant });
        } finally {
          await server.close();
        }
      });
    }
  });
}
