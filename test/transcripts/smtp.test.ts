/**
 * Every transcript under test/transcripts/smtp/ against the real SMTP listeners (the MTA on the
 * `smtp` port, `connection N submission` on the submission port, `connection N imap` to look at
 * the store), in every variant (line by line; 1-, 3- and 17-byte writes; pipelined unless
 * `pipeline: no`, waiting for 334 and 354 as a pipelining client does), each on a fresh server
 * and store. The listeners use an empty in-memory DNS and SIZE 10000. A header comment
 * `# server-config: {json}` passes config-file values (e.g. `{"auth":{"plaintext":"tls-only"}}`).
 * `TRANSCRIPT=name` runs only the transcripts whose file name contains `name`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ConfigFile } from '../../src/core/config-schema.ts';
import { createSmtpProtocol } from '../../src/protocols/smtp/index.ts';
import { startImapTestServer } from '../helpers/imap-server.ts';
import { loadFixtures, runTranscript, VARIANTS } from '../helpers/imap-runner.ts';
import { parseTranscript, type Transcript } from '../helpers/imap-transcript.ts';
import { memoryDns } from '../helpers/smtp-env.ts';

/** SIZE of the transcript listeners (small, so the size refusals are cheap to write down). */
const MAX_BYTES = 10_000;
const dir = new URL('./smtp/', import.meta.url);
const only = process.env.TRANSCRIPT;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .filter((f) => !only || f.includes(only))
  .sort();

test('there are transcripts', () => {
  if (files.length === 0 && !only) throw new Error(`no transcripts in ${dir.pathname}`);
});

/** `# server-config: {json}` in the header (before the first blank line). */
function serverConfig(source: string): ConfigFile | undefined {
  for (const line of source.split(/\r?\n/)) {
    if (line.trim() === '') return undefined;
    const m = /^# server-config: (.*)$/.exec(line);
    if (m) return JSON.parse(m[1]!) as ConfigFile;
  }
  return undefined;
}

for (const file of files) {
  const title = `smtp/${file}`;
  const source = readFileSync(new URL(file, dir), 'utf8');
  let transcript: Transcript | null = null;
  let syntax: Error | null = null;
  let config: ConfigFile | undefined;
  try {
    transcript = parseTranscript(title, source, 'smtp');
    config = serverConfig(source);
  } catch (err) {
    syntax = err as Error;
  }
  describe(title, { concurrency: false }, () => {
    if (syntax || !transcript) {
      test('parses', () => {
        throw syntax ?? new Error('unparsable');
      });
      return;
    }
    const t = transcript;
    for (const variant of VARIANTS) {
      if (variant.pipelined && !t.pipeline) continue;
      test(variant.name, async () => {
        const smtp = createSmtpProtocol({ dns: memoryDns(), maxMessageBytes: MAX_BYTES });
        const server = await startImapTestServer({ also: { smtp, submission: smtp }, ...(config ? { config } : {}) });
        try {
          await loadFixtures(server.store, t);
          const { ports } = server;
          await runTranscript(t, { port: ports.smtp!, ports: { smtp: ports.smtp, submission: ports.submission, imap: ports.imap }, variant });
        } finally {
          await server.close();
        }
      });
    }
  });
}
